package handlers_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	sbtze "github.com/orgconsole/console/internal/sandbox/tze"
)

// BenchmarkPageBytes: what the main pages weigh on the wire for an admin,
// gzipped as the router sends them to a browser that accepts gzip, and
// unpacked. Reports gzip-B and html-B per page (assets are cached apart).
func BenchmarkPageBytes(b *testing.B) {
	if os.Getenv("CONSOLE_BENCH") == "" {
		b.Skip("bytes per page: run with CONSOLE_BENCH=1 (make bench)")
	}
	env := apptest.New(b, nil)
	br := env.As(b, auth.RoleAdmin)
	for _, path := range []string{
		"/", "/cards", "/cards/jobs", "/messages/new", "/messages/drafts", "/messages/history",
		"/channel-codes", "/org", "/org/node/" + sbtze.SeedSchoolID, "/admin/users", "/audit", "/status",
		"/schedule", "/approvals", "/cards/feeds", "/cards/feeds/new",
	} {
		b.Run(path, func(b *testing.B) {
			var wire, html int
			for i := 0; i < b.N; i++ {
				req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
				req.Header.Set("Accept-Encoding", "gzip") // set by hand: the client leaves the body packed
				resp, err := br.HTTP.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				packed, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
					b.Fatalf("%s: status %d, encoding %q", path, resp.StatusCode, resp.Header.Get("Content-Encoding"))
				}
				zr, err := gzip.NewReader(bytes.NewReader(packed))
				if err != nil {
					b.Fatal(err)
				}
				plain, _ := io.ReadAll(zr)
				wire, html = len(packed), len(plain)
			}
			b.ReportMetric(float64(wire), "gzip-B")
			b.ReportMetric(float64(html), "html-B")
		})
	}
}
