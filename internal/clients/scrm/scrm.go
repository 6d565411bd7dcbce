// Package scrm is the console's client of the SCRM open API's channel live
// codes (渠道活码, upstreams.md §B): a signed POST /api/v3/channelcode/list,
// read one cursor page at a time.
//
// Every call carries the headers appId, appKey, timestamp (epoch milliseconds)
// and sign; see CanonicalString for what is signed and Signer for how.
// Ids are int64 end to end; they are also accepted as JSON strings, which some
// Java platforms send to protect JavaScript clients from rounding.
package scrm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/config"
)

const (
	ListPath    = "/api/v3/channelcode/list"
	TimeLayout  = "2006-01-02 15:04:05" // startTime, endTime and createTime (Asia/Shanghai)
	DefaultSize = 20                    // page size when ListRequest.Size is 0
	MaxSize     = 100                   // the docs give no bound: the console's choice
	opList      = "channelcode-list"
)

// Envelope codes of signature rejections. The SCRM docs list no codes: these
// are the assumed values (README: Assumptions), kept here and nowhere else.
const (
	CodeBadCredentials = "40001" // appId/appKey unknown
	CodeBadSignature   = "40002" // sign does not match
	CodeBadTimestamp   = "40003" // timestamp outside the platform's window (±5 min)
)

// Causes carried in APIError.Err, so pages can tell them apart with errors.Is
// (never by matching text).
var (
	ErrCredentialsRejected = errors.New("scrm: appId or appKey rejected")
	ErrSignatureRejected   = errors.New("scrm: request signature rejected")
	ErrTimestampRejected   = errors.New("scrm: request timestamp rejected (clock skew)")
	ErrCursorStuck         = errors.New("scrm: the nextId cursor did not advance")
)

// IsSignatureRejected reports whether the platform refused the request's
// credentials or signature: the fix is in the appId/appKey/secret/algorithm
// settings. A timestamp rejection is ErrTimestampRejected (the server clock).
func IsSignatureRejected(err error) bool {
	return errors.Is(err, ErrSignatureRejected) || errors.Is(err, ErrCredentialsRejected)
}

// Credentials identify the console to the platform.
type Credentials struct {
	AppID  string
	AppKey string
}

// ListRequest is the list body. Zero values are left out of the JSON.
type ListRequest struct {
	State          string  // 活码名称 filter
	UserIDs        []int64 // 适用员工
	DeptIDs        []int64 // 适用部门
	GroupIDs       []int64 // 活码分组ID; exactly one when ReturnChildren
	ReturnChildren bool    // sent as returnChildren 1; 0 when false and GroupIDs are given
	StartTime      string  // TimeLayout, inclusive
	EndTime        string  // TimeLayout, inclusive
	NextID         int64   // cursor from the previous page; 0 = first page
	Size           int     // 0 = DefaultSize
}

// ChannelCode is one 渠道活码 with its 11 documented fields.
type ChannelCode struct {
	ID           int64
	State        string // name
	Description  string
	CodeURL      string // QR image
	CreateTime   string // TimeLayout, as sent
	GroupID      int64
	GroupName    string
	CreatorID    int64
	Users        []int64
	BackendUsers []int64
}

// ListPage is one cursor page. End means no page follows (short or empty page).
type ListPage struct {
	Codes  []ChannelCode
	NextID int64
	End    bool
}

// Client calls the SCRM platform.
type Client struct {
	up     *upstream.Client
	creds  Credentials
	signer Signer
	now    func() time.Time
}

// Option tunes a Client.
type Option func(*Client)

