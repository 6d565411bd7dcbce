package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type envelope struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

func decodeEnvelope(status int, body []byte) error {
	var e envelope
	if err := DecodeJSON(status, body, &e); err != nil {
		return err
	}
	switch e.Code {
	case 0:
		return nil
	case 401:
		return &APIError{Kind: KindAuth, Code: "401", Message: e.Msg}
	}
	return &APIError{Kind: KindAPI, Code: strconv.Itoa(e.Code), Message: e.Msg}
}

func newTestClient(t *testing.T, h http.HandlerFunc, cfg Config) *Client {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL
	cfg.Platform = "test"
	cfg.Backoff = time.Millisecond
	return New(cfg)
}

func TestErrorKinds(t *testing.T) {
	cases := []struct {
		name   string
		handle http.HandlerFunc
		kind   ErrorKind
		code   string
		status int
	}{
		{"envelope", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"code":3,"msg":"参数错误"}`))
		}, KindAPI, "3", 200},
		{"html 502", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html>bad gateway</html>"))
		}, KindHTTP, "", 502},
		{"truncated json", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"code":0,"da`)) }, KindMalformed, "", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := newTestClient(t, c.handle, Config{Retries: -1})
			err := cl.Do(context.Background(), Call{Op: "op", Method: "GET", Path: "/x", Decode: decodeEnvelope})
			e, ok := AsAPIError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, c.kind, e.Kind)
			assert.Equal(t, c.code, e.Code)
			assert.Equal(t, c.status, e.HTTPStatus)
			assert.Equal(t, "test", e.Platform)
			assert.Equal(t, "op", e.Op)
		})
	}
}

