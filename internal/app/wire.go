package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/approval"
	"github.com/orgconsole/console/internal/auth"
	cardpush "github.com/orgconsole/console/internal/cards"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/clients/scrm"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/config"
	"github.com/orgconsole/console/internal/feeds"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/handlers"
	approvalsh "github.com/orgconsole/console/internal/handlers/approvals"
	cardsh "github.com/orgconsole/console/internal/handlers/cards"
	"github.com/orgconsole/console/internal/handlers/channelcodes"
	feedsh "github.com/orgconsole/console/internal/handlers/feeds"
	"github.com/orgconsole/console/internal/handlers/messages"
	orgh "github.com/orgconsole/console/internal/handlers/org"
	"github.com/orgconsole/console/internal/handlers/schedule"
	"github.com/orgconsole/console/internal/jobs"
	"github.com/orgconsole/console/internal/orgcache"
	"github.com/orgconsole/console/internal/sandbox"
	sbchengxun "github.com/orgconsole/console/internal/sandbox/chengxun"
	sbfeeds "github.com/orgconsole/console/internal/sandbox/feeds"
	sbscrm "github.com/orgconsole/console/internal/sandbox/scrm"
	sbtze "github.com/orgconsole/console/internal/sandbox/tze"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	"github.com/orgconsole/console/web/static"
)

// Sandbox credentials: the console's clients and the fakes agree on them, so
// the sandbox exercises the same token fetching and request signing as live.
const (
	sandboxSCRMAppID  = "sandbox-scrm-app"
	sandboxSCRMAppKey = "sandbox-scrm-key"
	sandboxSCRMSecret = "sandbox-scrm-secret"
	sandboxTzeAppID   = "sandbox-tze-app"
	sandboxTzeSecret  = "sandbox-tze-secret"
)

// App is the built console.
type App struct {
	Config   config.Config
	Echo     *echo.Echo
	Store    *store.Store
	Sandbox  *sandbox.Server // nil in live mode
	Chengxun *chengxun.Client
	SCRM     *scrm.Client
	Tze      *tze.Client
	Jobs     *jobs.Queue // every platform write (card push calls, message sends), as River jobs
	Sessions *web.Sessions
	log      *slog.Logger
}

