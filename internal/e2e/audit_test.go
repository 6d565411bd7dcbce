package e2e

// Accessibility and valid HTML, checked in every journey:
//   - axe-core (vendored in testdata, never served to users) runs the WCAG 2.2
//     A/AA rules in the browser at every screenshot and every Audit call, and
//     fails the test on any violation;
//   - every HTML response the browser received from the console (documents
//     and htmx fragments) is written to a temp folder and, when the test ends,
//     checked by html-validate (tools/html-validate, installed by `make test`)
//     with the recommended rules and the few exceptions in its config.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// wcagTags are the axe-core rule sets the console must pass: WCAG 2.0, 2.1
// and 2.2 at levels A and AA.
var wcagTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

func axeScript() (string, error) {
	axeOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join("testdata", "axe.min.js"))
		axeSource, axeErr = string(b), err
	})
	return axeSource, axeErr
}

// axeRun runs axe on the document and returns its violations, one line per
// offending element, small enough to read in a failure message.
const axeRun = `(async () => {
	const r = await axe.run(document, {runOnly: {type: 'tag', values: %s}, resultTypes: ['violations']});
	const out = [];
	for (const v of r.violations) for (const n of v.nodes) out.push({rule: v.id, impact: v.impact || '', help: v.help, target: n.target.join(' '), summary: (n.failureSummary || '').replace(/\s+/g, ' ')});
	return out;
})()`

