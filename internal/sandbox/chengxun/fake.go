// Package chengxun is the sandbox fake of the 橙讯 open platform's workbench
// card API (upstreams.md §A). It is written from the contract, not from the
// console's client or forms: it issues expiring access tokens, checks them on
// every call, validates card data exactly as the doc states (lengths in UTF-16
// units, item counts, the enterprise_id rule, IMAGE/WEBVIEW 暂不支持) and keeps
// what every account and organisation now shows, for the inspector and tests.
package chengxun

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/orgconsole/console/internal/sandbox"
)

// Name is the platform's path prefix in the sandbox.
const Name = "chengxun"

// Sandbox app credentials for the token endpoint. The app wiring passes the
// same constants to the fake and to the console's token fetcher.
const (
	SandboxAppKey    = "sandbox-chengxun-app"
	SandboxAppSecret = "sandbox-chengxun-secret"
)

// Paths the fake serves. Only batch-set-same-data is in the seed; the token
// path and the six other card paths are assumptions (README "Assumptions").
const (
	PathToken             = "/apps/v1/token"
	PathAddTemplate       = "/apps/v1/card/add-template"
	PathListTemplates     = "/apps/v1/card/list-template"
	PathUpdateTemplate    = "/apps/v1/card/update-template"
	PathDeleteTemplate    = "/apps/v1/card/delete-template"
	PathSetOrgData        = "/apps/v1/card/set-org-data"
	PathBatchSetDiffData  = "/apps/v1/card/batch-set-diff-data"
	PathBatchSetSameData  = "/apps/v1/card/batch-set-same-data"
	maxTemplateNameLength = 50 // assumption: the seed gives no template fields
)

// Error codes of the fake. Only 0 = success is documented; the others are the
// sandbox's own, one per kind of violation, so tests and users can tell them apart.
const (
	CodeOK                 = 0
	CodeTokenInvalid       = 40001 // access_token unknown, revoked or expired
	CodeAppCredentials     = 40013 // app_key / app_secret wrong on the token endpoint
	CodeTokenMissing       = 41001 // no access_token query parameter
	CodeBadBody            = 40030 // body is not JSON, or a field has the wrong JSON type
	CodeRequired           = 40031 // a required field is missing or empty
	CodeEnterpriseRequired = 40032 // enterprise_id missing while show_on_all_enterprise is false
	CodeAccountCount       = 40033 // account_id_list / account_data_list not 1–200 entries
	CodeAccountEmpty       = 40034 // an empty account id
	CodeTypeInvalid        = 40035 // type is not KEYDATA, LIST, IMAGE or WEBVIEW
	CodeTypeUnsupported    = 40036 // IMAGE / WEBVIEW: 暂不支持
	CodeTooManyItems       = 40037 // LIST > 3 or KEYDATA > 4 items
	CodeTooLong            = 40038 // a string longer than its documented limit
	CodeTimestamp          = 40039 // LIST timestamp is not an integer
	CodeTemplateNotFound   = 40040 // no template with that template_id
	CodeNotFound           = 40400 // no such API path
	CodeMethod             = 40500 // path exists, wrong HTTP method
	CodeSystem             = 50000 // generic failure (fault injection)
)

// Documented limits of batch-set-same-data (the seed), in UTF-16 code units.
const (
	maxAccounts     = 200
	maxListItems    = 3
	maxKeyDataItems = 4
	maxListText     = 100
	maxKey          = 20
	maxData         = 20
	maxJumpURL      = 300
	maxAction       = 300
)

// Card types of the seed's enum.
const (
	TypeKeyData = "KEYDATA"
	TypeList    = "LIST"
	TypeImage   = "IMAGE"
	TypeWebView = "WEBVIEW"
)

