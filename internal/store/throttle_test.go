package store

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
)

// Counting and recording happen in one transaction: of many attempts at
// once, exactly the limit are reserved.
func TestReserveLoginIsAtomic(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		var reserved, refused atomic.Int32
		var wg sync.WaitGroup
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, r, err := s.ReserveLogin(t.Context(), "admin", "198.51.100.1")
				if !assert.NoError(t, err) {
					return
				}
				if r.Refused() {
					refused.Add(1)
				} else {
					reserved.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(auth.PairLimit), reserved.Load())
		assert.Equal(t, int32(50-auth.PairLimit), refused.Load())
	})
}

func TestLoginAttemptLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := t.Context()
		now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
		s.SetClock(func() time.Time { return now })
		reserve := func(user, ip string) (LoginAttempt, auth.Refusal) {
			a, r, err := s.ReserveLogin(ctx, user, ip)
			require.NoError(t, err)
			return a, r
		}

		// A cancelled attempt (no password checked) does not count.
		for range 3 * auth.PairLimit {
			a, r := reserve("li", "10.0.0.1")
			require.False(t, r.Refused())
			require.NoError(t, s.CancelLogin(ctx, a))
		}

		// Failures of li from .1 and of wang from .1 …
		for range auth.PairLimit - 1 {
			reserve("li", "10.0.0.1")
			reserve("wang", "10.0.0.1")
		}
		// … and a success of li from .1 forgets li's, not wang's.
		a, _ := reserve("li", "10.0.0.1")
		require.NoError(t, s.LoginSucceeded(ctx, a))
		for range auth.PairLimit {
			_, r := reserve("li", "10.0.0.1")
			require.False(t, r.Refused())
		}
		_, r := reserve("li", "10.0.0.1")
		assert.Equal(t, auth.ScopePair, r.Scope)
		_, r = reserve("wang", "10.0.0.1")
		assert.False(t, r.Refused(), "wang's tenth")
		_, r = reserve("wang", "10.0.0.1")
		assert.Equal(t, auth.ScopePair, r.Scope)

		// li has 10 failures, all from .1, where li signed in, so .1 was not
		// slowed down (only its pair limit refused it); a new address is.
		_, r = reserve("li", "10.0.0.2")
		assert.Equal(t, auth.Refusal{Scope: auth.ScopeAccount, Wait: time.Second}, r)

		// Everything is forgotten after the window; known clients after KnownClientFor.
		now = now.Add(auth.Window + time.Millisecond)
		require.NoError(t, s.PurgeLoginAttempts(ctx, now))
		var n int
		require.NoError(t, s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_attempts`).Scan(&n))
		assert.Zero(t, n)
		require.NoError(t, s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_clients`).Scan(&n))
		assert.Equal(t, 1, n)
		require.NoError(t, s.PurgeLoginAttempts(ctx, now.Add(auth.KnownClientFor)))
		require.NoError(t, s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM login_clients`).Scan(&n))
		assert.Zero(t, n)
	})
}
