package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/csvexport"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/sandbox"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	"github.com/orgconsole/console/web/templates/pages"
)

func (s *Server) upstreamStatus() []upstream.Status {
	out := make([]upstream.Status, 0, len(s.Upstreams))
	for _, u := range s.Upstreams {
		out = append(out, u.Source.Status())
	}
	return out
}

func (s *Server) dashboard(c echo.Context) error {
	v := web.Current(c).Viewer
	f := store.AuditFilter{}
	all := v.Role == auth.RoleAdmin
	if !all {
		f.Actor = v.Username
	}
	ctx := c.Request().Context()
	recent, _, err := s.Store.ListAudit(ctx, f, 0, 10)
	if err != nil {
		return err
	}
	p := pages.DashboardProps{Upstreams: s.upstreamStatus(), Recent: recent, AllUsers: all}
	// Each role sees its own work in progress first.
	if v.Role == auth.RoleAdmin {
		p.ShowPushes = true
		if p.Pushes, _, err = s.Store.ListPushJobs(ctx, 0, dashboardRows); err != nil {
			return err
		}
		if p.PausedFeeds, err = s.Store.PausedFeeds(ctx); err != nil {
			return err
		}
	}
	if v.Role == auth.RoleAdmin || v.Role == auth.RoleContent {
		p.ShowMessages = true
		if p.Sends, _, err = s.Store.ListMessageSends(ctx, store.SendFilter{}, 0, dashboardRows); err != nil {
			return err
		}
		drafts, err := s.Store.ListDrafts(ctx, v.ID)
		if err != nil {
			return err
		}
		p.Drafts = len(drafts)
	}
	// Four eyes: the viewer's own requests and how they were decided, and
	// for admins what waits for them.
	if p.MyApprovals, _, err = s.Store.ListApprovals(ctx, store.ApprovalFilter{RequestedBy: v.Username}, 0, dashboardRows); err != nil {
		return err
	}
	if v.Role == auth.RoleAdmin {
		if p.ApprovalsForMe, err = s.Store.PendingApprovalsFor(ctx, v.Username); err != nil {
			return err
		}
	}
	return web.Render(c, http.StatusOK, pages.Dashboard(p))
}

// dashboardRows is how many recent pushes and sends the dashboard lists.
const dashboardRows = 5

func (s *Server) statusPage(c echo.Context) error {
	p, err := s.statusProps(c.Request().Context(), nil)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, pages.Status(p))
}

func (s *Server) statusProps(ctx context.Context, probe *pages.ProbeResult) (pages.StatusProps, error) {
	p := pages.StatusProps{Upstreams: s.upstreamStatus(), Probe: probe}
	if s.Jobs != nil {
		ops := &pages.OpsProps{Backend: s.Store.Backend(), Location: s.Store.Location()}
		var err error
		if ops.Migrations, err = s.Store.Migrations(ctx); err != nil {
			return p, err
		}
		if ops.Jobs, err = s.Jobs.Status(ctx); err != nil {
			return p, err
		}
		if ops.Outcomes, err = s.Store.Outcomes(ctx); err != nil {
			return p, err
		}
		p.Ops = ops
	}
	if s.OrgCache != nil {
		st := s.OrgCache.Stats()
		p.OrgCache = &st
	}
	for _, u := range s.Upstreams {
		p.Names = append(p.Names, u.Name)
	}
	return p, nil
}

// probeUpstream makes one read call to a platform and shows how it went. It
// changes nothing upstream, but it is a POST (with CSRF) because it makes the
// console call out. The page's upstream budget bounds it, token fetch included.
func (s *Server) probeUpstream(c echo.Context) error {
	name := c.FormValue("platform")
	for _, u := range s.Upstreams {
		if u.Name != name {
			continue
		}
		start := s.Now()
		err := u.Probe(c.Request().Context())
		res := &pages.ProbeResult{Platform: u.Source.Status().Platform, Took: s.Now().Sub(start), Err: err}
		status := http.StatusOK
		if err != nil {
			status = http.StatusBadGateway
		}
		p, err := s.statusProps(c.Request().Context(), res)
		if err != nil {
			return err
		}
		return web.Render(c, status, pages.Status(p))
	}
	return echo.NewHTTPError(http.StatusBadRequest)
}

