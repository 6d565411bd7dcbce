// Package scrm fakes the SCRM open API's channel live codes (渠道活码,
// upstreams.md §B): POST /api/v3/channelcode/list behind a request signature,
// plus the QR images its codeUrl fields point at. It is written from the
// contract, not from the console's client.
//
// # Authentication
//
// Every list call must carry the headers appId, appKey, timestamp and sign.
//
//   - timestamp: Unix epoch in MILLISECONDS as a decimal string, within ±5 minutes
//     (inclusive) of the fake's clock.
//   - canonical string: appId + "\n" + appKey + "\n" + timestamp + "\n" + hex(sha256(body)),
//     where body is the exact request body bytes and hex is lower-case.
//   - sign, "md5":         hex(md5(canonical + secret))
//   - sign, "hmac-sha256": hex(HMAC-SHA256(key = secret, message = canonical))
//
// The algorithm is the one in Credentials.SignAlgo ("" means md5); sign is
// compared case-insensitively. Checks run in this order, each with its own
// envelope code (HTTP status is always 200, as the platform's docs show):
// unknown appId/appKey → CodeBadCredentials; missing, non-numeric or skewed
// timestamp → CodeBadTimestamp; missing or wrong sign → CodeBadSignature.
//
// # Filters (all combined with AND; an absent or empty filter matches everything)
//
//   - state: case-sensitive substring of the code's name (state).
//   - userIds: any-match — the code's users ∪ backendUsers shares at least one id.
//   - deptIds: any-match against the code's departments (适用部门). The wire item
//     has no department field, so the fake keeps a department list per code
//     (Code.DeptIDs); the seed draws a code's users from those departments.
//   - groupIds with returnChildren 0 (or absent): the code's groupId is one of them.
//     returnChildren 1: groupIds must hold exactly one id, and the code's group is
//     that group or any descendant of it. An unknown group id matches nothing.
//     returnChildren other than 0/1, or 1 with 0 or ≥2 groups → CodeBadParam.
//   - startTime / endTime: inclusive bounds on createTime, "YYYY-MM-DD HH:mm:ss"
//     in Asia/Shanghai (UTC+8, no DST). A bad format → CodeBadParam; start after
//     end is not an error and matches nothing (the doc's own example does that).
//
// # Order, cursor and page size
//
// Codes are listed newest first: createTime descending, then id descending.
// nextId (absent or 0 = first page) is the id of a code; the page starts right
// after that code in this order, whether or not it matches the filters. An id
// the fake does not know → CodeBadParam. size absent → DefaultSize; 0, negative
// or above MaxSize → CodeBadParam. The answer's nextId is the id of the page's
// last item (0 for an empty page); a page shorter than size, or empty, is the
// end of the listing.
//
// # Data
//
// A deterministic seed (fixed random seed, same data on every run): at least
// 520 codes in groups nested three levels deep (e.g. 招生 → 2026秋季 → 线下活动;
// codes hang on all three levels), staff in departments, ids of 15+ digits.
// 527448137486400 and 9007199254740993 (2^53+1, which a float64 would round)
// are always code ids. createTime spans 2024-04-01 … 2026-03-31 (Shanghai
// time), some codes created in the same second. WithCodes(n) sizes the set for
// benchmarks.
//
// # QR images
//
// GET /qr/<id>.png serves a generated QR PNG encoding QRTarget(id). codeUrl is
// <base>/qr/<id>.png where base is WithBaseURL's func, or else derived from the
// request (http://<Host>/scrm — right when the fake is mounted by the sandbox
// server, which serves it under "/"+Name()). QR images need no signature.
package scrm

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orgconsole/console/internal/sandbox"
)

// Envelope codes. The live platform's codes are not documented; these are the
// sandbox's choice, one constant each (README: Assumptions).
const (
	CodeOK             = 0
	CodeBadCredentials = 40001 // appId/appKey missing or unknown
	CodeBadSignature   = 40002 // sign missing or not matching
	CodeBadTimestamp   = 40003 // timestamp missing, not epoch ms, or outside ±MaxSkew
	CodeBadParam       = 40004 // request body not acceptable
	CodeFailure        = 50000 // generic failure (FaultEnvelope default)
)

const (
	ListPath    = "/api/v3/channelcode/list"
	DefaultSize = 20
	MaxSize     = 100
	MaxSkew     = 5 * time.Minute
	TimeLayout  = "2006-01-02 15:04:05"
	SignMD5     = "md5"
	SignHMAC    = "hmac-sha256"
)

// Shanghai is Asia/Shanghai: fixed UTC+8 (China has had no DST since 1991), so
// the fake does not depend on the host's tz database.
var shanghai = time.FixedZone("CST", 8*3600)

// Credentials are what the fake accepts.
type Credentials struct {
	AppID    string
	AppKey   string
	Secret   string
	SignAlgo string // SignMD5 (default) or SignHMAC
}

// Fake is the SCRM platform. Its data is built once in New and never changes,
// so it is safe for concurrent use.
type Fake struct {
	creds   Credentials
	now     func() time.Time
	baseURL func() string
	nCodes  int

	codes    []Code            // newest first
	pos      map[int64]int     // code id → index in codes
	children map[int64][]int64 // group id → direct sub-groups
	groups   []Group
	staff    []Staff
	depts    []Department
}

