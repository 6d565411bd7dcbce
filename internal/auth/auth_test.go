package auth

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHashAndCheck(t *testing.T) {
	ctx := t.Context()
	h := NewHasher(256, 0)
	hash, err := h.Hash(ctx, "correct horse")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(hash, "$argon2id$v=19$m=256,t=2,p=1$"))
	ok, err := h.Check(ctx, hash, "correct horse")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, _ = h.Check(ctx, hash, "correct horsE")
	assert.False(t, ok)
	again, _ := h.Hash(ctx, "correct horse")
	assert.NotEqual(t, hash, again, "salted")
	_, err = h.Check(ctx, "$2a$10$bcrypt", "x")
	assert.Error(t, err)
	// Hashes made with other parameters still verify (the hash records them).
	ok, _ = NewHasher(512, 0).Check(ctx, hash, "correct horse")
	assert.True(t, ok)
	require.NoError(t, h.CheckUnknown(ctx, "correct horse"))
}

// The hasher runs at most its number of hashes at once; a caller that
// finds every slot taken for HashQueueWait gets ErrBusy, and one whose
// request ends while it waits gets the context's error.
func TestHasherBoundsConcurrentHashes(t *testing.T) {
	h := NewHasher(64, 2)
	for range 2 {
		h.slots <- struct{}{} // two hashes in progress
	}
	start := time.Now()
	_, err := h.Hash(t.Context(), "x")
	assert.ErrorIs(t, err, ErrBusy)
	assert.GreaterOrEqual(t, time.Since(start), HashQueueWait, "it queued before giving up")
	assert.ErrorIs(t, h.CheckUnknown(t.Context(), "x"), ErrBusy, "the unknown-user check waits for a slot too")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = h.Check(ctx, h.dummy, "x")
	assert.ErrorIs(t, err, context.Canceled)

	// A slot freed while waiting is taken.
	go func() { time.Sleep(50 * time.Millisecond); <-h.slots }()
	_, err = h.Hash(t.Context(), "x")
	assert.NoError(t, err)
	<-h.slots

	// Under a flood, no more than two run at once.
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.acquire(t.Context()); err != nil {
				return
			}
			n := running.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(10 * time.Millisecond)
			running.Add(-1)
			h.release()
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(2), peak.Load())
}

func TestDecideLogin(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	// spaced returns n failures step apart, the newest step ago, newest first.
	spaced := func(n int, step time.Duration) []time.Time {
		out := make([]time.Time, n)
		for i := range out {
			out[i] = now.Add(-time.Duration(i+1) * step)
		}
		return out
	}
	failures := func(n int) []time.Time { return spaced(n, time.Minute) }
	cases := []struct {
		name string
		h    LoginHistory
		want Refusal
	}{
		{"nothing yet", LoginHistory{}, Refusal{}},
		{"nine failures of the pair", LoginHistory{Pair: failures(9), Client: failures(9), Account: 9}, Refusal{}},
		{"ten failures of the pair: wait until the oldest leaves the window",
			LoginHistory{Pair: failures(10), Client: failures(10), Account: 10, AccountLatest: now.Add(-time.Minute), KnownClient: true},
			Refusal{ScopePair, 5 * time.Minute}},
		{"99 failures of the client across accounts", LoginHistory{Client: spaced(99, 5*time.Second)}, Refusal{}},
		{"100 failures of the client: every account from it waits",
			LoginHistory{Client: spaced(100, 5*time.Second)}, Refusal{ScopeClient, Window - 500*time.Second}},
		{"ten failures of the account from elsewhere: a short delay",
			LoginHistory{Account: 10, AccountLatest: now}, Refusal{ScopeAccount, time.Second}},
		{"the delay has passed", LoginHistory{Account: 10, AccountLatest: now.Add(-time.Second)}, Refusal{}},
		{"the delay doubles", LoginHistory{Account: 13, AccountLatest: now}, Refusal{ScopeAccount, 8 * time.Second}},
		{"and stops at a minute", LoginHistory{Account: 500, AccountLatest: now}, Refusal{ScopeAccount, time.Minute}},
		{"a known client is not slowed down", LoginHistory{Account: 500, AccountLatest: now, KnownClient: true}, Refusal{}},
		{"the longest wait wins",
			LoginHistory{Pair: failures(10), Account: 40, AccountLatest: now}, Refusal{ScopePair, 5 * time.Minute}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.h.Now = now
			got := DecideLogin(c.h)
			assert.Equal(t, c.want, got)
			assert.Equal(t, c.want.Wait > 0, got.Refused())
		})
	}
}

func TestAccountDelay(t *testing.T) {
	assert.Zero(t, AccountDelay(AccountSlowAfter-1))
	var prev time.Duration
	for n := AccountSlowAfter; n < AccountSlowAfter+20; n++ {
		d := AccountDelay(n)
		assert.GreaterOrEqual(t, d, prev, "never shrinks")
		assert.LessOrEqual(t, d, AccountDelayMax, "capped: a slow-down, not a lock")
		prev = d
	}
	assert.Equal(t, AccountDelayMax, prev)
}