// Template is an application card template as the fake keeps it.
type Template struct {
	ID   string `json:"template_id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// KeyDataItem is one KEYDATA tile.
type KeyDataItem struct {
	Key, Data, JumpURL, Action string
}

// ListItem is one LIST row; Timestamp is stored as received.
type ListItem struct {
	Text, JumpURL, Action string
	Timestamp             int64
}

// CardData is what an account or organisation shows now.
type CardData struct {
	Type           string
	KeyData        []KeyDataItem
	List           []ListItem
	EnterpriseID   string // "" when AllEnterprises
	AllEnterprises bool
	UpdatedAt      time.Time
	Op             string // which call set it: set-org-data, batch-set-same-data, batch-set-diff-data
}

// Options configures a Fake.
type Options struct {
	AppKey, AppSecret string           // default SandboxAppKey / SandboxAppSecret
	Now               func() time.Time // default time.Now
	NoSeed            bool             // start without the seeded templates
}

// Fake is the 橙讯 platform. It is safe for concurrent use.
type Fake struct {
	tokens *sandbox.Tokens
	opts   Options
	routes map[string]map[string]http.HandlerFunc // path -> method -> handler

	mu        sync.Mutex
	templates []Template
	nextID    int
	accounts  map[string]map[string]CardData // account -> enterprise key -> data
	orgs      map[string]CardData
}

// New returns the fake; tokens issues and checks access tokens.
func New(tokens *sandbox.Tokens, opts Options) *Fake {
	if opts.AppKey == "" {
		opts.AppKey = SandboxAppKey
	}
	if opts.AppSecret == "" {
		opts.AppSecret = SandboxAppSecret
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	f := &Fake{
		tokens:   tokens,
		opts:     opts,
		nextID:   1000,
		accounts: map[string]map[string]CardData{},
		orgs:     map[string]CardData{},
	}
	f.routes = map[string]map[string]http.HandlerFunc{
		PathToken:            {http.MethodGet: f.token},
		PathAddTemplate:      {http.MethodPut: f.authed(f.addTemplate)},
		PathListTemplates:    {http.MethodGet: f.authed(f.listTemplates)},
		PathUpdateTemplate:   {http.MethodPost: f.authed(f.updateTemplate)},
		PathDeleteTemplate:   {http.MethodDelete: f.authed(f.deleteTemplate)},
		PathSetOrgData:       {http.MethodPost: f.authed(f.setOrgData)},
		PathBatchSetDiffData: {http.MethodPost: f.authed(f.batchSetDiffData)},
		PathBatchSetSameData: {http.MethodPost: f.authed(f.batchSetSameData)},
	}
	if !opts.NoSeed {
		for _, t := range []Template{
			{Name: "校园数据看板", Type: TypeKeyData},
			{Name: "通知公告", Type: TypeList},
			{Name: "校园风采轮播图", Type: TypeImage},
			{Name: "今日课程表", Type: TypeWebView},
		} {
			f.nextID++
			t.ID = fmt.Sprintf("ctpl%d", f.nextID)
			f.templates = append(f.templates, t)
		}
	}
	return f
}

// Name implements sandbox.Platform.
func (f *Fake) Name() string { return Name }

// Handler implements sandbox.Platform.
func (f *Fake) Handler() http.Handler { return f }

// ErrorEnvelope implements sandbox.Platform.
func (f *Fake) ErrorEnvelope(code, message string) []byte {
	n := CodeSystem
	if code != "" {
		if _, err := fmt.Sscanf(code, "%d", &n); err != nil {
			n = CodeSystem
		}
	}
	if message == "" {
		message = "系统繁忙,请稍后再试"
	}
	b, _ := json.Marshal(envelope{ErrCode: n, ErrMsg: message})
	return b
}

// ServeHTTP routes by path, then method.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	byMethod, ok := f.routes[r.URL.Path]
	if !ok {
		writeJSON(w, http.StatusNotFound, envelope{ErrCode: CodeNotFound, ErrMsg: "no such API: " + r.URL.Path})
		return
	}
	h, ok := byMethod[r.Method]
	if !ok {
		writeJSON(w, http.StatusMethodNotAllowed, envelope{ErrCode: CodeMethod, ErrMsg: "method " + r.Method + " not allowed on " + r.URL.Path})
		return
	}
	h(w, r)
}

// Templates returns the templates in creation order.
func (f *Fake) Templates() []Template {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.templates)
}

// AccountCard returns the card data the account was given last (in any organisation).
func (f *Fake) AccountCard(accountID string) (CardData, bool) {
	cards := f.AccountCards(accountID)
	if len(cards) == 0 {
		return CardData{}, false
	}
	return cards[0], true
}

// AccountCards returns every card data the account holds, one per organisation
// (or "all organisations"), newest first.
func (f *Fake) AccountCards(accountID string) []CardData {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]CardData, 0, len(f.accounts[accountID]))
	for _, c := range f.accounts[accountID] {
		out = append(out, cloneCard(c))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].UpdatedAt.Equal(out[j].UpdatedAt) {
			return out[i].UpdatedAt.After(out[j].UpdatedAt)
		}
		return out[i].EnterpriseID < out[j].EnterpriseID
	})
	return out
}

// OrgCard returns the organisation-level card data of an enterprise.
func (f *Fake) OrgCard(enterpriseID string) (CardData, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.orgs[enterpriseID]
	return cloneCard(c), ok
}

// AccountIDs lists the accounts holding card data, sorted.
func (f *Fake) AccountIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.accounts))
	for id := range f.accounts {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// EnterpriseIDs lists the organisations holding org-level data, sorted.
func (f *Fake) EnterpriseIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, 0, len(f.orgs))
	for id := range f.orgs {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func cloneCard(c CardData) CardData {
	c.KeyData = slices.Clone(c.KeyData)
	c.List = slices.Clone(c.List)
	return c
}

// envelope is the platform's answer; calls returning data add a "data" field.
type envelope struct {
	ErrCode int    `json:"err_code"`
	ErrMsg  string `json:"err_msg"`
}

type tokenResponse struct {
	envelope
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"` // seconds
}

type templateResponse struct {
	envelope
	Data Template `json:"data"`
}

type templateListResponse struct {
	envelope
	Data []Template `json:"data"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fail answers HTTP 200 with an error envelope, as the platform does.
func fail(w http.ResponseWriter, e *apiErr) {
	writeJSON(w, http.StatusOK, envelope{ErrCode: e.code, ErrMsg: e.msg})
}

func ok(w http.ResponseWriter) { writeJSON(w, http.StatusOK, envelope{}) }

type apiErr struct {
	code int
	msg  string
}

func errf(code int, format string, args ...any) *apiErr {
	return &apiErr{code: code, msg: fmt.Sprintf(format, args...)}
}

func (f *Fake) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("app_key") == "" || q.Get("app_secret") == "" {
		fail(w, errf(CodeRequired, "app_key and app_secret are required"))
		return
	}
	if q.Get("app_key") != f.opts.AppKey || q.Get("app_secret") != f.opts.AppSecret {
		fail(w, errf(CodeAppCredentials, "app_key 或 app_secret 错误"))
		return
	}
	tok, ttl := f.tokens.Issue()
	secs := int64((ttl + time.Second - 1) / time.Second)
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: tok, ExpiresIn: max(secs, 1)})
}

// authed checks access_token before running h.
func (f *Fake) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.URL.Query().Get("access_token")
		if tok == "" {
			fail(w, errf(CodeTokenMissing, "access_token missing"))
			return
		}
		if !f.tokens.Valid(tok) {
			fail(w, errf(CodeTokenInvalid, "access_token invalid or expired"))
			return
		}
		h(w, r)
	}
}