// Option tunes a Fake.
type Option func(*Fake)

// WithCodes seeds n codes instead of the default (for benchmarks and tests).
func WithCodes(n int) Option { return func(f *Fake) { f.nCodes = n } }

// WithBaseURL sets where the fake is reachable, for codeUrl. It is a func
// because the sandbox's port is known only after Start.
func WithBaseURL(base func() string) Option { return func(f *Fake) { f.baseURL = base } }

// DefaultCodes is the size of the default seed.
const DefaultCodes = 540

// New builds the fake. now is its clock for the timestamp check (nil = time.Now).
func New(creds Credentials, now func() time.Time, opts ...Option) *Fake {
	if now == nil {
		now = time.Now
	}
	f := &Fake{creds: creds, now: now, nCodes: DefaultCodes}
	for _, o := range opts {
		o(f)
	}
	f.seed()
	return f
}

func (f *Fake) Name() string { return "scrm" }

// ErrorEnvelope is {"code": <int>, "message": …, "data": null}; code "" (or not
// a number) is CodeFailure.
func (f *Fake) ErrorEnvelope(code, message string) []byte {
	c, err := strconv.Atoi(code)
	if err != nil {
		c = CodeFailure
	}
	if message == "" {
		message = "系统繁忙，请稍后再试"
	}
	b, _ := json.Marshal(envelope{Code: c, Message: message})
	return b
}

type envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

// Handler serves the list endpoint and the QR images.
func (f *Fake) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+ListPath, f.list)
	mux.HandleFunc("GET /qr/{file}", f.qr)
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, envelope{Code: code, Message: msg})
}

// listRequest is the documented body. Pointers tell "absent" from zero where
// the rules differ (size 0 is an error, absent is the default).
type listRequest struct {
	State          string  `json:"state"`
	UserIDs        []int64 `json:"userIds"`
	DeptIDs        []int64 `json:"deptIds"`
	GroupIDs       []int64 `json:"groupIds"`
	ReturnChildren *int    `json:"returnChildren"`
	StartTime      string  `json:"startTime"`
	EndTime        string  `json:"endTime"`
	NextID         int64   `json:"nextId"`
	Size           *int    `json:"size"`
}

// wireCode is one channel code with its 11 documented fields.
type wireCode struct {
	ID           int64   `json:"id"`
	State        string  `json:"state"`
	Description  string  `json:"description"`
	CodeURL      string  `json:"codeUrl"`
	CreateTime   string  `json:"createTime"`
	GroupID      int64   `json:"groupId"`
	GroupName    string  `json:"groupName"`
	CreatorID    int64   `json:"creatorId"`
	Users        []int64 `json:"users"`
	BackendUsers []int64 `json:"backendUsers"`
}

type listData struct {
	ChannelCodes []wireCode `json:"channelcodes"`
	NextID       int64      `json:"nextId"`
}

func (f *Fake) list(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		fail(w, CodeBadParam, "请求体读取失败")
		return
	}
	if code, msg := f.verify(r.Header, body); code != CodeOK {
		fail(w, code, msg)
		return
	}
	var req listRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		fail(w, CodeBadParam, "参数错误: 请求体不是合法的 JSON: "+err.Error())
		return
	}
	q, msg := f.compile(req)
	if msg != "" {
		fail(w, CodeBadParam, "参数错误: "+msg)
		return
	}
	start := 0
	if req.NextID != 0 {
		i, ok := f.pos[req.NextID]
		if !ok {
			fail(w, CodeBadParam, fmt.Sprintf("参数错误: nextId %d 不存在", req.NextID))
			return
		}
		start = i + 1
	}
	data := listData{ChannelCodes: []wireCode{}}
	base := f.base(r)
	for i := start; i < len(f.codes) && len(data.ChannelCodes) < q.size; i++ {
		c := &f.codes[i]
		if q.match(c) {
			data.ChannelCodes = append(data.ChannelCodes, f.wire(c, base))
		}
	}
	if n := len(data.ChannelCodes); n > 0 {
		data.NextID = data.ChannelCodes[n-1].ID
	}
	writeJSON(w, envelope{Code: CodeOK, Message: "success", Data: data})
}

// verify checks credentials, timestamp and signature, in that order.
func (f *Fake) verify(h http.Header, body []byte) (int, string) {
	appID, appKey := h.Get("appId"), h.Get("appKey")
	if appID == "" || appKey == "" || appID != f.creds.AppID || appKey != f.creds.AppKey {
		return CodeBadCredentials, "appId 或 appKey 无效 (invalid appId or appKey)"
	}
	ts := h.Get("timestamp")
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return CodeBadTimestamp, "timestamp 无效: 须为毫秒时间戳 (timestamp must be epoch milliseconds)"
	}
	if skew := f.now().Sub(time.UnixMilli(ms)); skew > MaxSkew || skew < -MaxSkew {
		return CodeBadTimestamp, "timestamp 已过期或超前: 与服务器时间相差超过 5 分钟 (timestamp outside ±5 minutes)"
	}
	want, ok := Sign(f.creds.SignAlgo, f.creds.Secret, appID, appKey, ts, body)
	if !ok {
		return CodeBadSignature, "签名校验失败: 沙箱未配置可用的签名算法 (sandbox sign algorithm unknown)"
	}
	got := strings.ToLower(h.Get("sign"))
	if got == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return CodeBadSignature, "签名校验失败 (sign mismatch: check appKey, secret and signing algorithm)"
	}
	return CodeOK, ""
}

