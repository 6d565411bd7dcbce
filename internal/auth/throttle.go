package auth

import (
	"context"
	"time"
)

// Login throttling: after MaxFailures failed sign-ins within Window for one
// account or one client IP, further attempts are refused until the oldest
// failure leaves the window.
const (
	MaxFailures = 10
	Window      = 15 * time.Minute
)

// FailureLog stores failed sign-ins (the store implements it, so several
// console replicas share one count).
type FailureLog interface {
	RecordLoginFailure(ctx context.Context, key string, at time.Time) error
	LoginFailures(ctx context.Context, key string, since time.Time) ([]time.Time, error)
	ClearLoginFailures(ctx context.Context, key string) error
}

// Throttle decides whether a sign-in may be tried.
type Throttle struct {
	Log FailureLog
	Now func() time.Time
}

// Keys of one attempt: the account and the client IP are counted separately.
func throttleKeys(username, ip string) []string {
	return []string{"user:" + username, "ip:" + ip}
}

// Wait returns how long the caller must wait before trying again (0 = go ahead).
func (t Throttle) Wait(ctx context.Context, username, ip string) (time.Duration, error) {
	now := t.Now()
	var wait time.Duration
	for _, k := range throttleKeys(username, ip) {
		fails, err := t.Log.LoginFailures(ctx, k, now.Add(-Window))
		if err != nil {
			return 0, err
		}
		if len(fails) >= MaxFailures {
			// Free again when the failure that makes the count reach the limit expires.
			oldest := fails[len(fails)-MaxFailures]
			if w := oldest.Add(Window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	return wait, nil
}

// Failed records a failed attempt against both keys.
func (t Throttle) Failed(ctx context.Context, username, ip string) error {
	for _, k := range throttleKeys(username, ip) {
		if err := t.Log.RecordLoginFailure(ctx, k, t.Now()); err != nil {
			return err
		}
	}
	return nil
}

// Succeeded clears the account's failures (the IP's stay: one good password
// must not reset a spray across accounts).
func (t Throttle) Succeeded(ctx context.Context, username string) error {
	return t.Log.ClearLoginFailures(ctx, "user:"+username)
}