func TestTimeoutAndBoundedBody(t *testing.T) {
	cl := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}, Config{Timeout: 50 * time.Millisecond, Retries: -1})
	err := cl.Do(context.Background(), Call{Method: "GET", Path: "/slow", Decode: decodeEnvelope})
	e, _ := AsAPIError(err)
	require.NotNil(t, e)
	assert.Equal(t, KindTimeout, e.Kind)

	big := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"code":0,"msg":"` + strings.Repeat("x", 4096) + `"}`))
	}, Config{MaxBody: 1024})
	e, _ = AsAPIError(big.Do(context.Background(), Call{Method: "GET", Path: "/big", Decode: decodeEnvelope}))
	require.NotNil(t, e)
	assert.Equal(t, KindMalformed, e.Kind)
}

func TestRetriesOnlyIdempotentCalls(t *testing.T) {
	var calls atomic.Int32
	cl := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.WriteHeader(503)
			return
		}
		_, _ = w.Write([]byte(`{"code":0}`))
	}, Config{Retries: 2})
	require.NoError(t, cl.Do(context.Background(), Call{Method: "GET", Path: "/list", Idempotent: true, Decode: decodeEnvelope}))
	assert.Equal(t, int32(3), calls.Load(), "two retries after two 503s")

	calls.Store(0)
	err := cl.Do(context.Background(), Call{Method: "POST", Path: "/send", Body: map[string]string{"a": "b"}, Decode: decodeEnvelope})
	assert.Error(t, err)
	assert.Equal(t, int32(1), calls.Load(), "a write is never resent after a 5xx")
}

// A retry cut off by the deadline reports what the platform answered
// before it (here HTTP 503), not the timeout of the retry.
func TestRetryCutOffReportsTheAnswerBefore(t *testing.T) {
	var calls atomic.Int32
	cl := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(503)
			return
		}
		<-r.Context().Done() // the retry hangs
	}, Config{Retries: 2, Timeout: 300 * time.Millisecond})
	err := cl.Do(context.Background(), Call{Method: "GET", Path: "/list", Idempotent: true, Decode: decodeEnvelope})
	e, ok := AsAPIError(err)
	require.True(t, ok, err)
	assert.Equal(t, KindHTTP, e.Kind)
	assert.Equal(t, 503, e.HTTPStatus)
	assert.Equal(t, int32(2), calls.Load(), "retried once, then out of time")
}

func TestAuthErrorRefreshesTokenOnce(t *testing.T) {
	var fetches atomic.Int32
	valid := "tok-2"
	cl := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("t") != valid {
			_ = json.NewEncoder(w).Encode(envelope{Code: 401, Msg: "token expired"})
			return
		}
		_, _ = w.Write([]byte(`{"code":0}`))
	}, Config{
		Tokens: NewCachedToken(func(context.Context) (string, time.Duration, error) {
			n := fetches.Add(1)
			return "tok-" + string(rune('0'+n)), time.Hour, nil
		}, time.Minute),
		Authorize: func(req *http.Request, tok string, _ []byte) error {
			q := req.URL.Query()
			q.Set("t", tok)
			req.URL.RawQuery = q.Encode()
			return nil
		},
	})
	// tok-1 is refused, tok-2 works: a write is retried once on an auth error.
	require.NoError(t, cl.Do(context.Background(), Call{Method: "POST", Path: "/w", Body: 1, Decode: decodeEnvelope}))
	assert.Equal(t, int32(2), fetches.Load())
	valid = "never"
	err := cl.Do(context.Background(), Call{Method: "POST", Path: "/w", Body: 1, Decode: decodeEnvelope})
	e, _ := AsAPIError(err)
	require.NotNil(t, e)
	assert.Equal(t, KindAuth, e.Kind)
	assert.Equal(t, int32(3), fetches.Load(), "only one refresh per call")
}

// A refused token is resent only when the token source has a different one:
// a static token (or a refresh that brings back the same token) is sent once.
func TestRefusedTokenResentOnlyWhenRenewed(t *testing.T) {
	var calls atomic.Int32
	refuse := func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_ = json.NewEncoder(w).Encode(envelope{Code: 401, Msg: "token invalid"})
	}
	authorize := func(req *http.Request, tok string, _ []byte) error {
		req.URL.RawQuery = "t=" + tok
		return nil
	}
	sameAgain := NewCachedToken(func(context.Context) (string, time.Duration, error) { return "same", time.Hour, nil }, 0)
	for name, tokens := range map[string]TokenSource{"static": StaticToken("fixed"), "refetched but unchanged": sameAgain} {
		t.Run(name, func(t *testing.T) {
			calls.Store(0)
			cl := newTestClient(t, refuse, Config{Tokens: tokens, Authorize: authorize})
			err := cl.Do(context.Background(), Call{Method: "GET", Path: "/r", Idempotent: true, Decode: decodeEnvelope})
			e, _ := AsAPIError(err)
			require.NotNil(t, e)
			assert.Equal(t, KindAuth, e.Kind)
			assert.Equal(t, "401", e.Code)
			assert.Equal(t, "token invalid", e.Message)
			assert.Equal(t, int32(1), calls.Load(), "the identical request is not sent twice")
		})
	}
}

func TestCachedTokenOneFetchAtATimeAndRefreshBeforeExpiry(t *testing.T) {
	var fetches atomic.Int32
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewCachedToken(func(context.Context) (string, time.Duration, error) {
		fetches.Add(1)
		time.Sleep(10 * time.Millisecond)
		return "t", 10 * time.Minute, nil
	}, time.Minute)
	c.now = func() time.Time { return now }
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = c.Token(context.Background())
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(1), fetches.Load(), "concurrent callers share one fetch")
	now = now.Add(9*time.Minute + 30*time.Second) // inside the skew before expiry
	_, _ = c.Token(context.Background())
	assert.Equal(t, int32(2), fetches.Load(), "refreshed before it expires")
	st := c.State()
	assert.True(t, st.Present)
	assert.Equal(t, 2, st.Refreshes)

	failing := NewCachedToken(func(context.Context) (string, time.Duration, error) { return "", 0, errors.New("boom") }, time.Minute)
	_, err := failing.Token(context.Background())
	assert.Error(t, err)
	assert.EqualError(t, failing.State().LastError, "boom")
}

func TestStatsPercentiles(t *testing.T) {
	var s Stats
	for i := 1; i <= 100; i++ {
		s.observe(time.Duration(i)*time.Millisecond, nil)
	}
	s.observe(time.Second, errors.New("x"))
	snap := s.Snapshot()
	assert.Equal(t, int64(101), snap.Calls)
	assert.Equal(t, int64(1), snap.Failures)
	assert.Equal(t, 51*time.Millisecond, snap.P50)
	assert.Equal(t, 96*time.Millisecond, snap.P95)
	assert.EqualError(t, snap.LastError, "x")
}

func TestTransportErrorsNeverShowTheToken(t *testing.T) {
	cl := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}, Config{Timeout: 30 * time.Millisecond, Retries: -1, Tokens: StaticToken("secret-token-123"),
		Authorize: func(req *http.Request, tok string, _ []byte) error {
			q := req.URL.Query()
			q.Set("access_token", tok)
			req.URL.RawQuery = q.Encode()
			return nil
		}})
	err := cl.Do(context.Background(), Call{Op: "list", Method: "GET", Path: "/x", Decode: decodeEnvelope})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret-token-123")
	assert.NotContains(t, cl.Status().Stats.LastError.Error(), "secret-token-123")

	refused := New(Config{Platform: "test", BaseURL: "http://127.0.0.1:1", Retries: -1, Tokens: StaticToken("secret-token-123"),
		Authorize: func(req *http.Request, tok string, _ []byte) error {
			req.URL.RawQuery = "access_token=" + tok
			return nil
		}})
	err = refused.Do(context.Background(), Call{Method: "GET", Path: "/x"})
	e, ok := AsAPIError(err)
	require.True(t, ok)
	assert.Equal(t, KindNetwork, e.Kind)
	assert.NotContains(t, err.Error(), "secret-token-123")
}
