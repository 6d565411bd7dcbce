package upstream

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deadlines is a transport that notes the deadline of every request it sends.
type deadlines struct {
	mu  sync.Mutex
	got []time.Time
}

func (d *deadlines) RoundTrip(r *http.Request) (*http.Response, error) {
	dl, _ := r.Context().Deadline()
	d.mu.Lock()
	d.got = append(d.got, dl)
	d.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (d *deadlines) list() []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Time(nil), d.got...)
}

// hangingClient answers nothing until the caller gives up.
func hangingClient(t *testing.T, cfg Config) (*Client, *deadlines) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(srv.Close)
	d := &deadlines{}
	cfg.BaseURL, cfg.Platform, cfg.HTTP = srv.URL, "test", &http.Client{Transport: d}
	if cfg.Backoff == 0 {
		cfg.Backoff = time.Millisecond
	}
	return New(cfg), d
}

var idempotentGet = Call{Op: "list", Method: http.MethodGet, Path: "/x", Idempotent: true, Decode: decodeEnvelope}

// Timeout is the whole wait of a call: a hung platform gets one attempt whose
// deadline is the call's, not Retries+1 attempts of Timeout each.
func TestTimeoutIsTheWholeWaitOfACall(t *testing.T) {
	cl, d := hangingClient(t, Config{Timeout: 50 * time.Millisecond, Retries: 2})
	start := time.Now()
	err := cl.Do(context.Background(), idempotentGet)
	finish := time.Now()
	e, ok := AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, KindTimeout, e.Kind)
	assert.Equal(t, "test", e.Platform)
	got := d.list()
	require.Len(t, got, 1, "no retry once the time is spent")
	assert.False(t, got[0].Before(start.Add(50*time.Millisecond)))
	assert.False(t, got[0].After(finish.Add(50*time.Millisecond)), "the attempt's deadline is the call's")
}

// A page's budget bounds every call made for it: the first call of a hung
// platform spends it, the second is answered at once without a request.
func TestBudgetIsSharedByEveryCallOfAPage(t *testing.T) {
	cl, d := hangingClient(t, Config{Timeout: time.Hour, Retries: 2})
	before := time.Now()
	ctx := WithBudget(context.Background(), 50*time.Millisecond)
	after := time.Now()

	err := cl.Do(ctx, idempotentGet)
	e, _ := AsAPIError(err)
	require.NotNil(t, e)
	assert.Equal(t, KindTimeout, e.Kind)
	got := d.list()
	require.Len(t, got, 1)
	assert.False(t, got[0].Before(before.Add(50*time.Millisecond)))
	assert.False(t, got[0].After(after.Add(50*time.Millisecond)), "the budget, not the client's hour, is the deadline")

	err = cl.Do(ctx, idempotentGet)
	e, _ = AsAPIError(err)
	require.NotNil(t, e, "%v", err)
	assert.Equal(t, KindTimeout, e.Kind)
	assert.Equal(t, "test", e.Platform, "the page still names the platform")
	assert.Len(t, d.list(), 1, "a spent budget sends nothing")

	// A page cannot extend its budget; a streamed export drops it.
	assert.Equal(t, ctx, WithBudget(ctx, time.Hour))
	_, ok := budgetEnd(WithoutBudget(ctx))
	assert.False(t, ok)
}

// A retry after a fast 5xx waits its backoff only when the budget leaves time
// for the attempt after it.
func TestNoRetryWhenTheBackoffOutlastsTheBudget(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	cl := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
	}, Config{Retries: 2})
	cl.cfg.Backoff = time.Hour
	err := cl.Do(WithBudget(context.Background(), time.Minute), idempotentGet)
	e, _ := AsAPIError(err)
	require.NotNil(t, e)
	assert.Equal(t, http.StatusServiceUnavailable, e.HTTPStatus, "the platform's answer, not a timeout")
	assert.Equal(t, 1, calls)
}

// A hung token endpoint holds each waiting caller no longer than its own budget.
func TestTokenWaitEndsWithTheCallersBudget(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	tokens := NewCachedToken(func(ctx context.Context) (string, time.Duration, error) {
		close(started)
		<-release // hangs past every budget below
		return "t", time.Hour, nil
	}, 0)
	go func() { _, _ = tokens.Token(context.Background()) }()
	<-started

	cl, d := hangingClient(t, Config{Timeout: time.Hour, Tokens: tokens})
	err := cl.Do(WithBudget(context.Background(), 20*time.Millisecond), idempotentGet)
	e, _ := AsAPIError(err)
	require.NotNil(t, e, "%v", err)
	assert.Equal(t, KindTimeout, e.Kind, "a token that did not come in time is a timeout, not refused credentials")
	assert.Equal(t, "token", e.Op)
	assert.Equal(t, "test", e.Platform)
	assert.Empty(t, d.list(), "no call without a token")
}