// --- users ---

// maxUserQuery bounds the user search box (usernames are 32, display names 64).
const maxUserQuery = 64

func (s *Server) renderUsers(c echo.Context, status int, f forms.UserForm, errs forms.Errors) error {
	ctx := c.Request().Context()
	users, err := s.Store.ListUsers(ctx)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	if r := []rune(q); len(r) > maxUserQuery {
		q = string(r[:maxUserQuery])
	}
	rows := make([]pages.UserRow, 0, len(users))
	for _, u := range users {
		if !userMatches(u, q) {
			continue
		}
		n, err := s.Store.CountSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		rows = append(rows, pages.UserRow{User: u, Sessions: n})
	}
	if f.Role == "" {
		f.Role = string(auth.RoleContent)
	}
	return web.Render(c, status, pages.Users(pages.UsersProps{Rows: rows, Total: len(users), Query: q, Form: f, Errs: errs}))
}

// userMatches: q ("" = everyone) is part of the username or the display
// name, ignoring case. The console has tens of accounts, not millions: the
// list is read whole and filtered here.
func userMatches(u store.User, q string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	return strings.Contains(strings.ToLower(u.Username), q) || strings.Contains(strings.ToLower(u.DisplayName), q)
}

// confirmDisable is GET /admin/users/:id/disable: what disabling does, with
// the POST button (JS off, like every confirmation in the console).
func (s *Server) confirmDisable(c echo.Context) error {
	u, err := s.targetUser(c, true)
	if err != nil {
		return err
	}
	n, err := s.Store.CountSessions(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, pages.ConfirmUser(pages.ConfirmUserProps{User: u, Sessions: n, Action: pages.ConfirmDisable}))
}

// confirmEndSessions is GET /admin/users/:id/end-sessions.
func (s *Server) confirmEndSessions(c echo.Context) error {
	u, err := s.targetUser(c, false)
	if err != nil {
		return err
	}
	n, err := s.Store.CountSessions(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, pages.ConfirmUser(pages.ConfirmUserProps{User: u, Sessions: n, Action: pages.ConfirmEndSessions,
		Self: u.ID == web.Current(c).Viewer.ID}))
}

func (s *Server) usersPage(c echo.Context) error {
	return s.renderUsers(c, http.StatusOK, forms.UserForm{}, nil)
}

func (s *Server) createUser(c echo.Context) error {
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	f := forms.ParseUser(vals)
	errs := f.Validate()
	if !errs.OK() {
		f.Password, f.Confirm = "", ""
		return s.renderUsers(c, http.StatusUnprocessableEntity, f, errs)
	}
	hash, err := s.Hasher.Hash(c.Request().Context(), f.Password)
	if errors.Is(err, auth.ErrBusy) {
		retryAfter(c, auth.HashQueueWait)
		errs.Add("password", "server.busy")
		f.Password, f.Confirm = "", ""
		return s.renderUsers(c, http.StatusServiceUnavailable, f, errs)
	}
	if err != nil {
		return err
	}
	role, _ := auth.ParseRole(f.Role)
	_, err = s.Store.CreateUser(c.Request().Context(),
		store.User{Username: f.Username, DisplayName: f.DisplayName, Role: role, PasswordHash: hash},
		store.AuditEntry{Actor: web.Actor(c), Action: "user.create", Target: f.Username, Detail: "role=" + f.Role, IP: c.RealIP()})
	if errors.Is(err, store.ErrConflict) {
		errs.Add("username", "users.err.taken")
		f.Password, f.Confirm = "", ""
		return s.renderUsers(c, http.StatusUnprocessableEntity, f, errs)
	}
	if err != nil {
		return err
	}
	web.AddFlash(c, web.FlashSuccess, "users.created", f.Username)
	return web.SeeOther(c, "/admin/users")
}

