package handlers

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/handlers/approvals"
	"github.com/orgconsole/console/internal/handlers/cards"
	"github.com/orgconsole/console/internal/handlers/channelcodes"
	"github.com/orgconsole/console/internal/handlers/feeds"
	"github.com/orgconsole/console/internal/handlers/messages"
	"github.com/orgconsole/console/internal/handlers/org"
	"github.com/orgconsole/console/internal/handlers/schedule"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
)

// Route is one entry of the route table: who may use it is declared next to
// the path. A route with no roles and not marked Public cannot be registered
// (deny by default).
type Route struct {
	Method  string
	Path    string
	Public  bool        // reachable signed out (sign-in, assets, health)
	Roles   []auth.Role // who may use it when not public
	Handler echo.HandlerFunc
	Nav     *web.NavItem // shown in the navigation to the roles above
	Upload  bool         // a POST taking files: bounded per file (readUploads) instead of by the body limit
	// Audit names the audit action recorded for every use of the route
	// (downloads: every CSV export and template), with its query as detail.
	Audit string
	// Form is the page's form of what the user is editing, on the routes
	// that show it and on its live fragments (previews): see web.EditForm.
	Form *web.EditForm
}

// The pages' forms of what is being edited (web.EditForm).
var (
	composerForm = &web.EditForm{ID: "composer-form", Action: "/messages/compose"}
	editorForm   = &web.EditForm{ID: "editor-form", Action: "/cards/editor"}
)

var (
	everyone    = []auth.Role{auth.RoleAdmin, auth.RoleContent, auth.RoleSupport}
	adminOnly   = []auth.Role{auth.RoleAdmin}
	contentTeam = []auth.Role{auth.RoleAdmin, auth.RoleContent}
)

// Features holds the handlers of the feature areas.
type Features struct {
	Cards        *cards.Handler        // workbench card templates, editor, pushes (issue 3)
	ChannelCodes *channelcodes.Handler // channel live codes list, export, QR images (issue 5)
	Org          *org.Handler          // org tree and node picker (issue 6)
	Messages     *messages.Handler     // compose, preview, drafts, send once, history (issue 4)
	Schedule     *schedule.Handler     // scheduled sends and pushes (issue 11)
	Approvals    *approvals.Handler    // four eyes: requests waiting for another admin (issue 11)
	Feeds        *feeds.Handler        // card data feeds (issue 11)
}

