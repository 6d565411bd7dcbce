// Package config loads the console's settings once at start-up from CONSOLE_*
// environment variables. Zero configuration means sandbox mode with data under
// ./data. The resulting struct is passed down explicitly; nothing reads the
// environment later.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // CONSOLE_TIMEZONE works without /usr/share/zoneinfo (the Docker image has none)
)

// Mode is sandbox (built-in fake upstreams) or live.
type Mode string

const (
	ModeSandbox Mode = "sandbox"
	ModeLive    Mode = "live"
)

// Config is every setting of the console.
type Config struct {
	Mode           Mode
	Addr           string        // listen address
	DataDir        string        // SQLite database (the default store)
	DatabaseURL    string        // postgres://… selects PostgreSQL instead (several replicas)
	SandboxAddr    string        // where the fake upstreams listen in sandbox mode
	TLSCert        string        // serve HTTPS with this certificate …
	TLSKey         string        // … and key
	BehindTLS      bool          // a TLS-terminating proxy is in front: Secure cookies, HSTS
	TrustedProxy   []string      // CIDRs whose X-Forwarded-For is believed
	LogLevel       string        // debug, info, warn, error
	LogFormat      string        // text or json
	BodyLimit      string        // request body limit, e.g. "12M"
	IdleTimeout    time.Duration // session idle timeout
	AbsTimeout     time.Duration // session absolute lifetime
	UpstreamTO     time.Duration // the whole upstream wait of one page (token, attempts, backoff, every call)
	PushWorkers    int           // concurrent upstream calls of one card push
	PushRate       float64       // 橙讯 calls per second, all replicas together (0 = unlimited)
	RetryBackoff   time.Duration // wait before a platform write's second attempt (doubled after)
	OrgCacheTTL    time.Duration // how long a fetched organisation index is kept
	DefaultOrgID   string        // org tree opened by default
	DefaultOrgName string        // its display name (the platform never lists the org itself)
	Chengxun       Chengxun
	SCRM           SCRM
	Tze            Tze
	SandboxTokTTL  time.Duration // lifetime of tokens the sandbox issues
	PasswordKiB    int           // argon2id memory per password hash
	PasswordHashes int           // argon2id hashes running at once (bounds memory under a sign-in flood)
	FeedHosts      []string      // hosts (host or host:port) card data feeds may be fetched from
	DemoFeed       bool          // sandbox mode: configure the demo card data feed on start

	// Four eyes (issue 11): 0 turns the kind of approval off.
	ApprovalAccounts   int // a push to more accounts (or to an organisation) waits for another admin
	ApprovalRecipients int // a message to more user ids (or to any org node) waits for an admin

	Location *time.Location // CONSOLE_TIMEZONE: the zone every time is shown, exported and entered in
}

// Chengxun is the workbench-card platform (upstreams.md §A).
type Chengxun struct {
	BaseURL   string
	Token     string // static access_token; when empty, fetched from TokenURL
	TokenURL  string
	AppKey    string
	AppSecret string
}

// SCRM is the channel-code platform (upstreams.md §B).
type SCRM struct {
	BaseURL  string
	AppID    string
	AppKey   string
	Secret   string
	SignAlgo string   // md5 or hmac-sha256
	QRHosts  []string // further hosts codeUrl images may be fetched from (a CDN)
}

// Tze is the org and message platform (upstreams.md §C).
type Tze struct {
	BaseURL   string
	Token     string // static accessToken; when empty, fetched from TokenURL
	TokenURL  string
	AppID     string
	AppSecret string
}

// Setting documents one environment variable; the README's table is this list.
type Setting struct {
	Env     string
	Default string
	Doc     string
}

