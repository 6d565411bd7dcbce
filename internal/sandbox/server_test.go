package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type echoPlatform struct{}

func (echoPlatform) Name() string { return "echo" }
func (echoPlatform) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write([]byte(`{"ok":true,"path":"` + r.URL.Path + `","body":` + string(b) + `}`))
	})
}
func (echoPlatform) ErrorEnvelope(code, msg string) []byte {
	return []byte(`{"err":"` + code + `","msg":"` + msg + `"}`)
}

func start(t *testing.T) *Server {
	s := New(nil)
	s.Add(echoPlatform{})
	require.NoError(t, s.Start("127.0.0.1:0"))
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func post(t *testing.T, url, body string, timeout time.Duration) (int, string, error) {
	c := &http.Client{Timeout: timeout}
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func TestRecordsEveryRequestWithSecretsRedacted(t *testing.T) {
	s := start(t)
	status, body, err := post(t, s.BaseURL("echo")+"/a/b?access_token=secret-token&x=1", `{"n":1}`, time.Second)
	require.NoError(t, err)
	assert.Equal(t, 200, status)
	assert.Contains(t, body, `"path":"/a/b"`)
	reqs := s.Recorder.Requests("echo", "/a/b")
	require.Len(t, reqs, 1)
	assert.Equal(t, `{"n":1}`, reqs[0].Body)
	assert.NotContains(t, reqs[0].Query, "secret-token")
	assert.Contains(t, reqs[0].Query, "x=1")
	assert.Equal(t, 404, func() int { st, _, _ := post(t, s.URL()+"/nope/x", "{}", time.Second); return st }())
}

func TestFaults(t *testing.T) {
	s := start(t)
	url := s.BaseURL("echo") + "/x"

	s.Faults.Set("echo", Fault{Kind: FaultEnvelope, Code: "42", Message: "boom", Times: 1})
	_, body, _ := post(t, url, "{}", time.Second)
	assert.Equal(t, `{"err":"42","msg":"boom"}`, body)
	_, body, _ = post(t, url, "{}", time.Second)
	assert.Contains(t, body, `"ok":true`, "Times: 1 hits one call")

	s.Faults.Set("echo", Fault{Kind: FaultHTTP500})
	status, body, _ := post(t, url, "{}", time.Second)
	assert.Equal(t, 500, status)
	assert.Contains(t, body, "<html>")

	s.Faults.Set("echo", Fault{Kind: FaultMalformed})
	_, body, _ = post(t, url, "{}", time.Second)
	assert.True(t, strings.HasPrefix(body, "{") && !strings.HasSuffix(body, "}"))

	s.Faults.Set("echo", Fault{Kind: FaultHang})
	_, _, err := post(t, url, "{}", 100*time.Millisecond)
	assert.Error(t, err, "the client gives up")

	s.Faults.Set("echo", Fault{Latency: 60 * time.Millisecond})
	t0 := time.Now()
	_, body, _ = post(t, url, "{}", time.Second)
	assert.GreaterOrEqual(t, time.Since(t0), 60*time.Millisecond)
	assert.Contains(t, body, `"ok":true`)

	s.Faults.Set("echo", Fault{Kind: FaultEnvelope, Path: "/other"})
	_, body, _ = post(t, url, "{}", time.Second)
	assert.Contains(t, body, `"ok":true`, "a fault on another path leaves this one alone")
	s.Faults.Clear()
	assert.Equal(t, "none", s.Faults.Get("echo").String())
}

func TestTokensExpire(t *testing.T) {
	tk := NewTokens(time.Minute)
	now := time.Now()
	tk.now = func() time.Time { return now }
	tok, ttl := tk.Issue()
	assert.Equal(t, time.Minute, ttl)
	assert.True(t, tk.Valid(tok))
	now = now.Add(61 * time.Second)
	assert.False(t, tk.Valid(tok))
	assert.False(t, tk.Valid("forged"))
}

// The recorder is bounded in bytes and in count, dropping the oldest, and a
// long body is cut with a marker that says how long it was.
func TestRecorderIsBounded(t *testing.T) {
	r := NewRecorder(100, 4<<20)
	big := strings.Repeat("x", 2*MaxRecordedBody)
	for i := 0; i < 1000; i++ {
		r.add(Request{Platform: "p", Path: "/big", Body: recordBody([]byte(big), len(big)), Response: recordBody([]byte(big), len(big))})
	}
	assert.LessOrEqual(t, r.bytes, 4<<20, "total bytes stay under the cap")
	kept := r.Requests("", "")
	assert.Equal(t, r.bytes, func() (n int) {
		for _, q := range kept {
			n += q.size()
		}
		return n
	}(), "the byte count is of what is kept")
	assert.Equal(t, int64(1000), kept[len(kept)-1].Seq, "the newest is kept")
	assert.Greater(t, kept[0].Seq, int64(900), "the oldest went first")
	mark := TruncatedMark + strconv.Itoa(len(big)) + " bytes in all]"
	assert.True(t, strings.HasSuffix(kept[0].Body, mark), kept[0].Body[len(kept[0].Body)-40:])
	assert.Len(t, kept[0].Body, MaxRecordedBody+len(mark))

	small := NewRecorder(100, 1<<20)
	for i := 0; i < 250; i++ {
		small.add(Request{Path: "/s"})
	}
	assert.Len(t, small.Requests("", ""), 100, "at most maxEntries")
	assert.Equal(t, int64(151), small.Recent(100)[99].Seq)
}

// A cut never splits a character, nor leaves a secret's beginning readable.
func TestRecordBodyCutsCleanly(t *testing.T) {
	zh := strings.Repeat("汉", MaxRecordedBody) // 3 bytes each: the cut falls inside one
	got := recordBody([]byte(zh), len(zh))
	assert.True(t, utf8.ValidString(got))
	tok := `{"pad":"` + strings.Repeat("y", MaxRecordedBody-30) + `","access_token":"sbx-0123456789abcdef0123456789"}`
	got = recordBody([]byte(tok), len(tok))
	assert.NotContains(t, got, "sbx-", "the start of a cut-off token is redacted too")
	assert.Contains(t, got, TruncatedMark)
	assert.Equal(t, `{"n":1}`, recordBody([]byte(`{"n":1}`), 7), "short bodies are kept whole")
}

// Another process drives the sandbox over its control endpoints: it adds
// latency, reads what the fakes received and starts over.
func TestControlEndpointsDriveTheSandboxFromAnotherProcess(t *testing.T) {
	s := start(t)
	do := func(method, path, body string) (int, string) {
		req, err := http.NewRequest(method, s.URL()+path, strings.NewReader(body))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	st, _ := do(http.MethodPut, ControlPrefix+"faults/echo", `{"Latency": 50000000}`)
	require.Equal(t, http.StatusNoContent, st)
	st, _ = do(http.MethodPut, ControlPrefix+"faults/nope", `{}`)
	assert.Equal(t, http.StatusNotFound, st)
	st, _ = do(http.MethodPut, ControlPrefix+"faults/echo", `latency please`)
	assert.Equal(t, http.StatusBadRequest, st)

	t0 := time.Now()
	_, _, err := post(t, s.BaseURL("echo")+"/a", `{"n":1}`, time.Second)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(t0), 50*time.Millisecond, "the latency is applied")

	st, body := do(http.MethodGet, ControlPrefix+"requests?platform=echo&path=/a", "")
	require.Equal(t, http.StatusOK, st)
	var reqs []Request
	require.NoError(t, json.Unmarshal([]byte(body), &reqs))
	require.Len(t, reqs, 1)
	assert.Equal(t, `{"n":1}`, reqs[0].Body)
	assert.Equal(t, "latency +50ms", reqs[0].Fault)

	st, _ = do(http.MethodPost, ControlPrefix+"reset", "")
	require.Equal(t, http.StatusNoContent, st)
	assert.Empty(t, s.Recorder.Requests("", ""))
	assert.Equal(t, Fault{}, s.Faults.Get("echo"))
}