// routes is THE route table: every route of the console, with the roles allowed on it.
func (s *Server) routes() []Route {
	rs := []Route{
		// Public.
		{Method: http.MethodGet, Path: "/static/*", Public: true, Handler: echo.WrapHandler(s.Assets)},
		{Method: http.MethodGet, Path: "/healthz", Public: true, Handler: s.healthz},
		{Method: http.MethodGet, Path: "/readyz", Public: true, Handler: s.readyz},
		{Method: http.MethodGet, Path: "/login", Public: true, Handler: s.loginPage},
		{Method: http.MethodPost, Path: "/login", Public: true, Handler: s.login},
		{Method: http.MethodPost, Path: "/lang", Public: true, Handler: s.switchLang},

		// Every signed-in user.
		{Method: http.MethodPost, Path: "/logout", Roles: everyone, Handler: s.logout},
		{Method: http.MethodGet, Path: "/", Roles: everyone, Handler: s.dashboard,
			Nav: &web.NavItem{Label: "nav.dashboard", Href: "/", TestID: "nav-dashboard"}},
		{Method: http.MethodGet, Path: "/resume/:id", Roles: everyone, Handler: s.resumeForm},
		{Method: http.MethodGet, Path: "/account/sessions", Roles: everyone, Handler: s.mySessions},
		{Method: http.MethodPost, Path: "/account/sessions/end-others", Roles: everyone, Handler: s.endOtherSessions},
	}

	// --- cards (issue 3) ---
	if h := s.Features.Cards; h != nil {
		rs = append(rs,
			Route{Method: http.MethodGet, Path: "/cards", Roles: contentTeam, Handler: h.TemplatesPage,
				Nav: &web.NavItem{Label: "nav.cards", Href: "/cards", TestID: "nav-cards"}},
			Route{Method: http.MethodPost, Path: "/cards/templates", Roles: adminOnly, Handler: h.CreateTemplate},
			Route{Method: http.MethodGet, Path: "/cards/templates/:id/edit", Roles: adminOnly, Handler: h.EditTemplatePage},
			Route{Method: http.MethodPost, Path: "/cards/templates/:id", Roles: adminOnly, Handler: h.UpdateTemplate},
			Route{Method: http.MethodGet, Path: "/cards/templates/:id/delete", Roles: adminOnly, Handler: h.DeleteTemplatePage},
			Route{Method: http.MethodPost, Path: "/cards/templates/:id/delete", Roles: adminOnly, Handler: h.DeleteTemplate},
			Route{Method: http.MethodGet, Path: "/cards/editor", Roles: contentTeam, Handler: h.EditorPage, Form: editorForm},
			Route{Method: http.MethodPost, Path: "/cards/editor", Roles: contentTeam, Handler: h.EditorPost, Form: editorForm},
			Route{Method: http.MethodPost, Path: "/cards/preview", Roles: contentTeam, Handler: h.Preview, Form: editorForm},
			Route{Method: http.MethodPost, Path: "/cards/last", Roles: adminOnly, Handler: h.StartFromLast},
			Route{Method: http.MethodPost, Path: "/cards/targets", Roles: adminOnly, Handler: h.SaveCard},
			Route{Method: http.MethodGet, Path: "/cards/targets", Roles: adminOnly, Handler: h.TargetsPage},
			Route{Method: http.MethodPost, Path: "/cards/confirm", Roles: adminOnly, Handler: h.SaveTargets, Upload: true},
			Route{Method: http.MethodGet, Path: "/cards/confirm", Roles: adminOnly, Handler: h.ConfirmPage},
			Route{Method: http.MethodGet, Path: "/cards/upload-templates/:file", Roles: adminOnly, Handler: h.UploadTemplate, Audit: "cards.upload_template"},
			Route{Method: http.MethodPost, Path: "/cards/push", Roles: adminOnly, Handler: h.Push},
			Route{Method: http.MethodGet, Path: "/cards/jobs", Roles: adminOnly, Handler: h.JobsPage},
			Route{Method: http.MethodGet, Path: "/cards/jobs/:id", Roles: adminOnly, Handler: h.JobPage},
			Route{Method: http.MethodPost, Path: "/cards/jobs/:id/retry", Roles: adminOnly, Handler: h.RetryJob},
			Route{Method: http.MethodPost, Path: "/cards/jobs/:id/pause", Roles: adminOnly, Handler: h.PauseJob},
			Route{Method: http.MethodPost, Path: "/cards/jobs/:id/resume", Roles: adminOnly, Handler: h.ResumeJob},
			Route{Method: http.MethodGet, Path: "/cards/jobs/:id/cancel", Roles: adminOnly, Handler: h.CancelJobPage},
			Route{Method: http.MethodPost, Path: "/cards/jobs/:id/cancel", Roles: adminOnly, Handler: h.CancelJob},
			Route{Method: http.MethodGet, Path: "/cards/jobs/:id/failed.csv", Roles: adminOnly, Handler: h.FailedExport, Audit: "cards.push.failed_export"},
			Route{Method: http.MethodPost, Path: "/cards/jobs/:id/repush", Roles: adminOnly, Handler: h.Repush},
		)
	}
	// --- card data feeds (issue 11) ---
	if f := s.Features.Feeds; f != nil {
		rs = append(rs,
			Route{Method: http.MethodGet, Path: "/cards/feeds", Roles: adminOnly, Handler: f.List,
				Nav: &web.NavItem{Label: "nav.feeds", Href: "/cards/feeds", TestID: "nav-feeds"}},
			Route{Method: http.MethodGet, Path: "/cards/feeds/new", Roles: adminOnly, Handler: f.NewPage},
			Route{Method: http.MethodPost, Path: "/cards/feeds", Roles: adminOnly, Handler: f.Create},
			Route{Method: http.MethodGet, Path: "/cards/feeds/:id", Roles: adminOnly, Handler: f.Page},
			Route{Method: http.MethodGet, Path: "/cards/feeds/:id/edit", Roles: adminOnly, Handler: f.EditPage},
			Route{Method: http.MethodPost, Path: "/cards/feeds/:id", Roles: adminOnly, Handler: f.Update},
			Route{Method: http.MethodPost, Path: "/cards/feeds/:id/run", Roles: adminOnly, Handler: f.RunNow},
			Route{Method: http.MethodPost, Path: "/cards/feeds/:id/resume", Roles: adminOnly, Handler: f.Resume},
		)
	}
	// --- messages (issue 4) ---
	if m := s.Features.Messages; m != nil {
		rs = append(rs,
			Route{Method: http.MethodGet, Path: "/messages", Roles: contentTeam, Handler: m.Index,
				Nav: &web.NavItem{Label: "nav.messages", Href: "/messages", TestID: "nav-messages"}},
			Route{Method: http.MethodGet, Path: "/messages/new", Roles: contentTeam, Handler: m.New, Form: composerForm},
			Route{Method: http.MethodPost, Path: "/messages/compose", Roles: contentTeam, Handler: m.Compose, Form: composerForm},
			Route{Method: http.MethodPost, Path: "/messages/preview", Roles: contentTeam, Handler: m.Preview, Form: composerForm},
			Route{Method: http.MethodGet, Path: "/messages/swatch.svg", Roles: contentTeam, Handler: m.Swatch},
			Route{Method: http.MethodPost, Path: "/messages/send", Roles: contentTeam, Handler: m.Send},
			Route{Method: http.MethodGet, Path: "/messages/drafts", Roles: contentTeam, Handler: m.Drafts},
			Route{Method: http.MethodGet, Path: "/messages/drafts/:id", Roles: contentTeam, Handler: m.Draft},
			Route{Method: http.MethodGet, Path: "/messages/drafts/:id/delete", Roles: contentTeam, Handler: m.DraftDeletePage},
			Route{Method: http.MethodPost, Path: "/messages/drafts/:id/delete", Roles: contentTeam, Handler: m.DraftDelete},
			Route{Method: http.MethodGet, Path: "/messages/history", Roles: contentTeam, Handler: m.History},
			Route{Method: http.MethodGet, Path: "/messages/history/:id", Roles: contentTeam, Handler: m.Detail},
			Route{Method: http.MethodGet, Path: "/messages/history/:id/retry", Roles: contentTeam, Handler: m.Retry},
			Route{Method: http.MethodPost, Path: "/messages/history/:id/duplicate", Roles: contentTeam, Handler: m.Duplicate},
		)
	}
	// --- scheduled sends and pushes (issue 11): content staff change scheduled
	// sends, admins sends and pushes ---
	if sc := s.Features.Schedule; sc != nil {
		rs = append(rs,
			Route{Method: http.MethodGet, Path: "/schedule", Roles: contentTeam, Handler: sc.List,
				Nav: &web.NavItem{Label: "nav.schedule", Href: "/schedule", TestID: "nav-schedule"}},
			Route{Method: http.MethodGet, Path: "/schedule/sends/:id", Roles: contentTeam, Handler: sc.Page(store.ItemSend)},
			Route{Method: http.MethodPost, Path: "/schedule/sends/:id/reschedule", Roles: contentTeam, Handler: sc.Reschedule(store.ItemSend)},
			Route{Method: http.MethodPost, Path: "/schedule/sends/:id/cancel", Roles: contentTeam, Handler: sc.Cancel(store.ItemSend)},
			Route{Method: http.MethodGet, Path: "/schedule/pushes/:id", Roles: adminOnly, Handler: sc.Page(store.ItemPush)},
			Route{Method: http.MethodPost, Path: "/schedule/pushes/:id/reschedule", Roles: adminOnly, Handler: sc.Reschedule(store.ItemPush)},
			Route{Method: http.MethodPost, Path: "/schedule/pushes/:id/cancel", Roles: adminOnly, Handler: sc.Cancel(store.ItemPush)},
		)
	}
	// --- approvals (issue 11) ---
	if a := s.Features.Approvals; a != nil {
		rs = append(rs,
			Route{Method: http.MethodGet, Path: "/approvals", Roles: adminOnly, Handler: a.List,
				Nav: &web.NavItem{Label: "nav.approvals", Href: "/approvals", TestID: "nav-approvals", Count: a.Count}},
			Route{Method: http.MethodGet, Path: "/approvals/:id", Roles: adminOnly, Handler: a.Page},
			Route{Method: http.MethodPost, Path: "/approvals/:id/approve", Roles: adminOnly, Handler: a.Approve},
			Route{Method: http.MethodPost, Path: "/approvals/:id/reject", Roles: adminOnly, Handler: a.Reject},
		)
	}
	// --- channel codes (issue 5) ---
	if cc := s.Features.ChannelCodes; cc != nil {
		rs = append(rs,
			Route{Method: http.MethodGet, Path: "/channel-codes", Roles: everyone, Handler: cc.List,
				Nav: &web.NavItem{Label: "nav.channel_codes", Href: "/channel-codes", TestID: "nav-channel-codes"}},
			Route{Method: http.MethodGet, Path: "/channel-codes/export.csv", Roles: everyone, Handler: cc.Export, Audit: "channelcodes.export"},
			Route{Method: http.MethodGet, Path: "/channel-codes/qr/:file", Roles: everyone, Handler: cc.QR},
		)
	}
	// --- org tree (issue 6) ---
	if o := s.Features.Org; o != nil {
		rs = append(rs,
			Route{Method: http.MethodGet, Path: "/org", Roles: everyone, Handler: o.Tree,
				Nav: &web.NavItem{Label: "nav.org", Href: "/org", TestID: "nav-org"}},
			Route{Method: http.MethodGet, Path: "/org/children", Roles: everyone, Handler: o.Children},
			Route{Method: http.MethodGet, Path: "/org/node/:id", Roles: everyone, Handler: o.Node},
			Route{Method: http.MethodGet, Path: "/org/search", Roles: everyone, Handler: o.Search},
			Route{Method: http.MethodPost, Path: "/org/refresh", Roles: everyone, Handler: o.Refresh},
			Route{Method: http.MethodGet, Path: "/org/export.csv", Roles: everyone, Handler: o.Export, Audit: "org.export"},
			Route{Method: http.MethodGet, Path: "/org/picker/search", Roles: everyone, Handler: o.PickerSearch},
			Route{Method: http.MethodGet, Path: "/org/picker/browse", Roles: everyone, Handler: o.PickerBrowser},
			Route{Method: http.MethodPost, Path: "/org/picker/chip", Roles: everyone, Handler: o.PickerChip},
			Route{Method: http.MethodPost, Path: "/org/picker/remove", Roles: everyone, Handler: o.PickerRemove},
		)
	}

	rs = append(rs,
		// Administration.
		Route{Method: http.MethodGet, Path: "/admin/users", Roles: adminOnly, Handler: s.usersPage,
			Nav: &web.NavItem{Section: "nav.section.admin", Label: "nav.users", Href: "/admin/users", TestID: "nav-users"}},
		Route{Method: http.MethodPost, Path: "/admin/users", Roles: adminOnly, Handler: s.createUser},
		Route{Method: http.MethodPost, Path: "/admin/users/:id/role", Roles: adminOnly, Handler: s.changeRole},
		Route{Method: http.MethodGet, Path: "/admin/users/:id/disable", Roles: adminOnly, Handler: s.confirmDisable},
		Route{Method: http.MethodPost, Path: "/admin/users/:id/disable", Roles: adminOnly, Handler: s.setDisabled},
		Route{Method: http.MethodGet, Path: "/admin/users/:id/end-sessions", Roles: adminOnly, Handler: s.confirmEndSessions},
		Route{Method: http.MethodPost, Path: "/admin/users/:id/end-sessions", Roles: adminOnly, Handler: s.endSessions},
		Route{Method: http.MethodGet, Path: "/admin/users/:id", Roles: adminOnly, Handler: s.userPage},
		Route{Method: http.MethodGet, Path: "/admin/users/:id/password", Roles: adminOnly, Handler: s.passwordPage},
		Route{Method: http.MethodPost, Path: "/admin/users/:id/password", Roles: adminOnly, Handler: s.resetPassword},
		Route{Method: http.MethodGet, Path: "/audit", Roles: adminOnly, Handler: s.auditPage,
			Nav: &web.NavItem{Section: "nav.section.admin", Label: "nav.audit", Href: "/audit", TestID: "nav-audit"}},
		Route{Method: http.MethodGet, Path: "/audit/export.csv", Roles: adminOnly, Handler: s.auditExport, Audit: "audit.export"},
		Route{Method: http.MethodGet, Path: "/status", Roles: adminOnly, Handler: s.statusPage,
			Nav: &web.NavItem{Section: "nav.section.admin", Label: "nav.status", Href: "/status", TestID: "nav-status"}},
		Route{Method: http.MethodPost, Path: "/status/probe", Roles: adminOnly, Handler: s.probeUpstream},
	)
	if s.Sandbox != nil {
		rs = append(rs,
			Route{Method: http.MethodGet, Path: "/sandbox", Roles: adminOnly, Handler: s.sandboxPage,
				Nav: &web.NavItem{Section: "nav.section.admin", Label: "nav.sandbox", Href: "/sandbox", TestID: "nav-sandbox"}},
			Route{Method: http.MethodPost, Path: "/sandbox/faults", Roles: adminOnly, Handler: s.setFault},
			Route{Method: http.MethodPost, Path: "/sandbox/reset", Roles: adminOnly, Handler: s.resetSandbox},
		)
		if h := s.Features.Cards; h != nil {
			rs = append(rs, Route{Method: http.MethodGet, Path: "/sandbox/cards", Roles: adminOnly, Handler: h.SandboxCards})
		}
	}
	return rs
}