// WithClock sets the clock behind the timestamp header (tests).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// New returns a client. cfg.Authorize and cfg.Tokens are set by the client
// (the platform signs requests instead of using tokens); Platform defaults to
// upstream.SCRM.
func New(cfg upstream.Config, creds Credentials, signer Signer, opts ...Option) *Client {
	c := &Client{creds: creds, signer: signer, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	if cfg.Platform == "" {
		cfg.Platform = upstream.SCRM
	}
	cfg.Tokens = upstream.NoToken{}
	cfg.Authorize = c.authorize
	c.up = upstream.New(cfg)
	return c
}

// FromConfig builds the client from the console's settings.
func FromConfig(s config.SCRM, timeout time.Duration) (*Client, error) {
	signer, err := NewSigner(s.SignAlgo, s.Secret)
	if err != nil {
		return nil, err
	}
	return New(upstream.Config{BaseURL: s.BaseURL, Timeout: timeout},
		Credentials{AppID: s.AppID, AppKey: s.AppKey}, signer), nil
}

// Upstream exposes the shared plumbing (stats, base URL) for the status page.
func (c *Client) Upstream() *upstream.Client { return c.up }

// authorize sets the four headers. It runs for every attempt, so a retry
// carries a fresh timestamp. The header names are set verbatim, in the
// docs' spelling (Go would otherwise send "Appid").
func (c *Client) authorize(req *http.Request, _ string, body []byte) error {
	if c.signer == nil {
		return errors.New("no signer configured")
	}
	ts := strconv.FormatInt(c.now().UnixMilli(), 10)
	req.Header["appId"] = []string{c.creds.AppID}
	req.Header["appKey"] = []string{c.creds.AppKey}
	req.Header["timestamp"] = []string{ts}
	req.Header["sign"] = []string{c.signer.Sign(CanonicalString(c.creds.AppID, c.creds.AppKey, ts, body))}
	return nil
}

// listBody is the wire request.
type listBody struct {
	State          string  `json:"state,omitempty"`
	UserIDs        []int64 `json:"userIds,omitempty"`
	DeptIDs        []int64 `json:"deptIds,omitempty"`
	GroupIDs       []int64 `json:"groupIds,omitempty"`
	ReturnChildren *int    `json:"returnChildren,omitempty"`
	StartTime      string  `json:"startTime,omitempty"`
	EndTime        string  `json:"endTime,omitempty"`
	NextID         int64   `json:"nextId,omitempty"`
	Size           int     `json:"size"`
}

func (r ListRequest) body() listBody {
	b := listBody{State: r.State, UserIDs: r.UserIDs, DeptIDs: r.DeptIDs, GroupIDs: r.GroupIDs,
		StartTime: r.StartTime, EndTime: r.EndTime, NextID: r.NextID, Size: r.size()}
	switch {
	case r.ReturnChildren:
		one := 1
		b.ReturnChildren = &one
	case len(r.GroupIDs) > 0:
		zero := 0
		b.ReturnChildren = &zero
	}
	return b
}

func (r ListRequest) size() int {
	if r.Size == 0 {
		return DefaultSize
	}
	return r.Size
}

// id64 is an int64 id sent as a JSON number (the contract) or a string.
type id64 int64

func (v *id64) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if string(b) == "null" || len(b) == 0 {
		*v = 0
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("id %s is not an int64", b)
	}
	*v = id64(n)
	return nil
}

func ids(in []id64) []int64 {
	out := make([]int64, len(in))
	for i, v := range in {
		out[i] = int64(v)
	}
	return out
}

type wireCode struct {
	ID           id64   `json:"id"`
	State        string `json:"state"`
	Description  string `json:"description"`
	CodeURL      string `json:"codeUrl"`
	CreateTime   string `json:"createTime"`
	GroupID      id64   `json:"groupId"`
	GroupName    string `json:"groupName"`
	CreatorID    id64   `json:"creatorId"`
	Users        []id64 `json:"users"`
	BackendUsers []id64 `json:"backendUsers"`
}

type listAnswer struct {
	Code    *json.Number `json:"code"`
	Message string       `json:"message"`
	Data    *struct {
		ChannelCodes []wireCode `json:"channelcodes"`
		NextID       id64       `json:"nextId"`
	} `json:"data"`
}

