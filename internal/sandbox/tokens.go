package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Tokens issues access tokens that expire, so the console's token refresh is
// exercised against the sandbox exactly as against a live platform.
type Tokens struct {
	mu     sync.Mutex
	ttl    time.Duration
	now    func() time.Time
	issued map[string]time.Time // token -> expiry
	count  int
}

// NewTokens issues tokens valid for ttl.
func NewTokens(ttl time.Duration) *Tokens {
	return &Tokens{ttl: ttl, now: time.Now, issued: map[string]time.Time{}}
}

// Issue returns a new token and its lifetime.
func (t *Tokens) Issue() (string, time.Duration) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := "sbx-" + hex.EncodeToString(b)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.issued[tok] = t.now().Add(t.ttl)
	t.count++
	return tok, t.ttl
}

// Valid reports whether tok was issued and has not expired or been revoked.
func (t *Tokens) Valid(tok string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.issued[tok]
	return ok && t.now().Before(exp)
}

// RevokeAll expires every token (the next call with an old token is an auth error).
func (t *Tokens) RevokeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.issued = map[string]time.Time{}
}

// SetTTL changes the lifetime of tokens issued from now on.
func (t *Tokens) SetTTL(ttl time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ttl = ttl
}

// IssuedCount is how many tokens were issued so far.
func (t *Tokens) IssuedCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}
