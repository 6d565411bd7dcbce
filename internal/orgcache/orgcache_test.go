package orgcache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/orgtree"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }
func nodes(n int) []orgtree.Node {
	out := make([]orgtree.Node, n)
	for i := range out {
		out[i] = orgtree.Node{ID: "n" + string(rune('a'+i)), Name: "x", ParentID: ""}
	}
	return out
}

func TestConcurrentGetsShareOneFetch(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	c := New(func(ctx context.Context, org string) ([]orgtree.Node, error) {
		calls.Add(1)
		<-release
		return nodes(3), nil
	}, time.Minute)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := c.Get(context.Background(), "org")
			assert.NoError(t, err)
			assert.Equal(t, 3, s.Index.Size())
		}()
	}
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	assert.Equal(t, int32(1), calls.Load())
	_, err := c.Get(context.Background(), "org")
	require.NoError(t, err)
	assert.Equal(t, int32(1), calls.Load(), "cached")
}

func TestTTLErrorsAndRefresh(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	var calls atomic.Int32
	var fail atomic.Bool
	boom := errors.New("upstream down")
	c := New(func(ctx context.Context, org string) ([]orgtree.Node, error) {
		calls.Add(1)
		if fail.Load() {
			return nil, boom
		}
		return nodes(int(calls.Load())), nil
	}, 10*time.Minute, WithClock(clk.now))
	ctx := context.Background()

	s, err := c.Get(ctx, "org")
	require.NoError(t, err)
	assert.Equal(t, clk.now(), s.RefreshedAt)
	clk.add(10*time.Minute - time.Second)
	s2, _ := c.Get(ctx, "org")
	assert.Equal(t, s.RefreshedAt, s2.RefreshedAt, "within the TTL")
	clk.add(time.Second)
	s3, err := c.Get(ctx, "org")
	require.NoError(t, err)
	assert.Equal(t, int32(2), calls.Load(), "expired at exactly the TTL")
	assert.Equal(t, 2, s3.Index.Size())

	// A failed refresh keeps what is held; errors are not cached.
	fail.Store(true)
	_, err = c.Refresh(ctx, "org")
	require.ErrorIs(t, err, boom)
	held, ok := c.Peek("org")
	require.True(t, ok)
	assert.Equal(t, 2, held.Index.Size())
	_, err = c.Get(ctx, "other")
	require.ErrorIs(t, err, boom)
	fail.Store(false)
	_, err = c.Get(ctx, "other")
	require.NoError(t, err, "the failure was not cached")

	s4, err := c.Refresh(ctx, "org")
	require.NoError(t, err)
	assert.Equal(t, s4.Index.Size(), int(calls.Load()))
	st := c.Stats()
	assert.Equal(t, 2, st.Orgs)
	assert.Greater(t, st.Bytes, 0)
	require.Len(t, st.Entries, 2)
	assert.Equal(t, []string{"org", "other"}, []string{st.Entries[0].OrgID, st.Entries[1].OrgID}, "by org id")
	assert.Equal(t, s4.RefreshedAt, st.Entries[0].RefreshedAt)
	assert.Equal(t, s4.Index.Size(), st.Entries[0].Nodes)
	assert.Equal(t, st.Bytes, st.Entries[0].Bytes+st.Entries[1].Bytes)
	assert.False(t, st.Entries[0].Expired)
}

func TestCallerCancelDoesNotFailOthers(t *testing.T) {
	release := make(chan struct{})
	c := New(func(ctx context.Context, org string) ([]orgtree.Node, error) {
		select {
		case <-release:
			return nodes(1), ctx.Err()
		case <-time.After(10 * time.Second):
			return nil, errors.New("stuck")
		}
	}, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := c.Get(ctx, "org"); errc <- err }()
	cancel()
	require.ErrorIs(t, <-errc, context.Canceled)
	close(release)
	s, err := c.Get(context.Background(), "org")
	require.NoError(t, err)
	assert.Equal(t, 1, s.Index.Size())
}