// Build opens the store, starts the sandbox in sandbox mode, creates the
// clients and the HTTP handlers.
func Build(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Store: st, log: log}
	hasher := auth.NewHasher(cfg.PasswordKiB, cfg.PasswordHashes) // the process's one hasher: it bounds concurrent hashes
	ok := false
	defer func() {
		if !ok {
			a.Close()
		}
	}()
	if cfg.Mode == config.ModeSandbox {
		if a.Sandbox, err = startSandbox(cfg, log); err != nil {
			return nil, err
		}
		cfg = sandboxUpstreams(cfg, a.Sandbox)
		if err := ensureDemoAccounts(ctx, st, hasher); err != nil {
			return nil, err
		}
	} else if err := refuseSandboxPasswords(ctx, st, hasher, log); err != nil {
		return nil, err
	}
	a.Config = cfg
	if err := a.buildClients(); err != nil {
		return nil, err
	}
	keys, err := web.EnsureKeys(ctx, st, cfg.DataDir, log)
	if err != nil {
		return nil, err
	}
	assets, err := static.NewAssets()
	if err != nil {
		return nil, err
	}
	// One org handler: the org pages and the message composer's recipient picker share its cache.
	orgHandler := orgh.New(a.Tze, orgcache.New(orgcache.TzeFetch(a.Tze), cfg.OrgCacheTTL), cfg.DefaultOrgID)
	orgHandler.DefaultOrgName = cfg.DefaultOrgName
	// Card data feeds fetch only from CONSOLE_FEED_HOSTS (and the sandbox).
	fetcher := feeds.NewFetcher(feeds.Hosts(cfg.FeedHosts), cfg.UpstreamTO)
	// Deferred work: every platform write is a job (internal/jobs).
	if a.Jobs, err = jobs.New(ctx, st, jobs.Platforms{Chengxun: a.Chengxun, Tze: a.Tze, Feeds: fetcher}, jobs.Config{
		DSN: cfg.StoreDSN(), PushWorkers: cfg.PushWorkers, PushRate: cfg.PushRate, CallTimeout: cfg.UpstreamTO, Log: log,
		PollInterval: time.Second, RetryBackoff: cfg.RetryBackoff, Location: cfg.Location,
	}); err != nil {
		return nil, err
	}
	var cardFake *sbchengxun.Fake
	if a.Sandbox != nil {
		cardFake, _ = a.Sandbox.Platform(sbchengxun.Name).(*sbchengxun.Fake)
		if cfg.DemoFeed {
			if err := ensureDemoFeed(ctx, st, a.Sandbox, cardFake); err != nil {
				return nil, err
			}
		}
	}
	if err := a.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	a.Sessions = web.NewSessions(st, web.SessionOptions{
		Keys: keys, Secure: cfg.TLS(), Idle: cfg.IdleTimeout, Absolute: cfg.AbsTimeout,
	})
	// Four eyes: which pushes and messages wait for another admin.
	policy := approval.Policy{Accounts: cfg.ApprovalAccounts, Recipients: cfg.ApprovalRecipients}
	cards := cardsh.New(a.Chengxun, st, a.Jobs, cardFake)
	cards.Approval = policy
	feedsHandler := feedsh.New(a.Chengxun, st, fetcher, a.Jobs)
	feedsHandler.Approval = policy // a feed's runs are pushes: its settings are approved once
	cards.Pace = cardpush.Pace{Workers: cfg.PushWorkers, Rate: cfg.PushRate,
		Latency: func() time.Duration { return a.Chengxun.Upstream().Stats.Snapshot().P50 }}
	a.Echo, err = handlers.New(handlers.Deps{
		Config:    cfg,
		Store:     st,
		Hasher:    hasher,
		Sessions:  a.Sessions,
		Assets:    assets,
		Log:       log,
		Sandbox:   a.Sandbox,
		Upstreams: a.upstreams(cfg),
		OrgCache:  orgHandler.Cache,
		Jobs:      a.Jobs,
		Features: handlers.Features{
			Cards:        cards,
			ChannelCodes: channelcodes.New(channelcodes.Config{Codes: a.SCRM, SCRMBaseURL: cfg.SCRM.BaseURL, QRHosts: cfg.SCRM.QRHosts, QRTimeout: cfg.UpstreamTO, Log: log}),
			Org:          orgHandler,
			Messages:     messages.New(st, a.Tze, a.Jobs, messages.Options{Picker: orgHandler, DefaultOrgID: cfg.DefaultOrgID, Approval: policy}),
			Schedule:     schedule.New(st, a.Jobs),
			Approvals:    approvalsh.New(st, store.ApprovalQueue{Calls: a.Jobs.EnqueueCalls, Send: a.Jobs.EnqueueSend, Start: a.Jobs}),
			Feeds:        feedsHandler,
		},
	})
	if err != nil {
		return nil, err
	}
	ok = true
	return a, nil
}

// Close releases everything Build opened.
func (a *App) Close() {
	if a.Jobs != nil { // before the store and the sandbox they use
		// Jobs in flight get a moment to finish; the rest run again later.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = a.Jobs.Stop(ctx)
		cancel()
	}
	if a.Sandbox != nil {
		_ = a.Sandbox.Close()
	}
	if a.Store != nil {
		_ = a.Store.Close()
	}
}

func startSandbox(cfg config.Config, log *slog.Logger) (*sandbox.Server, error) {
	sb := sandbox.New(log.With("component", "sandbox"))
	sb.Add(sbchengxun.New(sandbox.NewTokens(cfg.SandboxTokTTL), sbchengxun.Options{}))
	sb.Add(sbscrm.New(sbscrm.Credentials{AppID: sandboxSCRMAppID, AppKey: sandboxSCRMAppKey, Secret: sandboxSCRMSecret, SignAlgo: cfg.SCRM.SignAlgo},
		nil, sbscrm.WithBaseURL(func() string { return sb.BaseURL("scrm") })))
	sb.Add(sbtze.New(sandbox.NewTokens(cfg.SandboxTokTTL), sbtze.WithCredentials(sandboxTzeAppID, sandboxTzeSecret)))
	sb.Add(sbfeeds.New())
	if err := sb.Start(cfg.SandboxAddr); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return sb, nil
}

