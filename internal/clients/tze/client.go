// Package tze is the console's client of the tze.cn open platform
// (upstreams.md §C): the org child list (组织机构接口 7.0) and message sends
// (text / link / oa), over the shared upstream plumbing with the accessToken
// query parameter and the {"code": "000000", "message", "result"} envelope
// turned into *upstream.APIError.
package tze

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/orgconsole/console/internal/clients/upstream"
)

// Paths below the base URL (https://api.tze.cn live).
const (
	// PathOrgChildList is documented.
	PathOrgChildList = "/user/openapi/org/get-org-child-list"
	// PathSend is an assumption: the seed documents the message bodies but not
	// the endpoint they are posted to (README "Assumptions").
	PathSend = "/message/openapi/send"
	// DefaultTokenPath is 获取接口访问凭证 (assumed: the seed only names it):
	// GET ?appId=&appSecret= → result {accessToken, expiresIn (seconds)}.
	DefaultTokenPath = "/user/openapi/token"
)

// Envelope codes. CodeOK and CodeFailure are documented; CodeAuth is an
// assumption (the doc lists no code for a refused accessToken).
const (
	CodeOK      = "000000"
	CodeFailure = "100001"
	CodeAuth    = "100002"
)

// isAuthCode reports codes meaning "the accessToken was refused": the client
// fetches a new token and tries once more.
func isAuthCode(code string) bool { return code == CodeAuth }

// DefaultMaxBody fits the is_all=1 answer of a 100,000-node organisation
// (about 11 MB of JSON) with room to spare.
const DefaultMaxBody = 64 << 20

// Client calls the tze.cn platform.
type Client struct {
	up *upstream.Client
}

// New returns a client. cfg.Platform defaults to upstream.Tze and cfg.MaxBody
// to DefaultMaxBody; New sets cfg.Authorize (accessToken query parameter).
func New(cfg upstream.Config) *Client {
	if cfg.Platform == "" {
		cfg.Platform = upstream.Tze
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	cfg.Authorize = authorize
	return &Client{up: upstream.New(cfg)}
}

// Upstream exposes the plumbing for the status page (stats, token state).
func (c *Client) Upstream() *upstream.Client { return c.up }

func authorize(req *http.Request, token string, _ []byte) error {
	q := req.URL.Query()
	q.Set("accessToken", token)
	req.URL.RawQuery = q.Encode()
	return nil
}

// envelope is every answer's common part. code is documented as a string;
// a number is tolerated.
type envelope struct {
	Code    codeValue `json:"code"`
	Message string    `json:"message"`
}

// codeValue is the envelope code: "000000" as documented, or a bare number.
type codeValue string

func (c *codeValue) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*c = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = codeValue(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("code: %w", err)
		}
		*c = codeValue(n)
	}
	return nil
}

// check turns an error envelope into an *APIError with the code and message verbatim.
func (e envelope) check(status int) error {
	code := string(e.Code)
	switch {
	case code == CodeOK:
		if status/100 != 2 {
			return &upstream.APIError{Kind: upstream.KindHTTP, HTTPStatus: status}
		}
		return nil
	case code == "":
		if status/100 != 2 {
			return &upstream.APIError{Kind: upstream.KindHTTP, HTTPStatus: status}
		}
		return &upstream.APIError{Kind: upstream.KindMalformed, HTTPStatus: status, Err: errors.New("the answer has no code")}
	case isAuthCode(code):
		return &upstream.APIError{Kind: upstream.KindAuth, Code: code, Message: e.Message, HTTPStatus: status}
	default:
		return &upstream.APIError{Kind: upstream.KindAPI, Code: code, Message: e.Message, HTTPStatus: status}
	}
}

// tokenAnswer is 获取接口访问凭证's answer (assumed shape).
type tokenAnswer struct {
	envelope
	Result struct {
		AccessToken string `json:"accessToken"`
		ExpiresIn   int64  `json:"expiresIn"` // seconds (assumption)
	} `json:"result"`
}

// tokenFetchTimeout bounds one token request when the caller's ctx has no deadline.
const tokenFetchTimeout = 10 * time.Second

// TokenFetcher gets an accessToken with GET tokenURL?appId=&appSecret=
// (parameter names assumed), for upstream.NewCachedToken. hc nil means
// http.DefaultClient.
func TokenFetcher(tokenURL, appID, appSecret string, hc *http.Client) upstream.FetchFunc {
	if hc == nil {
		hc = http.DefaultClient
	}
	fail := func(kind upstream.ErrorKind, msg string) *upstream.APIError {
		return &upstream.APIError{Platform: upstream.Tze, Op: "token", Kind: kind, Message: msg}
	}
	return func(ctx context.Context) (string, time.Duration, error) {
		ctx, cancel := context.WithTimeout(ctx, tokenFetchTimeout)
		defer cancel()
		u, err := url.Parse(tokenURL)
		if err != nil {
			return "", 0, fmt.Errorf("%s token URL: %w", upstream.Tze, err)
		}
		q := u.Query()
		q.Set("appId", appID)
		q.Set("appSecret", appSecret)
		u.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return "", 0, fail(upstream.KindNetwork, "bad token request")
		}
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			// err quotes the URL, which carries the secret: never let it reach a page or a log.
			if ctx.Err() != nil {
				return "", 0, fail(upstream.KindTimeout, "token endpoint did not answer in time")
			}
			return "", 0, fail(upstream.KindNetwork, "token endpoint unreachable")
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return "", 0, fail(upstream.KindNetwork, "token answer cut off")
		}
		var a tokenAnswer
		if err := upstream.DecodeJSON(resp.StatusCode, body, &a); err != nil {
			e, _ := upstream.AsAPIError(err)
			e.Platform, e.Op = upstream.Tze, "token"
			return "", 0, e
		}
		if err := a.check(resp.StatusCode); err != nil {
			e, _ := upstream.AsAPIError(err)
			e.Platform, e.Op = upstream.Tze, "token"
			if e.Kind == upstream.KindAPI {
				e.Kind = upstream.KindAuth // any refusal of the token endpoint is a credentials problem
			}
			return "", 0, e
		}
		if a.Result.AccessToken == "" || a.Result.ExpiresIn <= 0 {
			return "", 0, fail(upstream.KindMalformed, fmt.Sprintf("no accessToken / expiresIn in the answer (expiresIn=%d)", a.Result.ExpiresIn))
		}
		return a.Result.AccessToken, time.Duration(a.Result.ExpiresIn) * time.Second, nil
	}
}