// Sign computes the expected sign as documented in the package comment; ok is
// false for an unknown algorithm. Exported so sandbox tests can sign requests.
func Sign(algo, secret, appID, appKey, timestamp string, body []byte) (sign string, ok bool) {
	sum := sha256.Sum256(body)
	canonical := appID + "\n" + appKey + "\n" + timestamp + "\n" + hex.EncodeToString(sum[:])
	switch algo {
	case "", SignMD5:
		s := md5.Sum([]byte(canonical + secret))
		return hex.EncodeToString(s[:]), true
	case SignHMAC:
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(canonical))
		return hex.EncodeToString(m.Sum(nil)), true
	}
	return "", false
}

// query is a validated request.
type query struct {
	state          string
	users, depts   map[int64]bool
	groups         map[int64]bool // nil = any group
	from, to       time.Time
	hasFrom, hasTo bool
	size           int
}

func set(ids []int64) map[int64]bool {
	if len(ids) == 0 {
		return nil
	}
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func (f *Fake) compile(req listRequest) (query, string) {
	q := query{state: req.State, users: set(req.UserIDs), depts: set(req.DeptIDs), size: DefaultSize}
	if req.Size != nil {
		if *req.Size < 1 || *req.Size > MaxSize {
			return q, fmt.Sprintf("size 须在 1 到 %d 之间 (size must be 1..%d), 收到 %d", MaxSize, MaxSize, *req.Size)
		}
		q.size = *req.Size
	}
	rc := 0
	if req.ReturnChildren != nil {
		rc = *req.ReturnChildren
	}
	switch rc {
	case 0:
		q.groups = set(req.GroupIDs)
	case 1:
		if len(req.GroupIDs) != 1 {
			return q, fmt.Sprintf("returnChildren 为 1 时 groupIds 长度限制 1 (exactly one group), 收到 %d 个", len(req.GroupIDs))
		}
		q.groups = map[int64]bool{}
		f.subtree(req.GroupIDs[0], q.groups)
	default:
		return q, fmt.Sprintf("returnChildren 只能为 0 或 1, 收到 %d", rc)
	}
	var err error
	if req.StartTime != "" {
		if q.from, err = time.ParseInLocation(TimeLayout, req.StartTime, shanghai); err != nil {
			return q, fmt.Sprintf("startTime 格式须为 YYYY-MM-DD HH:mm:ss, 收到 %q", req.StartTime)
		}
		q.hasFrom = true
	}
	if req.EndTime != "" {
		if q.to, err = time.ParseInLocation(TimeLayout, req.EndTime, shanghai); err != nil {
			return q, fmt.Sprintf("endTime 格式须为 YYYY-MM-DD HH:mm:ss, 收到 %q", req.EndTime)
		}
		q.hasTo = true
	}
	return q, ""
}

func (f *Fake) subtree(id int64, into map[int64]bool) {
	into[id] = true
	for _, c := range f.children[id] {
		f.subtree(c, into)
	}
}

func anyIn(m map[int64]bool, ids ...[]int64) bool {
	for _, list := range ids {
		for _, id := range list {
			if m[id] {
				return true
			}
		}
	}
	return false
}

func (q query) match(c *Code) bool {
	if q.state != "" && !strings.Contains(c.State, q.state) {
		return false
	}
	if q.users != nil && !anyIn(q.users, c.Users, c.BackendUsers) {
		return false
	}
	if q.depts != nil && !anyIn(q.depts, c.DeptIDs) {
		return false
	}
	if q.groups != nil && !q.groups[c.GroupID] {
		return false
	}
	if q.hasFrom && c.CreateTime.Before(q.from) {
		return false
	}
	if q.hasTo && c.CreateTime.After(q.to) {
		return false
	}
	return true
}

func (f *Fake) base(r *http.Request) string {
	if f.baseURL != nil {
		return strings.TrimRight(f.baseURL(), "/")
	}
	return "http://" + r.Host + "/" + f.Name()
}

func (f *Fake) wire(c *Code, base string) wireCode {
	return wireCode{
		ID: c.ID, State: c.State, Description: c.Description,
		CodeURL:    base + "/qr/" + strconv.FormatInt(c.ID, 10) + ".png",
		CreateTime: c.CreateTime.In(shanghai).Format(TimeLayout),
		GroupID:    c.GroupID, GroupName: c.GroupName, CreatorID: c.CreatorID,
		Users: append([]int64{}, c.Users...), BackendUsers: append([]int64{}, c.BackendUsers...),
	}
}

var _ sandbox.Platform = (*Fake)(nil)