// sandboxUpstreams points every client at the running fakes.
func sandboxUpstreams(cfg config.Config, sb *sandbox.Server) config.Config {
	cfg.Chengxun = config.Chengxun{BaseURL: sb.BaseURL("chengxun"), AppKey: sbchengxun.SandboxAppKey, AppSecret: sbchengxun.SandboxAppSecret}
	cfg.SCRM = config.SCRM{BaseURL: sb.BaseURL("scrm"), AppID: sandboxSCRMAppID, AppKey: sandboxSCRMAppKey, Secret: sandboxSCRMSecret, SignAlgo: cfg.SCRM.SignAlgo, QRHosts: cfg.SCRM.QRHosts}
	cfg.Tze = config.Tze{BaseURL: sb.BaseURL("tze"), AppID: sandboxTzeAppID, AppSecret: sandboxTzeSecret}
	if cfg.DefaultOrgID == "" {
		cfg.DefaultOrgID, cfg.DefaultOrgName = sbtze.SeedBureauID, sbtze.SeedBureauName
	}
	// The sandbox's demo feed is fetched from the sandbox itself.
	cfg.FeedHosts = append(slices.Clip(cfg.FeedHosts), strings.TrimPrefix(sb.URL(), "http://"))
	return cfg
}

// sandboxEnv is the environment that points a console in live mode at a
// standalone sandbox (`console sandbox` prints it): the settings
// sandboxUpstreams fills in.
func sandboxEnv(cfg config.Config) []string {
	return []string{
		"CONSOLE_CHENGXUN_BASE_URL=" + cfg.Chengxun.BaseURL,
		"CONSOLE_CHENGXUN_APP_KEY=" + cfg.Chengxun.AppKey,
		"CONSOLE_CHENGXUN_APP_SECRET=" + cfg.Chengxun.AppSecret,
		"CONSOLE_SCRM_BASE_URL=" + cfg.SCRM.BaseURL,
		"CONSOLE_SCRM_APP_ID=" + cfg.SCRM.AppID,
		"CONSOLE_SCRM_APP_KEY=" + cfg.SCRM.AppKey,
		"CONSOLE_SCRM_SECRET=" + cfg.SCRM.Secret,
		"CONSOLE_TZE_BASE_URL=" + cfg.Tze.BaseURL,
		"CONSOLE_TZE_APP_ID=" + cfg.Tze.AppID,
		"CONSOLE_TZE_APP_SECRET=" + cfg.Tze.AppSecret,
		"CONSOLE_DEFAULT_ORG=" + cfg.DefaultOrgID,
		"CONSOLE_DEFAULT_ORG_NAME=" + cfg.DefaultOrgName,
	}
}

// demoFeedKey names the sandbox's demo feed, configured once.
const demoFeedKey = "sandbox-attendance"

// ensureDemoFeed configures the sandbox's demo feed (sandbox mode only,
// once; a later start only points it at the sandbox's new address): today's
// attendance, from the sandbox's feed, into the seeded KEYDATA template at
// the seeded education bureau, every 5 minutes, with its first run due
// now, so a newcomer sees it push and then find nothing new.
func ensureDemoFeed(ctx context.Context, st *store.Store, sb *sandbox.Server, cards *sbchengxun.Fake) error {
	var tpl sbchengxun.Template
	for _, t := range cards.Templates() {
		if t.Type == sbchengxun.TypeKeyData {
			tpl = t
			break
		}
	}
	if tpl.ID == "" {
		return nil // a sandbox without a KEYDATA template: nothing to fill
	}
	f := store.CardFeed{Name: demoFeedName, TemplateID: tpl.ID, TemplateName: tpl.Name, CardType: tpl.Type,
		Target: forms.TargetOrg, EnterpriseID: sbtze.SeedBureauID, URL: sb.BaseURL(sbfeeds.Name) + sbfeeds.PathAttendance,
		EveryMinutes: 5, Enabled: true, NextRunAt: time.Now(), CreatedBy: "system"}
	_, _, err := st.EnsureDemoFeed(ctx, demoFeedKey, f, store.AuditEntry{Actor: "system", Action: "cards.feed.create", Detail: "demo=sandbox"})
	return err
}

// demoFeedName is the demo feed's name (data, like the demo accounts' names).
const demoFeedName = "今日出勤率（演示）"

// tokenSource is a static token when configured, else fetched and cached.
func tokenSource(static string, fetch upstream.FetchFunc) upstream.TokenSource {
	if static != "" {
		return upstream.StaticToken(static)
	}
	return upstream.NewCachedToken(fetch, 5*time.Minute)
}