// targetUser loads the :id user, refusing changes an admin must not make to themself.
func (s *Server) targetUser(c echo.Context, notSelf bool) (store.User, error) {
	id, err := parseID(c)
	if err != nil {
		return store.User{}, err
	}
	u, err := s.Store.UserByID(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, echo.NewHTTPError(http.StatusNotFound)
	}
	if err != nil {
		return store.User{}, err
	}
	if notSelf && u.ID == web.Current(c).Viewer.ID {
		return store.User{}, echo.NewHTTPError(http.StatusForbidden)
	}
	return u, nil
}

func (s *Server) changeRole(c echo.Context) error {
	u, err := s.targetUser(c, true)
	if err != nil {
		return err
	}
	role, ok := auth.ParseRole(c.FormValue("role"))
	if !ok {
		web.AddFlash(c, web.FlashError, forms.ErrRole)
		return web.SeeOther(c, "/admin/users")
	}
	if err := s.Store.UpdateUser(c.Request().Context(), u.ID, store.UserChange{Role: &role},
		store.AuditEntry{Actor: web.Actor(c), Action: "user.role", Target: u.Username, Detail: string(u.Role) + "→" + string(role), IP: c.RealIP()}); err != nil {
		return err
	}
	web.AddFlash(c, web.FlashSuccess, "users.role_changed", u.Username)
	return web.SeeOther(c, "/admin/users")
}

func (s *Server) setDisabled(c echo.Context) error {
	u, err := s.targetUser(c, true)
	if err != nil {
		return err
	}
	disabled := c.FormValue("disabled") != "false"
	action, flash := "user.disable", "users.disabled_msg"
	if !disabled {
		action, flash = "user.enable", "users.enabled_msg"
	}
	if err := s.Store.UpdateUser(c.Request().Context(), u.ID, store.UserChange{Disabled: &disabled},
		store.AuditEntry{Actor: web.Actor(c), Action: action, Target: u.Username, IP: c.RealIP()}); err != nil {
		return err
	}
	web.AddFlash(c, web.FlashSuccess, flash, u.Username)
	return web.SeeOther(c, "/admin/users")
}

func (s *Server) endSessions(c echo.Context) error {
	u, err := s.targetUser(c, false)
	if err != nil {
		return err
	}
	if err := s.Store.UpdateUser(c.Request().Context(), u.ID, store.UserChange{EndSessions: true},
		store.AuditEntry{Actor: web.Actor(c), Action: "user.end_sessions", Target: u.Username, IP: c.RealIP()}); err != nil {
		return err
	}
	if u.ID == web.Current(c).Viewer.ID {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	web.AddFlash(c, web.FlashSuccess, "users.sessions_ended", u.Username)
	return web.SeeOther(c, "/admin/users/"+strconv.FormatInt(u.ID, 10))
}

// userPage is one account for admins: its sessions, with "end sessions".
func (s *Server) userPage(c echo.Context) error {
	u, err := s.targetUser(c, false)
	if err != nil {
		return err
	}
	rows, err := s.Sessions.List(c, u.ID)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, pages.User(pages.UserProps{User: u, Sessions: rows}))
}

// mySessions lists the viewer's own sessions.
func (s *Server) mySessions(c echo.Context) error {
	rows, err := s.Sessions.List(c, web.Current(c).Viewer.ID)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, pages.MySessions(pages.MySessionsProps{Sessions: rows}))
}

// endOtherSessions signs the viewer out everywhere but here (a lost phone, a
// shared computer), with the same store change as an admin's "end sessions".
func (s *Server) endOtherSessions(c echo.Context) error {
	v := web.Current(c).Viewer
	if err := s.Sessions.EndOthers(c, store.AuditEntry{Actor: v.Username, Action: "user.end_other_sessions", Target: v.Username, IP: c.RealIP()}); err != nil {
		return err
	}
	web.AddFlash(c, web.FlashSuccess, "sessions.others_ended")
	return web.SeeOther(c, "/account/sessions")
}

