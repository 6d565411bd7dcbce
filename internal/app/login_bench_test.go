package app_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// buildConsole compiles the console binary for benchmarks that run it as a
// separate process (its memory is then the console's alone).
func buildConsole(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "console")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/console")
	build.Stderr = os.Stderr
	require.NoError(b, build.Run())
	return bin
}

// BenchmarkLoginFloodRSS: peak RSS (VmHWM) of a console process at the
// default argon2id memory (19 MiB) while 250 wrong passwords arrive at once.
// "one client": all from one address for one account (the throttle refuses
// most before hashing); "spread": each from its own address for its own
// name, so nothing is throttled and only the hashing bound holds memory.
func BenchmarkLoginFloodRSS(b *testing.B) {
	if os.Getenv("CONSOLE_BENCH") == "" {
		b.Skip("set CONSOLE_BENCH=1 (make bench)")
	}
	bin := buildConsole(b)
	for _, spread := range []bool{false, true} {
		name := map[bool]string{false: "one-client", true: "spread"}[spread]
		b.Run(name, func(b *testing.B) {
			for range b.N {
				loginFlood(b, bin, spread)
			}
		})
	}
}

func loginFlood(b *testing.B, bin string, spread bool) {
	const attempts = 250
	addr := freeAddr(b)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "CONSOLE_DATA_DIR="+b.TempDir(), "CONSOLE_ADDR="+addr, "CONSOLE_LOG_LEVEL=error",
		"CONSOLE_TRUSTED_PROXIES=127.0.0.1/32")
	require.NoError(b, cmd.Start())
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}()
	base := "http://" + addr
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Transport: &http.Transport{MaxConnsPerHost: attempts, MaxIdleConnsPerHost: attempts},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var page string
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) {
		require.Less(b, time.Since(start), 30*time.Second, "console did not start")
		resp, err := client.Get(base + "/login")
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			page = string(body)
			break
		}
	}
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	require.NotNil(b, m, "CSRF token on the sign-in page")
	rssBefore := procKB(b, cmd.Process.Pid, "VmRSS")

	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	start := time.Now()
	for i := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user, ip := "admin", "198.51.100.1"
			if spread {
				user, ip = fmt.Sprintf("user%d", i), fmt.Sprintf("10.%d.%d.1", i/250, i%250)
			}
			vals := url.Values{"_csrf": {m[1]}, "username": {user}, "password": {fmt.Sprintf("wrong-%d", i)}}
			req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(vals.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", ip)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.Logf("statuses %v in %s", statuses, elapsed.Round(time.Millisecond))
	b.ReportMetric(float64(procKB(b, cmd.Process.Pid, "VmHWM"))/1024, "MB-peak-RSS")
	b.ReportMetric(float64(rssBefore)/1024, "MB-RSS-before")
	b.ReportMetric(float64(statuses[http.StatusUnauthorized]), "hashed")
	b.ReportMetric(float64(statuses[http.StatusTooManyRequests]), "throttled")
	b.ReportMetric(float64(statuses[http.StatusServiceUnavailable]), "busy")
	b.ReportMetric(elapsed.Seconds(), "s-total")
}

// procKB reads one "Name: N kB" line of /proc/<pid>/status.
func procKB(b *testing.B, pid int, field string) int {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(b, err)
	m := regexp.MustCompile(field + `:\s+(\d+) kB`).FindSubmatch(status)
	require.NotNil(b, m, field)
	kb, _ := strconv.Atoi(string(m[1]))
	return kb
}