func orDefault(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

func (a *App) buildClients() error {
	cfg := a.Config
	hc := &http.Client{Timeout: cfg.UpstreamTO}
	a.Chengxun = chengxun.New(upstream.Config{
		Platform: upstream.Chengxun, BaseURL: cfg.Chengxun.BaseURL, Timeout: cfg.UpstreamTO,
		Tokens: tokenSource(cfg.Chengxun.Token, chengxun.TokenFetcher(
			orDefault(cfg.Chengxun.TokenURL, cfg.Chengxun.BaseURL+chengxun.DefaultTokenPath), cfg.Chengxun.AppKey, cfg.Chengxun.AppSecret, hc)),
	})
	var err error
	if a.SCRM, err = scrm.FromConfig(cfg.SCRM, cfg.UpstreamTO); err != nil {
		return err
	}
	a.Tze = tze.New(upstream.Config{
		Platform: upstream.Tze, BaseURL: cfg.Tze.BaseURL, Timeout: cfg.UpstreamTO,
		Tokens: tokenSource(cfg.Tze.Token, tze.TokenFetcher(
			orDefault(cfg.Tze.TokenURL, cfg.Tze.BaseURL+tze.DefaultTokenPath), cfg.Tze.AppID, cfg.Tze.AppSecret, hc)),
	})
	return nil
}

// demoAccounts exist in sandbox mode only.
var demoAccounts = []struct {
	name, display string
	role          auth.Role
}{
	{"admin", "演示管理员", auth.RoleAdmin},
	{"content", "演示内容运营", auth.RoleContent},
	{"support", "演示客服", auth.RoleSupport},
}

func ensureDemoAccounts(ctx context.Context, st *store.Store, hasher *auth.Hasher) error {
	for _, d := range demoAccounts {
		_, err := st.UserByName(ctx, d.name)
		if err == nil {
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		hash, err := hasher.Hash(ctx, auth.SandboxPassword)
		if err != nil {
			return err
		}
		if _, err := st.CreateUser(ctx, store.User{Username: d.name, DisplayName: d.display, Role: d.role, PasswordHash: hash},
			store.AuditEntry{Actor: "system", Action: "user.create", Target: d.name, Detail: "demo=sandbox"}); err != nil {
			return err
		}
	}
	return nil
}

// refuseSandboxPasswords stops a live console while any account still has
// the published sandbox password.
func refuseSandboxPasswords(ctx context.Context, st *store.Store, hasher *auth.Hasher, log *slog.Logger) error {
	users, err := st.ListUsers(ctx)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		log.Warn("no accounts yet: create the first admin with `console user add NAME -role admin`")
	}
	for _, u := range users {
		if ok, _ := hasher.Check(ctx, u.PasswordHash, auth.SandboxPassword); ok {
			return fmt.Errorf("live mode refuses to start: account %q still has the sandbox password; change it with `console user passwd %s`", u.Username, u.Username)
		}
	}
	return nil
}

// housekeeping purges expired sessions, old sign-in attempts, kept forms and
// card push drafts.
func (a *App) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		now := time.Now()
		if err := a.Store.PurgeSessions(ctx, now.Add(-a.Config.IdleTimeout), now.Add(-a.Config.AbsTimeout)); err != nil && ctx.Err() == nil {
			a.log.Warn("purge sessions", "err", err)
		}
		if err := a.Store.PurgeLoginAttempts(ctx, now); err != nil && ctx.Err() == nil {
			a.log.Warn("purge login attempts", "err", err)
		}
		if err := a.Store.PurgeForms(ctx, now.Add(-store.StashMaxAge)); err != nil && ctx.Err() == nil {
			a.log.Warn("purge kept forms", "err", err)
		}
		if err := a.Store.PurgePushDrafts(ctx, now.Add(-store.PushDraftMaxAge)); err != nil && ctx.Err() == nil {
			a.log.Warn("purge card push drafts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// upstreams are the platforms on the status page, each with a harmless read
// call as its connection check.
func (a *App) upstreams(cfg config.Config) []handlers.Upstream {
	return []handlers.Upstream{
		{Name: "chengxun", Source: a.Chengxun.Upstream(), Probe: func(ctx context.Context) error {
			_, err := a.Chengxun.ListTemplates(ctx)
			return err
		}},
		{Name: "scrm", Source: a.SCRM.Upstream(), Probe: func(ctx context.Context) error {
			_, err := a.SCRM.List(ctx, scrm.ListRequest{Size: 1})
			return err
		}},
		{Name: "tze", Source: a.Tze.Upstream(), Probe: func(ctx context.Context) error {
			if cfg.DefaultOrgID == "" {
				_, err := a.Tze.Upstream().Tokens().Token(ctx) // no org to read: the token fetch is the check
				return err
			}
			_, err := a.Tze.OrgChildList(ctx, tze.OrgChildListRequest{OrgID: cfg.DefaultOrgID, ParentID: cfg.DefaultOrgID})
			return err
		}},
	}
}
