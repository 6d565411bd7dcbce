// Package tze is the sandbox fake of the tze.cn open platform (upstreams.md §C):
// the org child list (组织机构接口 7.0), the message send endpoint and a token
// endpoint. It is written from the contract alone; where the contract is silent
// the choices are the constants below, each listed under "Assumptions" in the
// README.
package tze

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/orgconsole/console/internal/sandbox"
)

// Paths served below the platform prefix ("/tze").
const (
	// OrgChildListPath is documented: GET https://api.tze.cn/user/openapi/org/get-org-child-list.
	OrgChildListPath = "/user/openapi/org/get-org-child-list"
	// TokenPath is an assumption: the seed only names 获取接口访问凭证.
	// GET ?appId=…&appSecret=… → result {accessToken, expiresIn (seconds)}.
	TokenPath = "/user/openapi/token"
	// SendPath is an assumption: the seed documents message bodies, not the endpoint.
	SendPath = "/message/openapi/send"
)

// Envelope codes. The contract documents only CodeOK and CodeFailure; the
// others are the sandbox's assumptions, so each kind of refusal is distinguishable.
const (
	CodeOK          = "000000" // documented: 成功
	CodeFailure     = "100001" // documented: 失败 (org_id missing, unknown org or parent, bad is_all)
	CodeAuth        = "100002" // assumption: accessToken missing, unknown or expired
	CodeCredentials = "100003" // assumption: token endpoint, wrong appId/appSecret

	CodeBadBody       = "200001" // assumption: body is not a JSON object, or a field has the wrong JSON type
	CodeRequired      = "200002" // assumption: a required field is missing or blank
	CodeTooLong       = "200003" // assumption: msgtype > 10 or oa.head.text > 255 UTF-16 units
	CodeMsgType       = "200004" // assumption: msgtype is not text, link or oa
	CodeURL           = "200005" // assumption: a URL field is not an absolute http(s) URL
	CodeBgColor       = "200006" // assumption: oa.head.bgColor is not exactly 8 hex digits
	CodeTooManyForm   = "200007" // assumption: oa.body.form has more than 6 entries
	CodeNoRecipients  = "200008" // assumption: toUserIds and toOrgIds both empty
	CodeMethodRefused = "100001" // wrong HTTP method: the generic failure
)

// Recipient fields of the send body. The contract documents none; these are
// the sandbox's assumption (arrays of id strings, at least one id in total).
const (
	FieldToUserIDs = "toUserIds"
	FieldToOrgIDs  = "toOrgIds"
)

// Fake is the tze.cn platform.
type Fake struct {
	tokens    *sandbox.Tokens
	appID     string
	appSecret string
	bareList  bool
	orgs      map[string]*dataset // org id → data; schools and enterprises are orgs too
	roots     []string            // registered org ids, in order

	mu        sync.Mutex
	delivered []Delivered
	byBusiID  map[string]string // busiId → msgId
	seq       int
	fullCache map[string][]byte // encoded is_all=1 answers of whole orgs (data never changes)
}

// Option configures a Fake.
type Option func(*options)

type options struct {
	appID, appSecret string
	bareList         bool
	extra            []orgSpec
	orphans, cycle   bool
}

type orgSpec struct {
	id    string
	nodes []Node
}

// WithCredentials makes the token endpoint accept only this appId/appSecret
// (by default any non-empty pair is accepted).
func WithCredentials(appID, appSecret string) Option {
	return func(o *options) { o.appID, o.appSecret = appID, appSecret }
}

// WithBareListResult answers `result` as a bare JSON array, the shape the
// doc's table calls json[], instead of the example's {count, list}.
func WithBareListResult() Option { return func(o *options) { o.bareList = true } }

// WithOrg adds an organisation with the given nodes (the org itself is not one
// of them, as the API never lists it).
func WithOrg(orgID string, nodes []Node) Option {
	return func(o *options) { o.extra = append(o.extra, orgSpec{orgID, nodes}) }
}

// WithLargeOrg adds GenerateOrg(orgID, n, LargeOrgSeed) as a second organisation.
func WithLargeOrg(orgID string, n int) Option {
	return func(o *options) { o.extra = append(o.extra, orgSpec{orgID, GenerateOrg(orgID, n, LargeOrgSeed)}) }
}

