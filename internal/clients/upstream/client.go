package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Config is what every platform client is built from.
type Config struct {
	Platform string
	BaseURL  string        // e.g. https://service.cheng-xun.cn/api (no trailing slash)
	Timeout  time.Duration // the whole wait of one call (token, attempts, backoff); default 10s. A page's budget (WithBudget) can end it sooner
	MaxBody  int64         // bytes read from a response at most; default 8 MiB
	Retries  int           // extra attempts for idempotent calls; default 2
	Backoff  time.Duration // first retry delay; default 200ms, doubled each time, with jitter
	HTTP     *http.Client  // default: a client with no overall timeout (the call's deadline bounds it)
	Tokens   TokenSource   // default NoToken
	// Authorize adds credentials to a request: the token in the platform's query
	// parameter, signature headers … body is the exact bytes being sent.
	Authorize func(req *http.Request, token string, body []byte) error
}

// Client performs calls for one platform.
type Client struct {
	cfg   Config
	Stats *Stats
}

// New fills defaults and returns a client.
func New(cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 8 << 20
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	} else if cfg.Retries == 0 {
		cfg.Retries = 2
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	if cfg.Tokens == nil {
		cfg.Tokens = NoToken{}
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Client{cfg: cfg, Stats: &Stats{}}
}

// Platform is the platform's display name.
func (c *Client) Platform() string { return c.cfg.Platform }

// BaseURL is where calls go.
func (c *Client) BaseURL() string { return c.cfg.BaseURL }

// Tokens is the client's token source (for the status page).
func (c *Client) Tokens() TokenSource { return c.cfg.Tokens }

// Call is one upstream operation.
type Call struct {
	Op         string // for messages, e.g. "batch-set-same-data"
	Method     string
	Path       string // below BaseURL, starting with "/"
	Query      url.Values
	Body       any // encoded as JSON when not nil
	Header     http.Header
	Idempotent bool // safe to resend after a timeout or 5xx
	// Decode reads the answer. It returns an *APIError for error envelopes;
	// Kind KindAuth makes the client fetch a new token and try once more.
	Decode func(status int, body []byte) error
}

// Do runs the call with timeouts, token handling and safe retries.
func (c *Client) Do(ctx context.Context, call Call) error {
	var body []byte
	if call.Body != nil {
		b, err := json.Marshal(call.Body)
		if err != nil {
			return fmt.Errorf("%s %s: encode request: %w", c.cfg.Platform, call.Op, err)
		}
		body = b
	}
	start := time.Now()
	err := c.do(ctx, call, body)
	c.Stats.observe(time.Since(start), err)
	return err
}

// do runs every attempt of a call inside one deadline: the client's Timeout,
// or the page's budget (WithBudget) when that ends sooner. Token fetches,
// attempts and backoff all draw on it, so a hung platform costs one budget,
// and a retry is made only while enough of it is left.
func (c *Client) do(ctx context.Context, call Call, body []byte) error {
	end := time.Now().Add(c.cfg.Timeout)
	if b, ok := budgetEnd(ctx); ok && b.Before(end) {
		end = b
	}
	ctx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	if err := ctx.Err(); err != nil { // the page's budget is spent (or its client left): do not call
		return c.wrap(call, transportError(ctx, err))
	}
	tok, err := c.cfg.Tokens.Token(ctx)
	if err != nil {
		return c.tokenError(ctx, call, err)
	}
	authRetried := false
	var answered error // the failure of the attempt before a retry
	for attempt := 0; ; attempt++ {
		err = c.attempt(ctx, call, body, tok)
		if err == nil {
			return nil
		}
		if answered != nil && ctx.Err() != nil {
			// The retry ran out of time: what the platform answered before
			// says more than that it then did not answer in time.
			return answered
		}
		apiErr, _ := AsAPIError(err)
		if apiErr != nil && apiErr.Kind == KindAuth && !authRetried {
			// The platform refused the token: it expired early or was revoked.
			// The request was not processed, so one more try is safe for any
			// call — but only with a different token: resending the refused
			// one (a static token, a signature) would be refused again.
			authRetried = true
			next, renewed, rerr := c.cfg.Tokens.Refresh(ctx, tok)
			if rerr != nil {
				return c.tokenError(ctx, call, rerr)
			}
			if !renewed {
				return err
			}
			tok = next
			attempt--
			continue
		}
		if !call.Idempotent || attempt >= c.cfg.Retries || !retryable(apiErr) {
			return err
		}
		delay := c.cfg.Backoff << attempt
		delay = delay/2 + rand.N(delay/2+1) // jitter: 50–100 % of the step
		if time.Until(end) <= delay {
			return err // no time left for another attempt after the pause
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return err
		}
		answered = err
	}
}

// tokenError keeps what the token endpoint said: a hung token endpoint is a
// timeout, a refused app secret a credentials problem.
func (c *Client) tokenError(ctx context.Context, call Call, err error) error {
	if e, ok := AsAPIError(err); ok {
		return c.wrap(call, e)
	}
	if ctx.Err() != nil {
		return c.wrap(call, &APIError{Kind: KindTimeout, Op: "token", Err: fmt.Errorf("no access token in time: %w", err)})
	}
	return c.wrap(call, &APIError{Kind: KindAuth, Err: fmt.Errorf("could not get an access token: %w", err)})
}

func retryable(e *APIError) bool {
	if e == nil {
		return false
	}
	switch e.Kind {
	case KindTimeout, KindNetwork:
		return true
	case KindHTTP:
		return e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests
	}
	return false
}

func (c *Client) attempt(ctx context.Context, call Call, body []byte, tok string) error {
	u := c.cfg.BaseURL + call.Path
	if len(call.Query) > 0 {
		u += "?" + call.Query.Encode()
	}
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, u, rdr)
	if err != nil {
		return c.wrap(call, &APIError{Kind: KindNetwork, Err: err})
	}
	for k, vs := range call.Header {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	}
	req.Header.Set("Accept", "application/json")
	if c.cfg.Authorize != nil {
		if err := c.cfg.Authorize(req, tok, body); err != nil {
			return c.wrap(call, &APIError{Kind: KindAuth, Err: fmt.Errorf("could not sign the request: %w", err)})
		}
	}
	resp, err := c.cfg.HTTP.Do(req)
	if err != nil {
		return c.wrap(call, transportError(ctx, err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBody+1))
	if err != nil {
		return c.wrap(call, transportError(ctx, err))
	}
	if int64(len(data)) > c.cfg.MaxBody {
		return c.wrap(call, &APIError{Kind: KindMalformed, HTTPStatus: resp.StatusCode,
			Err: fmt.Errorf("response larger than %d bytes", c.cfg.MaxBody)})
	}
	if call.Decode == nil {
		if resp.StatusCode/100 != 2 {
			return c.wrap(call, &APIError{Kind: KindHTTP, HTTPStatus: resp.StatusCode})
		}
		return nil
	}
	if err := call.Decode(resp.StatusCode, data); err != nil {
		if e, ok := AsAPIError(err); ok {
			if e.HTTPStatus == 0 {
				e.HTTPStatus = resp.StatusCode
			}
			return c.wrap(call, e)
		}
		return c.wrap(call, &APIError{Kind: KindMalformed, HTTPStatus: resp.StatusCode, Err: err})
	}
	return nil
}

func (c *Client) wrap(call Call, e *APIError) *APIError {
	if e.Platform == "" {
		e.Platform = c.cfg.Platform
	}
	if e.Op == "" {
		e.Op = call.Op
	}
	return e
}

func transportError(ctx context.Context, err error) *APIError {
	// A *url.Error's text holds the whole request URL, and two platforms put
	// the access token in its query: keep only the cause, so no token reaches
	// a page, the status page's "last error" or a log line.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded || (errors.As(err, &ne) && ne.Timeout()) {
		return &APIError{Kind: KindTimeout, Err: err}
	}
	return &APIError{Kind: KindNetwork, Err: err}
}

// DecodeJSON is the common first step of a Decode func: it unmarshals body into
// v, classifying an HTML error page as KindHTTP and broken JSON as KindMalformed.
// Int64 ids must be declared as int64 (or json.Number) in v: numbers are never
// decoded through float64.
func DecodeJSON(status int, body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if status/100 != 2 {
			return &APIError{Kind: KindHTTP, HTTPStatus: status}
		}
		return &APIError{Kind: KindMalformed, HTTPStatus: status, Err: fmt.Errorf("the answer is not valid JSON: %w", err)}
	}
	return nil
}