func (s *Server) passwordPage(c echo.Context) error {
	u, err := s.targetUser(c, false)
	if err != nil {
		return err
	}
	return web.Render(c, http.StatusOK, pages.Password(pages.PasswordProps{User: u}))
}

func (s *Server) resetPassword(c echo.Context) error {
	u, err := s.targetUser(c, false)
	if err != nil {
		return err
	}
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	f := forms.ParsePassword(vals)
	errs := f.Validate()
	if !errs.OK() {
		return web.Render(c, http.StatusUnprocessableEntity, pages.Password(pages.PasswordProps{User: u, Errs: errs}))
	}
	hash, err := s.Hasher.Hash(c.Request().Context(), f.Password)
	if errors.Is(err, auth.ErrBusy) {
		retryAfter(c, auth.HashQueueWait)
		errs.Add("password", "server.busy")
		return web.Render(c, http.StatusServiceUnavailable, pages.Password(pages.PasswordProps{User: u, Errs: errs}))
	}
	if err != nil {
		return err
	}
	if err := s.Store.UpdateUser(c.Request().Context(), u.ID, store.UserChange{PasswordHash: &hash},
		store.AuditEntry{Actor: web.Actor(c), Action: "user.password", Target: u.Username, IP: c.RealIP()}); err != nil {
		return err
	}
	web.AddFlash(c, web.FlashSuccess, "users.password_reset", u.Username)
	return web.SeeOther(c, "/admin/users")
}

// --- audit log ---

const auditPageSize = 50

func (s *Server) auditFilter(c echo.Context) (store.AuditFilter, pages.AuditProps, forms.Errors) {
	p := pages.AuditProps{Actor: c.QueryParam("actor"), Action: c.QueryParam("action"), From: c.QueryParam("from"), To: c.QueryParam("to")}
	errs := forms.Errors{}
	f := store.AuditFilter{Actor: p.Actor, Action: p.Action}
	parse := func(field, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := web.Current(c).ParseLocal(web.LocalInput, v)
		if err != nil {
			errs.Add(field, forms.ErrInvalid)
		}
		return t
	}
	f.From = parse("from", p.From)
	f.To = parse("to", p.To)
	if !f.To.IsZero() {
		f.To = f.To.Add(time.Minute) // the "to" minute is included
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		errs.Add("to", "audit.err.range")
	}
	return f, p, errs
}

func (s *Server) auditPage(c echo.Context) error {
	ctx := c.Request().Context()
	f, p, errs := s.auditFilter(c)
	p.Errs = errs
	page, _ := strconv.Atoi(c.QueryParam("page"))
	page = max(page, 1)
	var err error
	if p.Actions, err = s.Store.AuditActions(ctx); err != nil {
		return err
	}
	users, err := s.Store.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		p.Actors = append(p.Actors, u.Username)
	}
	p.Actors = append(p.Actors, "-")
	q := url.Values{}
	for k, v := range map[string]string{"actor": p.Actor, "action": p.Action, "from": p.From, "to": p.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	p.ExportURL = "/audit/export.csv?" + q.Encode()
	status := http.StatusOK
	total := 0
	if errs.OK() {
		p.Entries, total, err = s.Store.ListAudit(ctx, f, (page-1)*auditPageSize, auditPageSize)
		if err != nil {
			return err
		}
	} else {
		status = http.StatusUnprocessableEntity
	}
	pages_ := max(1, (total+auditPageSize-1)/auditPageSize)
	link := func(n int) string {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("page", strconv.Itoa(n))
		return "/audit?" + qq.Encode()
	}
	if page > 1 {
		p.Pager.PrevURL = link(page - 1)
	}
	if page < pages_ {
		p.Pager.NextURL = link(page + 1)
	}
	p.Pager.Summary = web.T(c, "pager.summary", page, pages_, total)
	return web.Render(c, status, pages.Audit(p))
}