// register adds the routes to Echo, each behind its role check, and keeps
// the navigation they declare.
func (s *Server) register(e *echo.Echo, rs []Route) error {
	for _, r := range rs {
		if !r.Public && len(r.Roles) == 0 {
			return fmt.Errorf("route %s %s declares no roles", r.Method, r.Path)
		}
		if r.Public {
			e.Add(r.Method, r.Path, r.Handler).Name = PolicyPublic
			continue
		}
		h := r.Handler
		if r.Audit != "" {
			h = s.audited(r.Audit, h)
		}
		e.Add(r.Method, r.Path, h, s.requireRoles(r)).Name = policyName(r.Roles)
		if r.Method == http.MethodPost {
			s.postRoutes[r.Path] = true
			if r.Upload {
				s.uploadRoutes[r.Path] = true
			}
		}
		if r.Form != nil {
			s.editForms[r.Form.Action] = true
		}
		if r.Nav != nil {
			s.nav = append(s.nav, navEntry{item: *r.Nav, roles: r.Roles})
		}
	}
	return nil
}

// audited records one audit entry per use of a route once its handler has
// answered: who downloaded what (the path and query), and whether it worked.
func (s *Server) audited(action string, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		outcome := store.OutcomeOK
		if err != nil || c.Response().Status >= 400 {
			outcome = store.OutcomeFailed
		}
		r := c.Request()
		if aerr := s.Store.Audit(context.WithoutCancel(r.Context()), store.AuditEntry{Actor: web.Actor(c), Action: action,
			Target: clip(r.URL.Path, 200), Detail: clip(r.URL.RawQuery, 500), Outcome: outcome, IP: c.RealIP()}); aerr != nil {
			s.Log.Error("audit", "action", action, "err", aerr)
		}
		return err
	}
}