// WithOrphans adds to the seeded bureau SeedOrphanID (and its child
// SeedOrphanChildID), whose parent SeedMissingParentID is in no list.
func WithOrphans() Option { return func(o *options) { o.orphans = true } }

// WithCycle adds to the seeded bureau SeedCycleAID and SeedCycleBID, each the
// other's parent, so neither is reachable from the org.
func WithCycle() Option { return func(o *options) { o.cycle = true } }

// New seeds the education bureau (SeedBureauID) and any extra organisations.
// tokens nil means tokens valid for two hours.
func New(tokens *sandbox.Tokens, opts ...Option) *Fake {
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	if tokens == nil {
		tokens = sandbox.NewTokens(2 * time.Hour)
	}
	f := &Fake{
		tokens: tokens, appID: o.appID, appSecret: o.appSecret, bareList: o.bareList,
		orgs: map[string]*dataset{}, byBusiID: map[string]string{}, fullCache: map[string][]byte{},
	}
	bureau := seedBureau()
	if o.orphans {
		bureau = append(bureau,
			Node{OrgID: SeedOrphanID, OrgName: "失联班级", ParentID: SeedMissingParentID, OrgType: "7", DisplayOrder: 1},
			Node{OrgID: SeedOrphanChildID, OrgName: "失联班级兴趣小组", ParentID: SeedOrphanID, OrgType: "4", DisplayOrder: 1})
	}
	if o.cycle {
		bureau = append(bureau,
			Node{OrgID: SeedCycleAID, OrgName: "循环部门甲", ParentID: SeedCycleBID, OrgType: "4", DisplayOrder: 1},
			Node{OrgID: SeedCycleBID, OrgName: "循环部门乙", ParentID: SeedCycleAID, OrgType: "4", DisplayOrder: 2})
	}
	f.addOrg(SeedBureauID, bureau)
	for _, s := range o.extra {
		f.addOrg(s.id, s.nodes)
	}
	return f
}

// Name is the path prefix.
func (f *Fake) Name() string { return "tze" }

// Handler serves the three endpoints.
func (f *Fake) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(TokenPath, f.serveToken)
	mux.HandleFunc(OrgChildListPath, f.serveOrgChildList)
	mux.HandleFunc(SendPath, f.serveSend)
	return mux
}

// envelope is the tze answer: code is a STRING.
type envelope struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Result  any    `json:"result,omitempty"`
}

// ErrorEnvelope is the platform's failure answer.
func (f *Fake) ErrorEnvelope(code, message string) []byte {
	if code == "" {
		code = CodeFailure
	}
	if message == "" {
		message = "失败"
	}
	b, _ := json.Marshal(envelope{Code: code, Message: message})
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, envelope{Code: code, Message: msg})
}

// authorized checks the accessToken query parameter and answers CodeAuth if it fails.
func (f *Fake) authorized(w http.ResponseWriter, r *http.Request) bool {
	tok := r.URL.Query().Get("accessToken")
	if tok == "" {
		writeErr(w, http.StatusOK, CodeAuth, "accessToken不能为空")
		return false
	}
	if !f.tokens.Valid(tok) {
		writeErr(w, http.StatusOK, CodeAuth, "accessToken无效或已过期")
		return false
	}
	return true
}

// TokenResult is the token endpoint's result (assumption: expiresIn in seconds).
type TokenResult struct {
	AccessToken string `json:"accessToken"`
	ExpiresIn   int64  `json:"expiresIn"`
}

func (f *Fake) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeErr(w, http.StatusMethodNotAllowed, CodeMethodRefused, "请求方式不支持: "+r.Method)
		return
	}
	q := r.URL.Query()
	id, secret := q.Get("appId"), q.Get("appSecret")
	if id == "" || secret == "" || (f.appID != "" && (id != f.appID || secret != f.appSecret)) {
		writeErr(w, http.StatusOK, CodeCredentials, "appId或appSecret错误")
		return
	}
	tok, ttl := f.tokens.Issue()
	writeJSON(w, http.StatusOK, envelope{Code: CodeOK, Message: "成功",
		Result: TokenResult{AccessToken: tok, ExpiresIn: int64(ttl / time.Second)}})
}