// auditExport streams the filtered rows as CSV (csvexport: every text cell
// formula-safe — actor, target, detail and the platform's code all carry
// text someone else chose), times in the console's zone as the page shows
// them. A database failure mid-way ends the file with the incomplete row.
func (s *Server) auditExport(c echo.Context) error {
	f, _, errs := s.auditFilter(c)
	if !errs.OK() {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	ctx := c.Request().Context()
	info := web.Current(c)
	w, err := csvexport.Start(c.Response(), info.Lang, "audit-"+info.Time(s.Now(), web.FileStamp)+".csv",
		"id", "time", "actor", "action", "target", "outcome", "upstream_code", "detail", "ip")
	if err != nil {
		return nil // the browser went away before the first byte
	}
	err = s.Store.EachAudit(ctx, f, func(e store.AuditEntry) error {
		return w.Row(csvexport.Int(e.ID), csvexport.Text(info.Time(e.At, web.DateTime)), csvexport.Text(e.Actor),
			csvexport.Text(e.Action), csvexport.Text(e.Target), csvexport.Text(e.Outcome),
			csvexport.Text(e.UpstreamCode), csvexport.Text(e.Detail), csvexport.Text(e.IP))
	})
	if w.Finish(ctx, err) == csvexport.Incomplete {
		s.Log.Error("audit export broken off", "rows", w.Rows(), "err", err)
	}
	return nil
}

// --- sandbox inspector ---

func (s *Server) sandboxPage(c echo.Context) error {
	filter := c.QueryParam("platform")
	p := pages.SandboxProps{Filter: filter}
	for _, name := range s.Sandbox.Platforms() {
		p.Platforms = append(p.Platforms, pages.SandboxPlatform{Name: name, BaseURL: s.Sandbox.BaseURL(name), Fault: s.Sandbox.Faults.Get(name)})
	}
	for _, r := range s.Sandbox.Recorder.Recent(200) {
		if filter == "" || r.Platform == filter {
			p.Requests = append(p.Requests, r)
		}
	}
	return web.Render(c, http.StatusOK, pages.Sandbox(p))
}

func (s *Server) setFault(c echo.Context) error {
	name := c.FormValue("platform")
	if s.Sandbox.Platform(name) == nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	kind := sandbox.FaultKind(c.FormValue("kind"))
	valid := false
	for _, k := range sandbox.FaultKinds {
		valid = valid || k == kind
	}
	ms, _ := strconv.Atoi(c.FormValue("latency_ms"))
	times, _ := strconv.Atoi(c.FormValue("times"))
	if !valid || ms < 0 || ms > 60000 || times < 0 {
		web.AddFlash(c, web.FlashError, forms.ErrInvalid)
		return web.SeeOther(c, "/sandbox")
	}
	f := sandbox.Fault{Kind: kind, Latency: time.Duration(ms) * time.Millisecond, Code: clip(c.FormValue("code"), 16),
		Message: clip(c.FormValue("message"), 200), Path: clip(c.FormValue("path"), 200), Times: times}
	s.Sandbox.Faults.Set(name, f)
	if err := s.Store.Audit(c.Request().Context(), store.AuditEntry{Actor: web.Actor(c), Action: "sandbox.fault", Target: name, Detail: f.String(), IP: c.RealIP()}); err != nil {
		return err
	}
	web.AddFlash(c, web.FlashSuccess, "sandbox.applied", name)
	return web.SeeOther(c, "/sandbox")
}

func (s *Server) resetSandbox(c echo.Context) error {
	s.Sandbox.Faults.Clear()
	s.Sandbox.Recorder.Reset()
	if err := s.Store.Audit(c.Request().Context(), store.AuditEntry{Actor: web.Actor(c), Action: "sandbox.reset", IP: c.RealIP()}); err != nil {
		return err
	}
	web.AddFlash(c, web.FlashSuccess, "sandbox.cleared")
	return web.SeeOther(c, "/sandbox")
}