// PolicyPublic names a registered route anyone may use. Other routes are
// named "roles:" and their roles, so tests can walk the registered routes and
// check each against what the table declares.
const PolicyPublic = "public"

func policyName(roles []auth.Role) string {
	s := "roles:"
	for i, r := range roles {
		if i > 0 {
			s += ","
		}
		s += string(r)
	}
	return s
}

type navEntry struct {
	item  web.NavItem
	roles []auth.Role
}

// navMiddleware gives the layout the links this viewer may open.
func (s *Server) navMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		info := web.Current(c)
		if info.Viewer != nil {
			for _, n := range s.nav {
				if !slices.Contains(n.roles, info.Viewer.Role) {
					continue
				}
				item := n.item
				if item.Count != nil && !web.IsHTMX(c) { // fragments (polls) show no navigation
					var err error
					if item.Badge, err = item.Count(c.Request().Context(), info.Viewer); err != nil {
						return err
					}
				}
				info.Nav = append(info.Nav, item)
			}
		}
		return next(c)
	}
}

// requireRoles lets a request through only for a signed-in user with one of
// the roles. Signed out: GETs go to the sign-in page and come back; a form
// POSTed after the session expired is kept so it can be sent again after
// signing in.
func (s *Server) requireRoles(r Route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			info := web.Current(c)
			if info.Viewer == nil {
				return s.toLogin(c, r)
			}
			if !slices.Contains(r.Roles, info.Viewer.Role) {
				return echo.NewHTTPError(http.StatusForbidden)
			}
			info.Form = r.Form
			return next(c)
		}
	}
}