type axeViolation struct {
	Rule    string `json:"rule"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	Target  string `json:"target"`
	Summary string `json:"summary"`
}

// Audit runs axe on the page as it is now (after any htmx swaps) and fails
// the test, without stopping it, on every violation: rule, element and page.
func (b *Browser) Audit(name string) {
	b.t.Helper()
	src, err := axeScript()
	require.NoError(b.t, err, "axe-core is vendored in internal/e2e/testdata (make vendor-static)")
	tags, _ := json.Marshal(wcagTags)
	var vs []axeViolation
	var loc string
	if b.jsOff {
		// axe is script too: it runs with scripts on for a moment (the
		// page's own scripts, not run at load, stay unloaded).
		b.Run(emulation.SetScriptExecutionDisabled(false))
		defer b.Run(emulation.SetScriptExecutionDisabled(true))
	}
	b.Run(
		chromedp.Evaluate("if (typeof axe === 'undefined') {\n"+src+"\n}\ntrue", nil),
		chromedp.Evaluate(`location.pathname + location.search`, &loc),
		chromedp.Evaluate(fmt.Sprintf(axeRun, tags), &vs, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
			return p.WithAwaitPromise(true)
		}),
	)
	b.audits++
	if testing.Verbose() {
		b.t.Logf("axe: %d violations on %q (%s)", len(vs), name, loc)
	}
	// One failure per rule, with its first few elements: a rule broken in a
	// shared component is one problem, not forty lines.
	byRule := map[string][]axeViolation{}
	var rules []string
	for _, v := range vs {
		if byRule[v.Rule] == nil {
			rules = append(rules, v.Rule)
		}
		byRule[v.Rule] = append(byRule[v.Rule], v)
	}
	for _, r := range rules {
		nodes := byRule[r]
		var at []string
		for i, v := range nodes {
			if i == 3 {
				at = append(at, fmt.Sprintf("… and %d more", len(nodes)-3))
				break
			}
			at = append(at, v.Target)
		}
		b.t.Errorf("axe %s on %q (%s): %s [%s], %d element(s): %s — %s", r, name, loc, nodes[0].Help, nodes[0].Impact, len(nodes), strings.Join(at, " | "), nodes[0].Summary)
	}
}

// htmlCapture keeps every HTML response the console sent this browser.
type htmlCapture struct {
	dir     string
	mu      sync.Mutex
	done    *sync.Cond                   // signalled when a fetch ends
	pending int                          // bodies being fetched
	closed  bool                         // the test is over: later responses (polls) are not kept
	html    map[network.RequestID]string // request id -> URL, for HTML responses
	saved   map[[32]byte]bool            // bodies already written
	files   map[string]string            // file name -> URL, for the failure message
}

// captureHTML writes each HTML response the console sends this browser to a
// folder for validateHTML. The body is fetched as soon as it has arrived:
// the browser forgets it at the next navigation.
func (b *Browser) captureHTML() {
	c := &htmlCapture{dir: b.t.TempDir(), html: map[network.RequestID]string{}, saved: map[[32]byte]bool{}, files: map[string]string{}}
	c.done = sync.NewCond(&c.mu)
	b.html = c
	chromedp.ListenTarget(b.Ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventResponseReceived:
			ct, _ := ev.Response.Headers["Content-Type"].(string)
			if strings.HasPrefix(ev.Response.URL, b.Env.URL) && strings.HasPrefix(ct, "text/html") {
				c.mu.Lock()
				c.html[ev.RequestID] = ev.Response.URL
				c.mu.Unlock()
			}
		case *network.EventLoadingFinished:
			c.mu.Lock()
			u, ok := c.html[ev.RequestID]
			if ok && !c.closed {
				c.pending++
			}
			closed := c.closed
			c.mu.Unlock()
			if !ok || closed {
				return
			}
			go func() { // a listener must not block the event loop
				var body []byte
				err := chromedp.Run(b.Ctx, chromedp.ActionFunc(func(ctx context.Context) error {
					var err error
					body, err = network.GetResponseBody(ev.RequestID).Do(ctx)
					return err
				}))
				c.mu.Lock()
				defer c.mu.Unlock()
				if err == nil && len(body) > 0 {
					c.save(u, body)
				}
				c.pending--
				c.done.Broadcast()
			}()
		}
	})
}

// save writes one body; c.mu is held.
func (c *htmlCapture) save(u string, body []byte) {
	sum := sha256.Sum256(append([]byte(u+"\n"), body...))
	if c.saved[sum] {
		return // the same page again (a poll, a reload)
	}
	c.saved[sum] = true
	name := fmt.Sprintf("%03d-%s.html", len(c.files), fileLabel(u))
	c.files[name] = u
	_ = os.WriteFile(filepath.Join(c.dir, name), body, 0o644)
}

// urls waits for the bodies being fetched and returns the URL of every saved
// response.
func (c *htmlCapture) urls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.pending > 0 {
		c.done.Wait()
	}
	us := make([]string, 0, len(c.files))
	for _, u := range c.files {
		us = append(us, u)
	}
	return us
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func fileLabel(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "page"
	}
	s := strings.Trim(unsafeName.ReplaceAllString(u.Path, "_"), "_")
	if s == "" {
		s = "root"
	}
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

// htmlValidateBin is the html-validate the Makefile installs (npm ci) into
// tools/html-validate; the config beside it holds the console's exceptions.
func htmlValidateBin() (bin, config string) {
	root := filepath.Join(screenshotDir(), "..")
	dir := filepath.Join(root, "tools", "html-validate")
	return filepath.Join(dir, "node_modules", ".bin", "html-validate"), filepath.Join(dir, "htmlvalidate.config.mjs")
}

type hvResult struct {
	FilePath string `json:"filePath"`
	Messages []struct {
		RuleID   string `json:"ruleId"`
		Severity int    `json:"severity"`
		Message  string `json:"message"`
		Line     int    `json:"line"`
		Column   int    `json:"column"`
		Selector string `json:"selector"`
	} `json:"messages"`
}

// validateHTML runs html-validate on every captured response and fails the
// test on each error, naming the URL, line, rule and element.
func (b *Browser) validateHTML() {
	c := b.html
	if c == nil {
		return
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	if len(c.urls()) == 0 {
		return
	}
	bin, config := htmlValidateBin()
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CONSOLE_E2E") == "required" {
			b.t.Errorf("html-validate is not installed in tools/html-validate (make test installs it with npm ci)")
		} else {
			b.t.Logf("html-validate not installed (make test installs it): %d HTML responses not validated", len(c.files))
		}
		return
	}
	names := make([]string, 0, len(c.files))
	for n := range c.files {
		names = append(names, filepath.Join(c.dir, n))
	}
	sort.Strings(names)
	// The report goes to a file: node can cut a long report short on a pipe
	// when the process exits.
	report := filepath.Join(c.dir, "report.json")
	cmd := exec.Command(bin, append([]string{"--config", config, "--formatter", "json=" + report}, names...)...)
	_, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		b.t.Errorf("html-validate: %v", err)
		return
	}
	out, rerr := os.ReadFile(report)
	var results []hvResult
	if jerr := json.Unmarshal(out, &results); rerr != nil || jerr != nil {
		b.t.Errorf("html-validate wrote no report (%v, %v): %s", rerr, jerr, stderrOf(err))
		return
	}
	n := 0
	perFile := map[string]int{} // the report lists only files with messages
	for _, r := range results {
		for _, m := range r.Messages {
			if m.Severity < 2 {
				continue
			}
			n++
			perFile[filepath.Base(r.FilePath)]++
			b.t.Errorf("html-validate %s on %s line %d:%d: %s (at %s)", m.RuleID, c.files[filepath.Base(r.FilePath)], m.Line, m.Column, m.Message, m.Selector)
		}
	}
	if n == 0 && err != nil {
		b.t.Errorf("html-validate failed: %s", stderrOf(err))
	}
	if testing.Verbose() {
		for _, name := range names {
			b.t.Logf("html-validate: %d errors on %s", perFile[filepath.Base(name)], c.files[filepath.Base(name)])
		}
		b.t.Logf("a11y: %d axe audits, %d HTML responses validated, %d html-validate errors", b.audits, len(c.files), n)
	}
}

func stderrOf(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(exit.Stderr)
	}
	return ""
}
