package channelcodes

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/web"
	"github.com/orgconsole/console/web/templates/pages"
)

// MaxQRBytes bounds a QR image read from the platform (the sandbox's are a
// few KB; a live QR is well under 1 MB).
const MaxQRBytes = 2 << 20

// pngMagic starts every PNG file.
var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// QR serves GET /channel-codes/qr/<id>.png[?download=1].
//
// Pages may load images from their own origin only (CSP img-src 'self', and
// school intranets are often offline), so the console fetches the image
// behind a code's codeUrl and passes it on. It is not an open proxy: it
// fetches only the codeUrl the platform gave for that code in a listing this
// console showed (qrSeen) — the browser names a code, never an address — and
// only when that address is http(s) on exactly the configured SCRM base URL's
// host (and port) or one of Config.QRHosts. Redirects are not followed, at
// most MaxQRBytes are read and the body must be a PNG. download=1 adds
// Content-Disposition: attachment.
func (h *Handler) QR(c echo.Context) error {
	name, ok := strings.CutSuffix(c.Param("file"), ".png")
	id, err := strconv.ParseInt(name, 10, 64)
	if !ok || err != nil || id <= 0 {
		return echo.NewHTTPError(http.StatusNotFound)
	}
	raw, ok := h.qrSeen.lookup(id)
	if !ok {
		// Never listed here, listed too long ago, or listed by another replica.
		return web.Render(c, http.StatusNotFound, pages.Error(pages.ErrorProps{Status: http.StatusNotFound,
			TitleKey: "channelcodes.qr.gone.title", BodyKey: "channelcodes.qr.gone.body"}))
	}
	img, status := h.fetchQR(c.Request().Context(), raw)
	if status != http.StatusOK {
		return c.NoContent(status) // for an <img>: no error page to render
	}
	hd := c.Response().Header()
	// The image of a code does not change; private because it sits behind sign-in.
	hd.Set("Cache-Control", "private, max-age=86400")
	if c.QueryParam("download") == "1" {
		hd.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="channel-code-%d.png"`, id))
	}
	return c.Blob(http.StatusOK, "image/png", img)
}

// allowedImage reports whether raw is an http(s) URL on an allowed host.
func (h *Handler) allowedImage(raw string) bool {
	if raw == "" {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	for _, host := range h.qrHosts {
		if strings.EqualFold(u.Host, host) {
			return true
		}
	}
	return false
}

// fetchQR returns the image, or the status to answer with instead.
func (h *Handler) fetchQR(ctx context.Context, raw string) ([]byte, int) {
	ctx, cancel := context.WithTimeout(ctx, h.qrWait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, http.StatusBadRequest
	}
	req.Header.Set("Accept", "image/png")
	resp, err := h.qrHTTP.Do(req)
	if err != nil {
		h.log.Warn("channel codes: QR fetch", "err", err)
		if ctx.Err() != nil {
			return nil, http.StatusGatewayTimeout
		}
		return nil, http.StatusBadGateway
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, http.StatusNotFound
	}
	if resp.StatusCode != http.StatusOK {
		h.log.Warn("channel codes: QR fetch", "status", resp.StatusCode)
		return nil, http.StatusBadGateway
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxQRBytes+1))
	if err != nil || len(body) > MaxQRBytes || !bytes.HasPrefix(body, pngMagic) {
		h.log.Warn("channel codes: QR fetch: not a PNG within the size bound", "bytes", len(body), "err", err)
		return nil, http.StatusBadGateway
	}
	return body, http.StatusOK
}
