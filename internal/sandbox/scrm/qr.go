package scrm

import (
	"net/http"
	"strconv"
	"strings"

	"rsc.io/qr"
)

// QRTarget is what the QR image of a code encodes: the page a customer's phone
// opens after scanning (the fake's invention; live codes point at WeCom).
func QRTarget(id int64) string {
	return "https://scrm.example/c/" + strconv.FormatInt(id, 10)
}

// qr serves GET /qr/<id>.png for seeded codes; anything else is 404.
func (f *Fake) qr(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".png")
	id, err := strconv.ParseInt(name, 10, 64)
	if _, known := f.pos[id]; !ok || err != nil || !known {
		http.NotFound(w, r)
		return
	}
	code, err := qr.Encode(QRTarget(id), qr.M)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	code.Scale = 8
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(code.PNG())
}