// Settings lists every variable Load reads, with its default.
var Settings = []Setting{
	{"CONSOLE_MODE", "sandbox", "sandbox (built-in fake upstreams, demo accounts) or live"},
	{"CONSOLE_ADDR", "127.0.0.1:8080", "listen address"},
	{"CONSOLE_DATA_DIR", "./data", "data directory: the embedded SQLite database (when CONSOLE_DATABASE_URL is empty)"},
	{"CONSOLE_DATABASE_URL", "", "empty = embedded SQLite in the data dir; postgres://user:pass@host/db = PostgreSQL (several replicas)"},
	{"CONSOLE_SANDBOX_ADDR", "127.0.0.1:0", "listen address of the fake upstreams (sandbox mode; 0 = any free port)"},
	{"CONSOLE_TLS_CERT", "", "PEM certificate: serve HTTPS directly"},
	{"CONSOLE_TLS_KEY", "", "PEM private key for CONSOLE_TLS_CERT"},
	{"CONSOLE_BEHIND_TLS", "false", "true when a TLS-terminating proxy is in front (Secure cookies, HSTS)"},
	{"CONSOLE_TRUSTED_PROXIES", "", "comma-separated CIDRs of proxies whose X-Forwarded-For (the client IP) and X-Request-Id are believed"},
	{"CONSOLE_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"CONSOLE_LOG_FORMAT", "text", "text or json"},
	{"CONSOLE_BODY_LIMIT", "12M", "largest accepted request body, uploads included (one file at most 10 MB; a file over either bound is refused with the rest of the form kept)"},
	{"CONSOLE_SESSION_IDLE", "30m", "sign out after this long without a request"},
	{"CONSOLE_SESSION_MAX", "12h", "sign out this long after sign-in, whatever happens"},
	{"CONSOLE_UPSTREAM_TIMEOUT", "10s", "the whole time a page may wait for the platforms: token fetch, every call, retries and their pauses together (a streamed export: each page of it)"},
	{"CONSOLE_PUSH_WORKERS", "4", "concurrent 橙讯 card calls on each replica"},
	{"CONSOLE_PUSH_RATE", "20", "橙讯 calls per second of all card pushes, all replicas together (0 = unlimited)"},
	{"CONSOLE_RETRY_BACKOFF", "1s", "wait before a platform write's second attempt, doubled for each further one (5 attempts in all)"},
	{"CONSOLE_ORG_CACHE_TTL", "10m", "how long an organisation's fetched tree is cached for search"},
	{"CONSOLE_DEFAULT_ORG", "", "org id the tree page opens (sandbox: the seeded education bureau)"},
	{"CONSOLE_DEFAULT_ORG_NAME", "", "display name of that org's root (the platform's list never includes the org itself)"},
	{"CONSOLE_CHENGXUN_BASE_URL", "https://service.cheng-xun.cn/api", "橙讯 API base (live mode)"},
	{"CONSOLE_CHENGXUN_TOKEN", "", "static 橙讯 access_token (else fetched with app key/secret)"},
	{"CONSOLE_CHENGXUN_TOKEN_URL", "<base>/apps/v1/token", "橙讯 获取访问凭证 endpoint (assumption)"},
	{"CONSOLE_CHENGXUN_APP_KEY", "", "橙讯 app key for fetching tokens"},
	{"CONSOLE_CHENGXUN_APP_SECRET", "", "橙讯 app secret for fetching tokens"},
	{"CONSOLE_SCRM_BASE_URL", "", "SCRM open API base (required in live mode)"},
	{"CONSOLE_SCRM_APP_ID", "", "SCRM appId header"},
	{"CONSOLE_SCRM_APP_KEY", "", "SCRM appKey header"},
	{"CONSOLE_SCRM_SECRET", "", "SCRM signing secret"},
	{"CONSOLE_SCRM_SIGN", "md5", "signing strategy: md5 or hmac-sha256"},
	{"CONSOLE_SCRM_QR_HOSTS", "", "comma-separated hosts (host or host:port) besides the SCRM base URL's that QR images (codeUrl) may come from"},
	{"CONSOLE_TZE_BASE_URL", "https://api.tze.cn", "tze.cn API base (live mode)"},
	{"CONSOLE_TZE_TOKEN", "", "static tze.cn accessToken (else fetched with app id/secret)"},
	{"CONSOLE_TZE_TOKEN_URL", "<base>/user/openapi/token", "tze.cn 获取接口访问凭证 endpoint (assumption)"},
	{"CONSOLE_TZE_APP_ID", "", "tze.cn app id for fetching tokens"},
	{"CONSOLE_TZE_APP_SECRET", "", "tze.cn app secret for fetching tokens"},
	{"CONSOLE_SANDBOX_TOKEN_TTL", "2h", "lifetime of access tokens the sandbox issues"},
	{"CONSOLE_PASSWORD_MEMORY_KIB", "19456", "argon2id memory per password hash in KiB (OWASP baseline 19456; t=2, p=1)"},
	{"CONSOLE_PASSWORD_HASHES", "4", "argon2id hashes at once (each takes CONSOLE_PASSWORD_MEMORY_KIB); a sign-in waits up to 2 s for a turn, then is told the server is busy"},
	{"CONSOLE_TIMEZONE", "Asia/Shanghai", "IANA time zone every time is shown, exported, entered and named in (Beijing time; time zone data is built in)"},
	{"CONSOLE_APPROVAL_ACCOUNTS", "1000", "a card push to more accounts than this, or to a whole organisation, waits for another admin's approval (0 = pushes never wait)"},
	{"CONSOLE_APPROVAL_RECIPIENTS", "50", "a message to more user ids than this, or to any org node, waits for an admin's approval (0 = messages never wait)"},
	{"CONSOLE_FEED_HOSTS", "", "comma-separated hosts (host or host:port) card data feeds may fetch their JSON from, redirects included (sandbox mode adds the sandbox's own)"},
	{"CONSOLE_SANDBOX_DEMO_FEED", "true", "sandbox mode: configure the demo card data feed (今日出勤率 from the sandbox, every 5 minutes) on start"},
}

// Load reads the settings through getenv and checks them.
func Load(getenv func(string) string) (Config, error) {
	get := func(k string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		for _, s := range Settings {
			if s.Env == k && !strings.HasPrefix(s.Default, "<") {
				return s.Default
			}
		}
		return ""
	}
	var errs []error
	dur := func(k string) time.Duration {
		d, err := time.ParseDuration(get(k))
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("%s: not a duration like 30m: %q", k, get(k)))
		}
		return d
	}
	num := func(k string) float64 {
		f, err := strconv.ParseFloat(get(k), 64)
		if err != nil || f < 0 {
			errs = append(errs, fmt.Errorf("%s: not a non-negative number: %q", k, get(k)))
		}
		return f
	}
	c := Config{
		Mode:           Mode(get("CONSOLE_MODE")),
		Addr:           get("CONSOLE_ADDR"),
		DataDir:        filepath.Clean(get("CONSOLE_DATA_DIR")),
		DatabaseURL:    get("CONSOLE_DATABASE_URL"),
		SandboxAddr:    get("CONSOLE_SANDBOX_ADDR"),
		TLSCert:        get("CONSOLE_TLS_CERT"),
		TLSKey:         get("CONSOLE_TLS_KEY"),
		BehindTLS:      get("CONSOLE_BEHIND_TLS") == "true",
		LogLevel:       get("CONSOLE_LOG_LEVEL"),
		LogFormat:      get("CONSOLE_LOG_FORMAT"),
		BodyLimit:      get("CONSOLE_BODY_LIMIT"),
		IdleTimeout:    dur("CONSOLE_SESSION_IDLE"),
		AbsTimeout:     dur("CONSOLE_SESSION_MAX"),
		UpstreamTO:     dur("CONSOLE_UPSTREAM_TIMEOUT"),
		PushWorkers:    int(num("CONSOLE_PUSH_WORKERS")),
		PushRate:       num("CONSOLE_PUSH_RATE"),
		RetryBackoff:   dur("CONSOLE_RETRY_BACKOFF"),
		OrgCacheTTL:    dur("CONSOLE_ORG_CACHE_TTL"),
		DefaultOrgID:   get("CONSOLE_DEFAULT_ORG"),
		DefaultOrgName: get("CONSOLE_DEFAULT_ORG_NAME"),
		SandboxTokTTL:  dur("CONSOLE_SANDBOX_TOKEN_TTL"),
		PasswordKiB:    int(num("CONSOLE_PASSWORD_MEMORY_KIB")),
		PasswordHashes: int(num("CONSOLE_PASSWORD_HASHES")),
		Chengxun: Chengxun{
			BaseURL: get("CONSOLE_CHENGXUN_BASE_URL"), Token: get("CONSOLE_CHENGXUN_TOKEN"),
			TokenURL: get("CONSOLE_CHENGXUN_TOKEN_URL"), AppKey: get("CONSOLE_CHENGXUN_APP_KEY"),
			AppSecret: get("CONSOLE_CHENGXUN_APP_SECRET"),
		},
		SCRM: SCRM{
			BaseURL: get("CONSOLE_SCRM_BASE_URL"), AppID: get("CONSOLE_SCRM_APP_ID"),
			AppKey: get("CONSOLE_SCRM_APP_KEY"), Secret: get("CONSOLE_SCRM_SECRET"),
			SignAlgo: get("CONSOLE_SCRM_SIGN"),
		},
		Tze: Tze{
			BaseURL: get("CONSOLE_TZE_BASE_URL"), Token: get("CONSOLE_TZE_TOKEN"),
			TokenURL: get("CONSOLE_TZE_TOKEN_URL"), AppID: get("CONSOLE_TZE_APP_ID"),
			AppSecret: get("CONSOLE_TZE_APP_SECRET"),
		},
	}
	c.TrustedProxy = list(get("CONSOLE_TRUSTED_PROXIES"))
	c.ApprovalAccounts, c.ApprovalRecipients = int(num("CONSOLE_APPROVAL_ACCOUNTS")), int(num("CONSOLE_APPROVAL_RECIPIENTS"))
	// time.LoadLocation also accepts "Local", the machine's zone (UTC in the
	// Docker image): the console's clock must not depend on the host.
	if tz := get("CONSOLE_TIMEZONE"); tz == "Local" {
		errs = append(errs, errors.New(`CONSOLE_TIMEZONE: name a zone such as Asia/Shanghai or UTC, not "Local"`))
	} else if loc, err := time.LoadLocation(tz); err != nil {
		errs = append(errs, fmt.Errorf("CONSOLE_TIMEZONE: not an IANA time zone like Asia/Shanghai or UTC: %q", tz))
	} else {
		c.Location = loc
	}
	c.SCRM.QRHosts = list(get("CONSOLE_SCRM_QR_HOSTS"))
	c.FeedHosts = list(get("CONSOLE_FEED_HOSTS"))
	c.DemoFeed = get("CONSOLE_SANDBOX_DEMO_FEED") == "true"
	if c.Mode != ModeSandbox && c.Mode != ModeLive {
		errs = append(errs, fmt.Errorf("CONSOLE_MODE: must be sandbox or live, not %q", c.Mode))
	}
	if c.UpstreamTO <= 0 {
		errs = append(errs, errors.New("CONSOLE_UPSTREAM_TIMEOUT: must be more than 0"))
	}
	if c.PushWorkers < 1 || c.PushWorkers > 64 {
		errs = append(errs, errors.New("CONSOLE_PUSH_WORKERS: must be 1 to 64"))
	}
	if c.PasswordKiB < 64 {
		errs = append(errs, errors.New("CONSOLE_PASSWORD_MEMORY_KIB: at least 64"))
	}
	if c.PasswordHashes < 1 || c.PasswordHashes > 64 {
		errs = append(errs, errors.New("CONSOLE_PASSWORD_HASHES: must be 1 to 64"))
	}
	if c.SCRM.SignAlgo != "md5" && c.SCRM.SignAlgo != "hmac-sha256" {
		errs = append(errs, fmt.Errorf("CONSOLE_SCRM_SIGN: must be md5 or hmac-sha256, not %q", c.SCRM.SignAlgo))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("CONSOLE_DATABASE_URL: must be a postgres:// URL (or empty for the embedded SQLite file)"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("CONSOLE_TLS_CERT and CONSOLE_TLS_KEY go together"))
	}
	for _, p := range c.TrustedProxy {
		// A proxy ignored silently would make every client look like it.
		if _, _, err := net.ParseCIDR(p); err != nil {
			errs = append(errs, fmt.Errorf("CONSOLE_TRUSTED_PROXIES: %q is not a CIDR such as 10.0.0.0/8 or 192.0.2.7/32", p))
		}
	}
	if c.Mode == ModeLive {
		for k, v := range map[string]string{"CONSOLE_SCRM_BASE_URL": c.SCRM.BaseURL,
			"CONSOLE_CHENGXUN_BASE_URL": c.Chengxun.BaseURL, "CONSOLE_TZE_BASE_URL": c.Tze.BaseURL} {
			if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				errs = append(errs, fmt.Errorf("%s: an http(s) URL is required in live mode", k))
			}
		}
	}
	return c, errors.Join(errs...)
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// StoreDSN is what the store opens: the PostgreSQL URL, else the SQLite file
// in the data directory.
func (c Config) StoreDSN() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "console.db")
}

// TLS reports whether cookies must be Secure and HSTS sent.
func (c Config) TLS() bool { return c.TLSCert != "" || c.BehindTLS }
