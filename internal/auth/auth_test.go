package auth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHashAndCheck(t *testing.T) {
	h := NewHasher(256)
	hash, err := h.Hash("correct horse")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(hash, "$argon2id$v=19$m=256,t=2,p=1$"))
	ok, err := CheckPassword(hash, "correct horse")
	require.NoError(t, err)
	assert.True(t, ok)
	ok, _ = CheckPassword(hash, "correct horsE")
	assert.False(t, ok)
	again, _ := h.Hash("correct horse")
	assert.NotEqual(t, hash, again, "salted")
	_, err = CheckPassword("$2a$10$bcrypt", "x")
	assert.Error(t, err)
	// Hashes made with other parameters still verify (the hash records them).
	ok, _ = CheckPassword(hash, "correct horse")
	assert.True(t, ok)
}

type memLog map[string][]time.Time

func (m memLog) RecordLoginFailure(_ context.Context, key string, at time.Time) error {
	m[key] = append(m[key], at)
	return nil
}
func (m memLog) LoginFailures(_ context.Context, key string, since time.Time) ([]time.Time, error) {
	var out []time.Time
	for _, t := range m[key] {
		if !t.Before(since) {
			out = append(out, t)
		}
	}
	return out, nil
}
func (m memLog) ClearLoginFailures(_ context.Context, key string) error { delete(m, key); return nil }

func TestThrottleWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	th := Throttle{Log: memLog{}, Now: func() time.Time { return now }}
	ctx := context.Background()
	for i := 0; i < MaxFailures-1; i++ {
		require.NoError(t, th.Failed(ctx, "li", "10.0.0.1"))
		now = now.Add(time.Minute)
	}
	w, _ := th.Wait(ctx, "li", "10.0.0.1")
	assert.Zero(t, w, "nine failures: still allowed")
	require.NoError(t, th.Failed(ctx, "li", "10.0.0.1"))
	w, _ = th.Wait(ctx, "li", "10.0.0.1")
	assert.Equal(t, 6*time.Minute, w, "free again when the first failure leaves the 15-minute window")
	w, _ = th.Wait(ctx, "wang", "10.0.0.2")
	assert.Zero(t, w, "other accounts from other addresses are not affected")
	now = now.Add(6 * time.Minute)
	w, _ = th.Wait(ctx, "li", "10.0.0.1")
	assert.Zero(t, w)
	require.NoError(t, th.Succeeded(ctx, "li"))
	w, _ = th.Wait(ctx, "li", "10.0.0.9")
	assert.Zero(t, w)
}
