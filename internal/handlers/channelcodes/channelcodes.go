// Package channelcodes is the console's 渠道活码 area (issue 5): the filtered,
// cursor-paged list, the CSV export of everything matching the filters, and
// the QR images served from the console's own origin.
//
// Routes (declared in internal/handlers/routes.go, every role):
//
//	GET /channel-codes              the list; filters and cursor history in the URL
//	GET /channel-codes/export.csv   every matching code, streamed page by page
//	GET /channel-codes/qr/:file     <id>.png[?download=1]: the QR image of a listed code
package channelcodes

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/clients/scrm"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/web"
	views "github.com/orgconsole/console/web/templates/channelcodes"
)

// Path is the list page.
const Path = "/channel-codes"

// Codes is what the handler needs of the SCRM client.
type Codes interface {
	List(ctx context.Context, req scrm.ListRequest) (scrm.ListPage, error)
	Walk(ctx context.Context, req scrm.ListRequest, fn func(scrm.ChannelCode) error) error
}

// Config builds a Handler.
type Config struct {
	Codes Codes
	// SCRMBaseURL is the configured platform base URL: QR images are fetched
	// only from its scheme and host (see QR).
	SCRMBaseURL string
	// QRHosts are further hosts (host or host:port) codeUrl images may be
	// fetched from, for a live platform that serves them from a CDN.
	QRHosts []string
	// QRTimeout bounds one image fetch (default 10s).
	QRTimeout time.Duration
	// HTTP fetches QR images (default: a client that follows no redirects).
	HTTP *http.Client
	Log  *slog.Logger
	Now  func() time.Time
}

// Handler serves the channel-code pages.
type Handler struct {
	codes   Codes
	qrHosts []string // hosts QR images may come from: the SCRM base URL's, plus Config.QRHosts
	qrHTTP  *http.Client
	qrWait  time.Duration
	qrSeen  *qrSeen // codeUrls of the codes listed, the only addresses QR fetches
	log     *slog.Logger
	now     func() time.Time
	perPage int // export rows between flushes: one upstream page
}

// New returns the handler.
func New(cfg Config) *Handler {
	h := &Handler{codes: cfg.Codes, qrHTTP: cfg.HTTP, qrWait: cfg.QRTimeout, log: cfg.Log, now: cfg.Now, perPage: scrm.MaxSize}
	if u, err := url.Parse(cfg.SCRMBaseURL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		h.qrHosts = append(h.qrHosts, u.Host)
	}
	for _, host := range cfg.QRHosts {
		if host = strings.TrimSpace(host); host != "" {
			h.qrHosts = append(h.qrHosts, host)
		}
	}
	if h.qrWait <= 0 {
		h.qrWait = 10 * time.Second
	}
	if h.qrHTTP == nil {
		// A redirect could lead anywhere: the host check must hold for the
		// address actually fetched, so redirects are not followed.
		h.qrHTTP = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.qrSeen = newQRSeen(h.now)
	return h
}

// request turns validated filters into the client's request.
func request(p forms.ChannelCodeParams) scrm.ListRequest {
	return scrm.ListRequest{
		State: p.State, UserIDs: p.UserIDs, DeptIDs: p.DeptIDs, GroupIDs: p.GroupIDs,
		ReturnChildren: p.ReturnChildren, StartTime: p.StartTime, EndTime: p.EndTime,
		NextID: p.NextID, Size: p.Size,
	}
}

// List shows one page of codes. Wrong filters re-render with an error beside
// each field and every value kept (422); an upstream failure keeps the filters
// and explains the failure (502).
func (h *Handler) List(c echo.Context) error {
	f := forms.ParseChannelCodeFilter(c.QueryParams())
	p := views.ListProps{Filter: f, Errs: f.Validate()}
	if !p.Errs.OK() {
		return h.render(c, http.StatusUnprocessableEntity, p) // no export link: it would export the wrong filters
	}
	p.ExportURL = exportURL(f)
	page, err := h.page(c.Request().Context(), request(f.Params()))
	if err != nil {
		h.log.Warn("channel codes: list", "err", err)
		p.Upstream = views.Explain(err)
		return h.render(c, http.StatusBadGateway, p)
	}
	p.Loaded, p.End, p.Page = true, page.End, f.Page()
	for _, code := range page.Codes {
		p.Rows = append(p.Rows, h.row(code))
	}
	if !page.End {
		p.NextURL = Path + "?" + f.NextQuery(page.NextID).Encode()
	}
	if q, ok := f.PrevQuery(); ok {
		p.PrevURL = Path + "?" + q.Encode()
	}
	return h.render(c, http.StatusOK, p)
}

// page fetches one page of req.Size codes. Below scrm.MaxSize it asks the
// platform for one code more than it shows: if that extra code comes back,
// another page exists; if not, this page is the end. So a listing whose count
// is an exact multiple of the page size ends on its last full page instead of
// leading to an empty one. The cursor stays exact: the next page's nextId is
// the id of the last code shown (the platform starts right after it, §B),
// never the extra code's. At scrm.MaxSize there is no room to peek and the
// platform's own answer decides (a full last page is then followed by an
// empty one that says it is the end).
func (h *Handler) page(ctx context.Context, req scrm.ListRequest) (scrm.ListPage, error) {
	size := req.Size
	if size <= 0 || size >= scrm.MaxSize {
		return h.codes.List(ctx, req)
	}
	req.Size = size + 1
	page, err := h.codes.List(ctx, req)
	if err != nil || len(page.Codes) <= size {
		page.End = true
		return page, err
	}
	page.Codes = page.Codes[:size]
	page.NextID, page.End = page.Codes[size-1].ID, false
	return page, nil
}

// render writes the page, or its #cc-page fragment for htmx. htmx swaps only
// 2xx answers, so a fragment always goes out as 200: the status is for
// browsers without JavaScript and for tests.
func (h *Handler) render(c echo.Context, status int, p views.ListProps) error {
	if web.IsHTMX(c) {
		c.Response().Header().Set("HX-Push-Url", p.URL())
		return web.Render(c, http.StatusOK, views.Results(p))
	}
	return web.Render(c, status, views.List(p))
}

func exportURL(f forms.ChannelCodeFilter) string {
	q := f.FilterQuery()
	q.Del(forms.CCSize) // the export walks every page at the largest size
	if len(q) == 0 {
		return Path + "/export.csv"
	}
	return Path + "/export.csv?" + q.Encode()
}

// row prepares one code for the table.
func (h *Handler) row(code scrm.ChannelCode) views.Row {
	r := views.Row{Code: code}
	if h.allowedImage(code.CodeURL) {
		h.qrSeen.remember(code.ID, code.CodeURL)
		r.QR = qrPath(code.ID)
		r.QRDownload = r.QR + "?download=1"
	}
	return r
}

func qrPath(id int64) string { return Path + "/qr/" + strconv.FormatInt(id, 10) + ".png" }
