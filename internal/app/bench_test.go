package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/pgtest"
)

func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	return ln.Addr().String()
}

// BenchmarkColdStart: process start to first served page, and RSS after start.
func BenchmarkColdStart(b *testing.B) {
	bin := buildConsole(b)
	var total time.Duration
	var rss float64
	for i := 0; i < b.N; i++ {
		addr := freeAddr(b)
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "CONSOLE_DATA_DIR="+b.TempDir(), "CONSOLE_ADDR="+addr, "CONSOLE_LOG_LEVEL=error")
		start := time.Now()
		require.NoError(b, cmd.Start())
		for {
			resp, err := http.Get("http://" + addr + "/login")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			require.Less(b, time.Since(start), 30*time.Second)
			time.Sleep(2 * time.Millisecond)
		}
		total += time.Since(start)
		rss = float64(procKB(b, cmd.Process.Pid, "VmRSS")) / 1024
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-to-first-page")
	b.ReportMetric(rss, "MB-RSS-after-start")
}

// BenchmarkDashboardLoad: the signed-in dashboard under 50 concurrent
// connections on loopback: requests/s and p99, on each store backend.
func BenchmarkDashboardLoad(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { dashboardLoad(b, nil) })
	b.Run("postgres", func(b *testing.B) { dashboardLoad(b, map[string]string{"CONSOLE_DATABASE_URL": pgtest.URL(b)}) })
}

func dashboardLoad(b *testing.B, vars map[string]string) {
	env := apptest.New(b, vars)
	br := env.As(b, auth.RoleAdmin)
	const workers, perWorker = 50, 60
	client := &http.Client{Jar: br.HTTP.Jar, Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	b.ResetTimer()
	var lat []time.Duration
	var mu sync.Mutex
	start := time.Now()
	for n := 0; n < b.N; n++ {
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine := make([]time.Duration, 0, perWorker)
				for i := 0; i < perWorker; i++ {
					t0 := time.Now()
					resp, err := client.Get(env.URL + "/")
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}

// BenchmarkDashboardBytes: bytes a first visit to the dashboard transfers (HTML + CSS + JS, gzip).
func BenchmarkDashboardBytes(b *testing.B) {
	env := apptest.New(b, nil)
	br := env.As(b, auth.RoleAdmin)
	get := func(path string) (raw []byte, wire int) {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, env.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := br.HTTP.Do(req)
		require.NoError(b, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		wire = len(body)
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			require.NoError(b, err)
			raw, _ = io.ReadAll(zr)
		} else {
			raw = body
		}
		return raw, wire
	}
	var total, html int
	for n := 0; n < b.N; n++ {
		page, wire := get("/")
		total, html = wire, wire
		for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllSubmatch(page, -1) {
			_, w := get(string(m[1]))
			total += w
		}
		require.True(b, strings.Contains(string(page), "data-testid=\"nav\""))
	}
	b.ReportMetric(float64(html), "html-bytes-gz")
	b.ReportMetric(float64(total), "total-bytes-gz")
}
