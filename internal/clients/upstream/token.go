package upstream

import (
	"context"
	"sync"
	"time"
)

// TokenSource yields the access token for a call.
type TokenSource interface {
	// Token returns a valid token, fetching a new one when needed.
	Token(ctx context.Context) (string, error)
	// Invalidate drops tok after the platform refused it, so the next Token fetches anew.
	Invalidate(tok string)
	// State describes the token for the status page.
	State() TokenState
}

// TokenState is what the status page shows about a token (never the token itself).
type TokenState struct {
	Kind      string    // "static", "fetched", "none"
	Present   bool      // a token is held
	ExpiresAt time.Time // zero for static tokens
	Refreshes int       // how many times one was fetched
	LastError error     // of the last fetch; nil after a good one
}

// StaticToken is a token from configuration.
type StaticToken string

func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }
func (t StaticToken) Invalidate(string)                     {}
func (t StaticToken) State() TokenState {
	return TokenState{Kind: "static", Present: t != ""}
}

// FetchFunc gets a new token and its lifetime from the platform.
type FetchFunc func(ctx context.Context) (token string, ttl time.Duration, err error)

// CachedToken fetches a token, caches it and refreshes it Skew before it expires.
// Only one caller fetches at a time; the others wait for its result.
type CachedToken struct {
	fetch FetchFunc
	skew  time.Duration
	now   func() time.Time

	mu        sync.Mutex
	tok       string
	exp       time.Time
	refreshes int
	lastErr   error
}

// NewCachedToken refreshes skew before expiry (a fifth of the lifetime at most).
func NewCachedToken(fetch FetchFunc, skew time.Duration) *CachedToken {
	return &CachedToken{fetch: fetch, skew: skew, now: time.Now}
}

// Token returns the cached token or fetches a new one. The mutex is held across
// the fetch on purpose: concurrent callers must not stampede the token endpoint.
func (c *CachedToken) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != "" && c.now().Before(c.exp) {
		return c.tok, nil
	}
	tok, ttl, err := c.fetch(ctx)
	if err != nil {
		c.lastErr = err
		return "", err
	}
	skew := min(c.skew, ttl/5)
	c.tok, c.exp = tok, c.now().Add(ttl-skew)
	c.refreshes++
	c.lastErr = nil
	return tok, nil
}

// Invalidate forgets tok if it is still the cached one.
func (c *CachedToken) Invalidate(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok == tok {
		c.tok = ""
	}
}

func (c *CachedToken) State() TokenState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return TokenState{Kind: "fetched", Present: c.tok != "", ExpiresAt: c.exp, Refreshes: c.refreshes, LastError: c.lastErr}
}

// NoToken is for platforms authenticated otherwise (e.g. request signatures).
type NoToken struct{}

func (NoToken) Token(context.Context) (string, error) { return "", nil }
func (NoToken) Invalidate(string)                     {}
func (NoToken) State() TokenState                     { return TokenState{Kind: "none"} }
