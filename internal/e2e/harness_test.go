// Package e2e holds the browser journeys: the real console (sandbox mode) and
// headless Debian Chromium driven by chromedp. `make test` installs Chromium
// and sets CONSOLE_E2E=required, so a missing browser fails instead of skipping.
package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
)

// Browser is one Chromium profile pointed at one running console.
type Browser struct {
	t   testing.TB
	Env *apptest.Env
	Ctx context.Context

	html   *htmlCapture // every HTML response, for html-validate at the end
	audits int          // axe runs so far
	jsOff  bool         // DisableJS was called
}

func chromiumPath() string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// Start runs a console (env overrides CONSOLE_* variables) and a fresh headless Chromium.
func Start(t *testing.T, env map[string]string) *Browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CONSOLE_E2E") == "required" {
			t.Fatal("Chromium is not installed (make test installs it with apt)")
		}
		t.Skip("Chromium not installed; `make test` installs it")
	}
	e := apptest.New(t, env)
	// Not t.TempDir: Chromium may still be writing its profile for a moment
	// after it is told to quit, and t.TempDir fails the test when it cannot
	// remove the folder. This one is removed best-effort after Chromium exits.
	profile, err := os.MkdirTemp("", "console-e2e-chromium-")
	require.NoError(t, err)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.WindowSize(1366, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc() // waits for the browser process to exit
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	require.NoError(t, chromedp.Run(ctx), "start Chromium")
	b := &Browser{t: t, Env: e, Ctx: ctx}
	b.captureHTML()
	t.Cleanup(b.validateHTML) // runs before the browser is closed above
	return b
}

// DisableJS turns JavaScript off for this browser from the next navigation
// on: every page must work as plain HTML forms and links.
func (b *Browser) DisableJS() {
	b.t.Helper()
	b.Run(emulation.SetScriptExecutionDisabled(true))
	b.jsOff = true
}

// Run runs chromedp actions and fails the test on error.
func (b *Browser) Run(actions ...chromedp.Action) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Run(b.Ctx, actions...))
}

// Open navigates to a console path and waits for the page body.
func (b *Browser) Open(path string) {
	b.t.Helper()
	b.Run(chromedp.Navigate(b.Env.URL+path), chromedp.WaitReady("body", chromedp.ByQuery))
}

// Login signs in through the form as a demo account and waits for the navigation.
func (b *Browser) Login(role auth.Role) {
	b.t.Helper()
	b.Open("/login")
	b.Run(
		chromedp.SendKeys(`#f-username`, string(role), chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, auth.SandboxPassword, chromedp.ByQuery),
		chromedp.Click(`[data-testid=login-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=nav]`, chromedp.ByQuery),
	)
}

// Text returns the text of the first element matching sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	var s string
	b.Run(chromedp.Text(sel, &s, chromedp.ByQuery, chromedp.NodeVisible))
	return strings.TrimSpace(s)
}

// Count counts elements matching a CSS selector.
func (b *Browser) Count(sel string) int {
	b.t.Helper()
	var n int
	b.Run(chromedp.Evaluate(`document.querySelectorAll(`+jsString(sel)+`).length`, &n))
	return n
}

// Location is the current URL path and query.
func (b *Browser) Location() string {
	b.t.Helper()
	var s string
	b.Run(chromedp.Evaluate(`location.pathname + location.search`, &s))
	return s
}

// Cookies returns the browser's cookies for the console.
func (b *Browser) Cookies() []*network.Cookie {
	b.t.Helper()
	var cs []*network.Cookie
	b.Run(chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cs, err = network.GetCookies().WithURLs([]string{b.Env.URL}).Do(ctx)
		return err
	}))
	return cs
}

// SetCookies puts cookies back (to replay an old session).
func (b *Browser) SetCookies(cs []*network.Cookie) {
	b.t.Helper()
	b.Run(chromedp.ActionFunc(func(ctx context.Context) error {
		for _, c := range cs {
			if err := network.SetCookie(c.Name, c.Value).WithURL(b.Env.URL).WithPath(c.Path).WithHTTPOnly(c.HTTPOnly).Do(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
}

// Shot saves a full-page screenshot as screenshots/<name>.png at the
// repository root, for people to look at, and audits the page with axe: a
// state worth a screenshot is a state that must be accessible.
func (b *Browser) Shot(name string) {
	b.t.Helper()
	b.Audit(name)
	var png []byte
	b.Run(chromedp.FullScreenshot(&png, 100)) // quality 100 = PNG
	dir := screenshotDir()
	require.NoError(b.t, os.MkdirAll(dir, 0o755))
	require.NoError(b.t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

func screenshotDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "screenshots")
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