// List fetches one page. It is idempotent, so timeouts and 5xx are retried.
func (c *Client) List(ctx context.Context, req ListRequest) (ListPage, error) {
	var page ListPage
	err := c.up.Do(ctx, upstream.Call{
		Op:         opList,
		Method:     http.MethodPost,
		Path:       ListPath,
		Body:       req.body(),
		Idempotent: true,
		Decode: func(status int, body []byte) error {
			var a listAnswer
			if err := upstream.DecodeJSON(status, body, &a); err != nil {
				return err
			}
			if a.Code == nil {
				if status/100 != 2 {
					return &upstream.APIError{Kind: upstream.KindHTTP}
				}
				return &upstream.APIError{Kind: upstream.KindMalformed, Err: errors.New("the answer has no code")}
			}
			if code := a.Code.String(); code != "0" {
				return rejection(code, a.Message)
			}
			if status/100 != 2 {
				return &upstream.APIError{Kind: upstream.KindHTTP}
			}
			if a.Data == nil {
				return &upstream.APIError{Kind: upstream.KindMalformed, Err: errors.New("the answer has no data")}
			}
			page = toPage(a.Data.ChannelCodes, int64(a.Data.NextID), req.size())
			return nil
		},
	})
	return page, err
}

func toPage(in []wireCode, next int64, size int) ListPage {
	p := ListPage{Codes: make([]ChannelCode, len(in)), NextID: next}
	for i, w := range in {
		p.Codes[i] = ChannelCode{
			ID: int64(w.ID), State: w.State, Description: w.Description, CodeURL: w.CodeURL,
			CreateTime: w.CreateTime, GroupID: int64(w.GroupID), GroupName: w.GroupName,
			CreatorID: int64(w.CreatorID), Users: ids(w.Users), BackendUsers: ids(w.BackendUsers),
		}
	}
	// The contract says nextId is the last item's id; trust it when present.
	if p.NextID == 0 && len(in) > 0 {
		p.NextID = int64(in[len(in)-1].ID)
	}
	p.End = len(in) == 0 || len(in) < size
	return p
}

// rejection classifies an error envelope. Signature rejections are KindAuth:
// with no token in play the shared client does not retry them, which is right —
// resending the same credentials cannot succeed.
func rejection(code, msg string) *upstream.APIError {
	e := &upstream.APIError{Kind: upstream.KindAuth, Code: code, Message: msg}
	switch code {
	case CodeBadCredentials:
		e.Err = ErrCredentialsRejected
	case CodeBadSignature:
		e.Err = ErrSignatureRejected
	case CodeBadTimestamp:
		e.Err = ErrTimestampRejected
	default:
		e.Kind = upstream.KindAPI
	}
	return e
}

// Walk calls fn for every code matching req, fetching one page at a time
// (Size 0 = MaxSize), so memory stays bounded by a page whatever the count. It
// stops at the end of the listing, at fn's first error, or with
// ErrCursorStuck (inside an *upstream.APIError) if a cursor repeats — never an
// endless loop. Only the cursors seen are remembered (8 bytes a page).
func (c *Client) Walk(ctx context.Context, req ListRequest, fn func(ChannelCode) error) error {
	if req.Size == 0 {
		req.Size = MaxSize
	}
	seen := map[int64]bool{req.NextID: true}
	for {
		page, err := c.List(ctx, req)
		if err != nil {
			return err
		}
		if !page.End && seen[page.NextID] {
			return &upstream.APIError{Platform: c.up.Platform(), Op: opList, Kind: upstream.KindMalformed,
				Err: fmt.Errorf("nextId %d was already used: %w", page.NextID, ErrCursorStuck)}
		}
		for _, code := range page.Codes {
			if err := fn(code); err != nil {
				return err
			}
		}
		if page.End {
			return nil
		}
		seen[page.NextID] = true
		req.NextID = page.NextID
	}
}
