// Package chengxun is the console's client of the 橙讯 open platform's
// workbench card API (upstreams.md §A): seven typed operations over the
// shared upstream plumbing, access_token as a query parameter, User-Agent CX,
// and the {"err_code", "err_msg"} envelope turned into *upstream.APIError.
package chengxun

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/orgconsole/console/internal/clients/upstream"
)

// Paths below the base URL. Only batch-set-same-data is in the seed; the other
// six are assumptions in the style of the documented one (README "Assumptions").
const (
	PathAddTemplate      = "/apps/v1/card/add-template"        // PUT, assumed
	PathListTemplates    = "/apps/v1/card/list-template"       // GET, assumed
	PathUpdateTemplate   = "/apps/v1/card/update-template"     // POST, assumed
	PathDeleteTemplate   = "/apps/v1/card/delete-template"     // DELETE ?template_id=, assumed
	PathSetOrgData       = "/apps/v1/card/set-org-data"        // POST, assumed
	PathBatchSetDiffData = "/apps/v1/card/batch-set-diff-data" // POST, assumed
	PathBatchSetSameData = "/apps/v1/card/batch-set-same-data" // POST, documented
	// DefaultTokenPath is 获取访问凭证 below the base URL (assumed; the seed only names it).
	DefaultTokenPath = "/apps/v1/token"
)

// UserAgent is the documented default of the optional User-Agent header.
const UserAgent = "CX"

// MaxAccountsPerCall is the documented bound of account_id_list.
const MaxAccountsPerCall = 200

// authCodes are err_codes meaning "the access_token was refused": the client
// fetches a new token and tries once more. The seed lists no codes; these are
// the common 橙讯/WeChat-style ones (missing, invalid, expired) — an assumption.
func isAuthCode(code int64) bool {
	switch code {
	case 40001, 41001, 42001:
		return true
	}
	return false
}

// Client calls the workbench card API.
type Client struct {
	up *upstream.Client
}

// New returns a client. cfg.Platform defaults to upstream.Chengxun; New sets
// cfg.Authorize (access_token query parameter, User-Agent CX) itself.
func New(cfg upstream.Config) *Client {
	if cfg.Platform == "" {
		cfg.Platform = upstream.Chengxun
	}
	cfg.Authorize = authorize
	return &Client{up: upstream.New(cfg)}
}

// Upstream exposes the plumbing for the status page (stats, token state).
func (c *Client) Upstream() *upstream.Client { return c.up }

func authorize(req *http.Request, token string, _ []byte) error {
	q := req.URL.Query()
	q.Set("access_token", token)
	req.URL.RawQuery = q.Encode()
	req.Header.Set("User-Agent", UserAgent)
	return nil
}

// envelope is every answer's common part; err_code is optional in the doc.
type envelope struct {
	ErrCode *int64 `json:"err_code"`
	ErrMsg  string `json:"err_msg"`
}

// check turns an error envelope into an *APIError with the platform's code and
// message verbatim. A 2xx answer without err_code counts as success (the doc
// marks it optional); a non-2xx answer without an error code is an HTTP error.
func (e envelope) check(status int) error {
	code := int64(0)
	if e.ErrCode != nil {
		code = *e.ErrCode
	}
	if code != 0 {
		kind := upstream.KindAPI
		if isAuthCode(code) {
			kind = upstream.KindAuth
		}
		return &upstream.APIError{Kind: kind, Code: strconv.FormatInt(code, 10), Message: e.ErrMsg, HTTPStatus: status}
	}
	if status/100 != 2 {
		return &upstream.APIError{Kind: upstream.KindHTTP, HTTPStatus: status}
	}
	return nil
}

func decodeEnvelope(status int, body []byte) error {
	var e envelope
	if err := upstream.DecodeJSON(status, body, &e); err != nil {
		return err
	}
	return e.check(status)
}

// dataAnswer is an envelope with a payload in "data".
type dataAnswer[T any] struct {
	envelope
	Data T `json:"data"`
}

// decodeData checks the envelope and stores its data in out.
func decodeData[T any](out *T) func(status int, body []byte) error {
	return func(status int, body []byte) error {
		var a dataAnswer[T]
		if err := upstream.DecodeJSON(status, body, &a); err != nil {
			return err
		}
		if err := a.check(status); err != nil {
			return err
		}
		*out = a.Data
		return nil
	}
}

// ListTemplates is 获取应用的卡片模板列表. It is the only call retried on
// timeouts and 5xx: reading twice is harmless, writing twice is not. Entries
// without a template_id come back in Malformed.
func (c *Client) ListTemplates(ctx context.Context) (TemplateList, error) {
	var all []Template
	err := c.up.Do(ctx, upstream.Call{
		Op: "list-template", Method: http.MethodGet, Path: PathListTemplates, Idempotent: true,
		Decode: decodeData(&all),
	})
	if err != nil {
		return TemplateList{}, err
	}
	out := TemplateList{Templates: []Template{}}
	for _, t := range all {
		if strings.TrimSpace(t.ID) == "" {
			out.Malformed = append(out.Malformed, t)
		} else {
			out.Templates = append(out.Templates, t)
		}
	}
	return out, nil
}

// AddTemplate is 添加应用卡片模板; it returns the template with its new id.
func (c *Client) AddTemplate(ctx context.Context, in TemplateInput) (Template, error) {
	var out Template
	err := c.up.Do(ctx, upstream.Call{
		Op: "add-template", Method: http.MethodPut, Path: PathAddTemplate, Body: in,
		Decode: decodeData(&out),
	})
	return out, err
}

// UpdateTemplate is 更新应用卡片模板 (name and type of t.ID).
func (c *Client) UpdateTemplate(ctx context.Context, t Template) error {
	return c.up.Do(ctx, upstream.Call{
		Op: "update-template", Method: http.MethodPost, Path: PathUpdateTemplate, Body: t,
		Decode: decodeEnvelope,
	})
}

// DeleteTemplate is 删除应用卡片模板; the id travels as ?template_id= (assumed).
func (c *Client) DeleteTemplate(ctx context.Context, id string) error {
	return c.up.Do(ctx, upstream.Call{
		Op: "delete-template", Method: http.MethodDelete, Path: PathDeleteTemplate,
		Query:  url.Values{"template_id": {id}},
		Decode: decodeEnvelope,
	})
}

// SetOrgData is 设置卡片组织级数据.
func (c *Client) SetOrgData(ctx context.Context, r OrgDataRequest) error {
	return c.up.Do(ctx, upstream.Call{
		Op: "set-org-data", Method: http.MethodPost, Path: PathSetOrgData, Body: r,
		Decode: decodeEnvelope,
	})
}

// BatchSetDiffData is 批量设置卡片数据(卡片数据不同).
func (c *Client) BatchSetDiffData(ctx context.Context, r DiffDataRequest) error {
	return c.up.Do(ctx, upstream.Call{
		Op: "batch-set-diff-data", Method: http.MethodPost, Path: PathBatchSetDiffData, Body: r,
		Decode: decodeEnvelope,
	})
}

// BatchSetSameData is 批量设置卡片数据(卡片数据相同).
func (c *Client) BatchSetSameData(ctx context.Context, r SameDataRequest) error {
	return c.up.Do(ctx, upstream.Call{
		Op: "batch-set-same-data", Method: http.MethodPost, Path: PathBatchSetSameData, Body: r,
		Decode: decodeEnvelope,
	})
}
