package chengxun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/orgconsole/console/internal/clients/upstream"
)

// tokenAnswer is 获取访问凭证's answer (assumed shape: the seed only names the
// endpoint): {"err_code", "err_msg", "access_token", "expires_in" (seconds)}.
type tokenAnswer struct {
	envelope
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

// tokenFetchTimeout bounds one token request when the caller's ctx has no deadline.
const tokenFetchTimeout = 10 * time.Second

// TokenFetcher gets an access_token with GET tokenURL?app_key=&app_secret=
// (parameter names assumed), for upstream.NewCachedToken. hc nil means
// http.DefaultClient.
func TokenFetcher(tokenURL, appKey, appSecret string, hc *http.Client) upstream.FetchFunc {
	if hc == nil {
		hc = http.DefaultClient
	}
	return func(ctx context.Context) (string, time.Duration, error) {
		ctx, cancel := context.WithTimeout(ctx, tokenFetchTimeout)
		defer cancel()
		u, err := url.Parse(tokenURL)
		if err != nil {
			return "", 0, fmt.Errorf("%s token URL: %w", upstream.Chengxun, err)
		}
		q := u.Query()
		q.Set("app_key", appKey)
		q.Set("app_secret", appSecret)
		u.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return "", 0, err
		}
		req.Header.Set("User-Agent", UserAgent)
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			// err quotes the URL, which carries the secret: never let it reach a page or a log.
			kind, cause := upstream.KindNetwork, errors.New("token endpoint unreachable")
			if ctx.Err() != nil {
				kind, cause = upstream.KindTimeout, errors.New("token endpoint did not answer in time")
			}
			return "", 0, &upstream.APIError{Platform: upstream.Chengxun, Op: "token", Kind: kind, Err: cause}
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return "", 0, &upstream.APIError{Platform: upstream.Chengxun, Op: "token", Kind: upstream.KindNetwork, Err: errors.New("token answer cut off")}
		}
		var a tokenAnswer
		if err := upstream.DecodeJSON(resp.StatusCode, body, &a); err != nil {
			e, _ := upstream.AsAPIError(err)
			e.Platform, e.Op = upstream.Chengxun, "token"
			return "", 0, e
		}
		if err := a.check(resp.StatusCode); err != nil {
			e, _ := upstream.AsAPIError(err)
			e.Platform, e.Op, e.Kind = upstream.Chengxun, "token", upstream.KindAuth
			return "", 0, e
		}
		if a.AccessToken == "" || a.ExpiresIn <= 0 {
			return "", 0, &upstream.APIError{Platform: upstream.Chengxun, Op: "token", Kind: upstream.KindMalformed,
				Err: errors.New("no access_token / expires_in in the answer: expires_in=" + strconv.FormatInt(a.ExpiresIn, 10))}
		}
		return a.AccessToken, time.Duration(a.ExpiresIn) * time.Second, nil
	}
}
