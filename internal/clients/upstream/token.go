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
	// Refresh replaces refused, a token the platform just turned down, and
	// reports whether the token it returns is a different one: only then can
	// resending the refused request succeed (a static token cannot change).
	Refresh(ctx context.Context, refused string) (tok string, renewed bool, err error)
	// State describes the token for the status page.
	State() TokenState
}

// TokenState is what the status page shows about a token (never the token itself).
type TokenState struct {
	Kind      string    // "static", "fetched", "none"
	Present   bool      // a token is held
	ExpiresAt time.Time // zero for static tokens
	Refreshes int       // how many times one was fetched
	LastError string
}

// StaticToken is a token from configuration.
type StaticToken string

func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }
func (t StaticToken) Refresh(context.Context, string) (string, bool, error) {
	return string(t), false, nil
}
func (t StaticToken) State() TokenState {
	return TokenState{Kind: "static", Present: t != ""}
}

// FetchFunc gets a new token and its lifetime from the platform.
type FetchFunc func(ctx context.Context) (token string, ttl time.Duration, err error)

// CachedToken fetches a token, caches it and refreshes it Skew before it expires.
// Only one caller fetches at a time; the others wait for its result, each no
// longer than its own ctx allows (a hung token endpoint must not hold a page
// past its budget).
type CachedToken struct {
	fetch    FetchFunc
	skew     time.Duration
	now      func() time.Time
	fetching chan struct{} // holds one token while a fetch runs

	mu        sync.Mutex // guards the fields below; never held across a fetch
	tok       string
	exp       time.Time
	refreshes int
	lastErr   string
}

// NewCachedToken refreshes skew before expiry (a fifth of the lifetime at most).
func NewCachedToken(fetch FetchFunc, skew time.Duration) *CachedToken {
	return &CachedToken{fetch: fetch, skew: skew, now: time.Now, fetching: make(chan struct{}, 1)}
}

// Token returns the cached token or fetches a new one.
func (c *CachedToken) Token(ctx context.Context) (string, error) {
	if tok, ok := c.held(); ok {
		return tok, nil
	}
	return c.renew(ctx, "")
}

// Refresh fetches a new token unless another caller already replaced refused.
func (c *CachedToken) Refresh(ctx context.Context, refused string) (string, bool, error) {
	tok, err := c.renew(ctx, refused)
	return tok, err == nil && tok != refused, err
}

// held is the cached token while it is fresh.
func (c *CachedToken) held() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tok, c.tok != "" && c.now().Before(c.exp)
}

// renew fetches a token other than refused ("" = any fresh one will do). One
// fetch runs at a time so concurrent callers do not stampede the token
// endpoint; whoever waited uses the token the fetch before it got.
func (c *CachedToken) renew(ctx context.Context, refused string) (string, error) {
	select {
	case c.fetching <- struct{}{}:
	case <-ctx.Done():
		return "", &APIError{Kind: KindTimeout, Op: "token", Message: "no access token in time", Err: ctx.Err()}
	}
	defer func() { <-c.fetching }()
	if tok, ok := c.held(); ok && tok != refused {
		return tok, nil
	}
	tok, ttl, err := c.fetch(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.lastErr = err.Error()
		if c.tok == refused {
			c.tok = "" // refused is no good; the next caller fetches again
		}
		return "", err
	}
	skew := min(c.skew, ttl/5)
	c.tok, c.exp = tok, c.now().Add(ttl-skew)
	c.refreshes++
	c.lastErr = ""
	return tok, nil
}

func (c *CachedToken) State() TokenState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return TokenState{Kind: "fetched", Present: c.tok != "", ExpiresAt: c.exp, Refreshes: c.refreshes, LastError: c.lastErr}
}

// NoToken is for platforms authenticated otherwise (e.g. request signatures).
type NoToken struct{}

func (NoToken) Token(context.Context) (string, error)                 { return "", nil }
func (NoToken) Refresh(context.Context, string) (string, bool, error) { return "", false, nil }
func (NoToken) State() TokenState                                     { return TokenState{Kind: "none"} }
