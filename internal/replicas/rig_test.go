package replicas_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/sandbox"
	"github.com/orgconsole/console/internal/store"
)

// binary is the console built once for every test and benchmark here.
var binary struct {
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary.path != "" {
		_ = os.RemoveAll(filepath.Dir(binary.path))
	}
	os.Exit(code)
}

func consoleBinary(t testing.TB) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "console-bin-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "console")
		out, err := exec.Command("go", "build", "-o", binary.path, "github.com/orgconsole/console/cmd/console").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, binary.err)
	return binary.path
}

// output collects a process's stdout and stderr.
type output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// proc is one console process.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *output
	done chan struct{}
}

func startProc(t testing.TB, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, cmd: exec.Command(consoleBinary(t), args...), out: &output{}, done: make(chan struct{})}
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + os.TempDir()}, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	require.NoError(t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if p.running() {
			_ = p.cmd.Process.Signal(os.Interrupt)
			select {
			case <-p.done:
			case <-time.After(10 * time.Second):
				_ = p.cmd.Process.Kill()
				<-p.done
			}
		}
		if t.Failed() {
			t.Logf("--- %s output ---\n%s", p.name, p.out)
		}
	})
	return p
}

func (p *proc) running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill ends the process at once (SIGKILL): nothing it held is handed back.
func (p *proc) kill(t testing.TB) {
	require.NoError(t, p.cmd.Process.Kill())
	<-p.done
}

// sandboxProc is a standalone `console sandbox`.
type sandboxProc struct {
	*proc
	control string   // its control endpoints (sandbox.ControlPrefix)
	env     []string // what a console in live mode needs to use it, as it printed them
}

// startSandbox runs `console sandbox` and reads the URLs and settings it prints.
func startSandbox(t testing.TB) *sandboxProc {
	t.Helper()
	s := &sandboxProc{proc: startProc(t, "sandbox", []string{"CONSOLE_SANDBOX_ADDR=127.0.0.1:0", "CONSOLE_LOG_LEVEL=warn"}, "sandbox")}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.out.String(), "CONSOLE_DEFAULT_ORG_NAME=") {
		require.True(t, s.running(), "console sandbox exited:\n%s", s.out)
		require.True(t, time.Now().Before(deadline), "console sandbox printed no settings:\n%s", s.out)
		time.Sleep(20 * time.Millisecond)
	}
	sc := bufio.NewScanner(strings.NewReader(s.out.String()))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) >= 2 && f[0] == "control":
			s.control = f[1]
		case len(f) == 1 && strings.HasPrefix(f[0], "CONSOLE_"):
			s.env = append(s.env, f[0])
		}
	}
	require.NotEmpty(t, s.control)
	return s
}

func (s *sandboxProc) do(t testing.TB, method, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(s.control, "/")+"/"+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	return resp
}

// latency adds d to every call to a platform.
func (s *sandboxProc) latency(t testing.TB, platform string, d time.Duration) {
	t.Helper()
	b, _ := json.Marshal(sandbox.Fault{Latency: d})
	resp := s.do(t, http.MethodPut, "faults/"+platform, string(b))
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

// requests are the calls a platform received on a path, oldest first.
func (s *sandboxProc) requests(t testing.TB, platform, path string) []sandbox.Request {
	t.Helper()
	resp := s.do(t, http.MethodGet, "requests?"+url.Values{"platform": {platform}, "path": {path}}.Encode(), "")
	defer resp.Body.Close()
	var out []sandbox.Request
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return out
}

func (s *sandboxProc) reset(t testing.TB) {
	t.Helper()
	resp := s.do(t, http.MethodPost, "reset", "")
	resp.Body.Close()
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
}

// cluster is one database, one sandbox and the replicas serving them.
type cluster struct {
	t     testing.TB
	db    string // CONSOLE_DATABASE_URL ("" = SQLite in dataDir)
	dir   string // CONSOLE_DATA_DIR of every process (SQLite lives there)
	sb    *sandboxProc
	store *store.Store // the test's own view of the database
}

func newCluster(t testing.TB, dbURL string) *cluster {
	c := &cluster{t: t, db: dbURL, dir: t.TempDir(), sb: startSandbox(t)}
	return c
}

// env is what every console process of the cluster gets.
func (c *cluster) env(extra ...string) []string {
	env := []string{"CONSOLE_DATA_DIR=" + c.dir, "CONSOLE_LOG_LEVEL=warn"}
	if c.db != "" {
		env = append(env, "CONSOLE_DATABASE_URL="+c.db)
	}
	return append(env, extra...)
}

// run runs a console command to its end (stdin: input) and returns its output.
func (c *cluster) run(input string, args ...string) string {
	c.t.Helper()
	cmd := exec.Command(consoleBinary(c.t), args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, c.env()...)
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.CombinedOutput()
	require.NoError(c.t, err, "console %s: %s", strings.Join(args, " "), out)
	return string(out)
}

// openStore is the test's own connection to the cluster's database.
func (c *cluster) openStore() *store.Store {
	if c.store == nil {
		dsn := c.db
		if dsn == "" {
			dsn = filepath.Join(c.dir, "console.db")
		}
		st, err := store.Open(context.Background(), dsn)
		require.NoError(c.t, err)
		c.t.Cleanup(func() { _ = st.Close() })
		c.store = st
	}
	return c.store
}

// replica is one `console serve`.
type replica struct {
	*proc
	url string
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// serve starts a replica in live mode against the cluster's sandbox and
// waits until it is ready.
func (c *cluster) serve(name string, extra ...string) *replica {
	c.t.Helper()
	addr := freeAddr(c.t)
	// One admin pushes here: pushes of thousands of accounts need no second one.
	env := c.env(append(append([]string{"CONSOLE_MODE=live", "CONSOLE_ADDR=" + addr, "CONSOLE_APPROVAL_ACCOUNTS=0"}, c.sb.env...), extra...)...)
	r := &replica{proc: startProc(c.t, name, env, "serve"), url: "http://" + addr}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(r.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r
			}
		}
		require.True(c.t, r.running(), "replica %s exited:\n%s", name, r.out)
		require.True(c.t, time.Now().Before(deadline), "replica %s not ready:\n%s", name, r.out)
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *replica) env() *apptest.Env { return apptest.At(r.url) }

// rssMiB is the process's resident set.
func (p *proc) rssMiB(t testing.TB) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Skip("no /proc")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}
