package channelcodes_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/clients/scrm"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/handlers/channelcodes"
	"github.com/orgconsole/console/internal/sandbox"
	sbscrm "github.com/orgconsole/console/internal/sandbox/scrm"
)

var benchCreds = sbscrm.Credentials{AppID: "bench-app", AppKey: "bench-key", Secret: "bench-secret", SignAlgo: sbscrm.SignHMAC}

func benchClient(b *testing.B, baseURL string) *scrm.Client {
	signer, err := scrm.NewSigner(scrm.AlgoHMACSHA256, benchCreds.Secret)
	if err != nil {
		b.Fatal(err)
	}
	return scrm.New(upstream.Config{BaseURL: baseURL, Timeout: 30 * time.Second},
		scrm.Credentials{AppID: benchCreds.AppID, AppKey: benchCreds.AppKey}, signer)
}

// procKB reads a field (VmRSS, VmHWM) of /proc/self/status in kB; 0 off Linux.
func procKB(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux ≥ 4.0).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// discard is a response writer that counts bytes and can flush.
type discard struct {
	h     http.Header
	n     int64
	lines int64
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) WriteHeader(int)     {}
func (d *discard) Flush()              {}
func (d *discard) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	d.lines += int64(strings.Count(string(p), "\n"))
	return len(p), nil
}

// fakeEnv names the seed size for TestHelperSCRMFake.
const fakeEnv = "CHANNELCODES_BENCH_FAKE_CODES"

// TestHelperSCRMFake is not a test: BenchmarkExport runs the test binary
// again with fakeEnv set, so the SCRM fake lives in its own process and the
// benchmark's RSS is the console's alone. It prints the fake's URL and serves
// until its stdin closes.
func TestHelperSCRMFake(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(fakeEnv))
	if n == 0 {
		t.Skip("helper process for BenchmarkExport")
	}
	srv := httptest.NewServer(sbscrm.New(benchCreds, nil, sbscrm.WithCodes(n)).Handler())
	defer srv.Close()
	fmt.Println("FAKE_URL=" + srv.URL)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// startFake runs the fake with n codes in a child process.
func startFake(b *testing.B, n int) string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSCRMFake$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), fakeEnv+"="+strconv.Itoa(n))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close() // the helper returns when its stdin closes
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "FAKE_URL="); ok {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return u
		}
	}
	b.Fatal("the fake process printed no URL")
	return ""
}

// BenchmarkExport streams the CSV of every code from an SCRM fake running in
// a child process (so the RSS measured is the console's alone). Reported:
// wall time per export, rows, and peak RSS growth over the RSS before the
// export. Memory is bounded by a page (100 codes), so the growth stays flat
// as the count grows.
func BenchmarkExport(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprintf("codes=%d", n), func(b *testing.B) {
			h := channelcodes.New(channelcodes.Config{Codes: benchClient(b, startFake(b, n))})
			e := echo.New()
			runtime.GC()
			debug.FreeOSMemory()
			base := procKB("VmRSS")
			resetPeakRSS()
			var rows int64
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				w := &discard{h: http.Header{}}
				req := httptest.NewRequest(http.MethodGet, "/channel-codes/export.csv", nil)
				if err := h.Export(e.NewContext(req, w)); err != nil {
					b.Fatal(err)
				}
				rows = w.lines - 1
				if rows != int64(n) {
					b.Fatalf("exported %d rows, want %d", rows, n)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/export")
			b.ReportMetric(float64(rows), "rows")
			if peak := procKB("VmHWM"); peak > 0 {
				b.ReportMetric(float64(peak-base)/1024, "MB-peak-RSS-growth")
			}
		})
	}
}

// BenchmarkListLatency is the list page's latency over the platform's: the
// sandbox adds 50 ms to every call; the page (filters, signed call, decode,
// render of 20 rows) is timed through HTTP, as is the bare client call.
func BenchmarkListLatency(b *testing.B) {
	const injected = 50 * time.Millisecond
	const rounds = 20
	sb := sandbox.New(nil)
	sb.Add(sbscrm.New(benchCreds, nil))
	if err := sb.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	sb.Faults.Set("scrm", sandbox.Fault{Latency: injected})
	client := benchClient(b, sb.BaseURL("scrm"))
	page := bareB(b, channelcodes.New(channelcodes.Config{Codes: client, SCRMBaseURL: sb.BaseURL("scrm")}))

	timeIt := func(fn func()) time.Duration {
		fn() // warm the connections
		start := time.Now()
		for range rounds {
			fn()
		}
		return time.Since(start) / rounds
	}
	b.ResetTimer()
	for range b.N {
		upstreamT := timeIt(func() {
			if _, err := client.List(context.Background(), scrm.ListRequest{State: "招生", Size: 20}); err != nil {
				b.Fatal(err)
			}
		})
		pageT := timeIt(func() {
			resp, err := http.Get(page + "/channel-codes?name=%E6%8B%9B%E7%94%9F&size=20")
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		})
		b.ReportMetric(float64(upstreamT.Microseconds())/1000, "ms-upstream")
		b.ReportMetric(float64(pageT.Microseconds())/1000, "ms-page")
		b.ReportMetric(float64(pageT)/float64(upstreamT), "page/upstream")
		b.ReportMetric(float64(pageT)/float64(injected), "page/injected")
	}
}
