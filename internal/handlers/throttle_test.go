package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/store"
)

// throttleRig is a console whose loopback proxy is trusted, so each request
// names its client IP in X-Forwarded-For, and whose store clock the test
// moves forward.
type throttleRig struct {
	env    *apptest.Env
	b      *apptest.Browser
	cookie string       // the CSRF cookie of the anonymous visit every attempt repeats
	offset atomic.Int64 // added to the wall clock
}

func newThrottleRig(t *testing.T, vars map[string]string) *throttleRig {
	if vars == nil {
		vars = map[string]string{}
	}
	vars["CONSOLE_TRUSTED_PROXIES"] = "127.0.0.1/32"
	r := &throttleRig{env: apptest.New(t, vars)}
	// The clock stands still unless a test advances it, so a wait the page
	// names is exact however slow the machine is.
	base := time.Now()
	r.env.App.Store.SetClock(func() time.Time { return base.Add(time.Duration(r.offset.Load())) })
	r.b = r.env.Anonymous(t)
	r.b.Get("/login") // the CSRF cookie and token every attempt sends
	u, _ := url.Parse(r.env.URL)
	for _, c := range r.b.HTTP.Jar.Cookies(u) {
		if c.Name == "console_csrf" {
			r.cookie = c.String()
		}
	}
	return r
}

func (r *throttleRig) advance(d time.Duration) { r.offset.Add(int64(d)) }

// login posts the sign-in form from a client IP. It is safe for concurrent
// use (it does not touch the browser's scraped state).
func (r *throttleRig) login(t *testing.T, ip, username, password, lang string) *apptest.Page {
	vals := url.Values{"_csrf": {r.b.CSRF()}, "username": {username}, "password": {password}}
	req, err := http.NewRequest(http.MethodPost, r.env.URL+"/login", strings.NewReader(vals.Encode()))
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", ip)
	// Every attempt is a new anonymous visit: a sign-in rotates the CSRF
	// cookie in a browser, so the jar is not used.
	req.Header.Set("Cookie", r.cookie)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := noJar.Do(req)
	if err != nil {
		t.Error(err)
		return &apptest.Page{}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	return &apptest.Page{Status: resp.StatusCode, Header: resp.Header, Body: string(body), Doc: doc, Location: resp.Header.Get("Location")}
}

var noJar = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (r *throttleRig) failedLogins(t *testing.T) int {
	_, total, err := r.env.App.Store.ListAudit(t.Context(), store.AuditFilter{Action: "login", Actor: "-"}, 0, 1)
	require.NoError(t, err)
	return total
}

// An office behind one NAT address: typos and names that do not exist do
// not lock its real users out.
func TestLoginUnknownNamesFromOneIPDoNotBlockItsUsers(t *testing.T) {
	r := newThrottleRig(t, nil)
	const office = "203.0.113.7"
	for i := range auth.PairLimit + 1 {
		p := r.login(t, office, fmt.Sprintf("nobody%d", i%2), "wrong-password", "")
		require.Equal(t, http.StatusUnauthorized, p.Status, "attempt %d", i+1)
	}
	p := r.login(t, office, "content", auth.SandboxPassword, "")
	assert.Equal(t, http.StatusSeeOther, p.Status, p.Text("[data-testid=login-error]"))
}

// Ten wrong passwords for admin from one address stop that address, but
// the admin still signs in elsewhere: at once from an address the account
// used before, after a short wait from a new one.
func TestLoginFailuresFromOneIPDoNotLockTheAccount(t *testing.T) {
	r := newThrottleRig(t, nil)
	const attacker, office, travel = "198.51.100.1", "203.0.113.7", "192.0.2.9"
	require.Equal(t, http.StatusSeeOther, r.login(t, office, "admin", auth.SandboxPassword, "").Status, "the admin's usual address")
	for i := range auth.PairLimit {
		require.Equal(t, http.StatusUnauthorized, r.login(t, attacker, "admin", fmt.Sprintf("guess-%d", i), "").Status)
	}
	p := r.login(t, attacker, "admin", auth.SandboxPassword, "")
	assert.Equal(t, http.StatusTooManyRequests, p.Status, "the attacker's address waits")
	assert.Equal(t, "登录失败次数过多，请 15 分钟后再试。", p.Text("[data-testid=login-error]"))
	assert.Equal(t, "900", p.Header.Get("Retry-After"))

	p = r.login(t, office, "admin", auth.SandboxPassword, "")
	assert.Equal(t, http.StatusSeeOther, p.Status, "a known address is not slowed down: %s", p.Text("[data-testid=login-error]"))

	p = r.login(t, travel, "admin", auth.SandboxPassword, "en")
	assert.Equal(t, http.StatusTooManyRequests, p.Status, "a new address waits a moment")
	assert.Equal(t, "Too many failed sign-ins for this account lately. Wait 1 s and try again.", p.Text("[data-testid=login-error]"))
	assert.Equal(t, "1", p.Header.Get("Retry-After"))
	assert.Equal(t, "admin", p.Val("#f-username"), "what was typed is kept")
	r.advance(auth.AccountDelayBase)
	p = r.login(t, travel, "admin", auth.SandboxPassword, "")
	assert.Equal(t, http.StatusSeeOther, p.Status, p.Text("[data-testid=login-error]"))
	assert.Equal(t, auth.PairLimit, r.failedLogins(t))
}

// A guessing run stalls: from one address on one account after the pair
// limit, and spread over many addresses through the account's slow-down.
// A refused attempt checks no password (no audit row) and is not counted.
func TestLoginGuessingRunStalls(t *testing.T) {
	r := newThrottleRig(t, nil)
	for i := range auth.PairLimit {
		require.Equal(t, http.StatusUnauthorized, r.login(t, "198.51.100.1", "support", fmt.Sprintf("guess-%d", i), "").Status)
	}
	for range 5 {
		r.advance(2 * time.Minute)
		assert.Equal(t, http.StatusTooManyRequests, r.login(t, "198.51.100.1", "support", "another-guess", "").Status)
	}
	assert.Equal(t, auth.PairLimit, r.failedLogins(t), "refused attempts checked nothing")
	r.advance(auth.Window - 10*time.Minute)
	assert.Equal(t, http.StatusUnauthorized, r.login(t, "198.51.100.1", "support", "another-guess", "").Status,
		"free again once the first failures leave the window")

	// Spread over fresh addresses: after the slow-down starts, only one
	// guess per delay gets through, and the delay grows.
	r.advance(auth.Window) // forget the run above
	for i := range auth.AccountSlowAfter {
		require.Equal(t, http.StatusUnauthorized, r.login(t, fmt.Sprintf("10.1.0.%d", i), "content", "guess", "").Status)
	}
	before := r.failedLogins(t)
	var passed int
	for i := range 60 { // a minute of one guess per second from new addresses
		if r.login(t, fmt.Sprintf("10.2.0.%d", i), "content", "guess", "").Status == http.StatusUnauthorized {
			passed++
		}
		r.advance(time.Second)
	}
	assert.LessOrEqual(t, passed, 6, "1 s, 2 s, 4 s … between guesses: a handful a minute")
	assert.Equal(t, before+passed, r.failedLogins(t))
}

// Parallel wrong passwords cannot overrun the limit: each attempt is counted
// before its password is checked, so at most the limit are hashed and the
// rest are told to try again.
func TestLoginParallelAttemptsHashAtMostTheLimit(t *testing.T) {
	r := newThrottleRig(t, nil)
	const n = 100
	statuses := make([]int, n)
	texts := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := r.login(t, "198.51.100.1", "admin", fmt.Sprintf("guess-%d", i), "")
			statuses[i] = p.Status
			if p.Doc != nil {
				texts[i] = p.Text("[data-testid=login-error]")
			}
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for i, s := range statuses {
		count[s]++
		if s != http.StatusUnauthorized {
			assert.Contains(t, []int{http.StatusTooManyRequests, http.StatusServiceUnavailable}, s)
			assert.Contains(t, texts[i], "再试", "a try-again answer")
		}
	}
	assert.LessOrEqual(t, count[http.StatusUnauthorized], auth.PairLimit, "statuses: %v", count)
	assert.Positive(t, count[http.StatusUnauthorized])
	assert.Equal(t, count[http.StatusUnauthorized], r.failedLogins(t), "one checked password per audit row")
}

// With every hashing slot taken, a sign-in waits briefly, then gets a
// "busy" page in its language (503, Retry-After) and is not counted as a
// failure.
func TestLoginBusyWhenHashingIsSaturated(t *testing.T) {
	// One slot and a 64 MiB hash: 64 checks at once cannot all finish
	// within the queue wait on any machine.
	r := newThrottleRig(t, map[string]string{"CONSOLE_PASSWORD_HASHES": "1", "CONSOLE_PASSWORD_MEMORY_KIB": "65536"})
	const n = 64
	pages := make([]*apptest.Page, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lang := "zh-CN"
			if i%2 == 1 {
				lang = "en"
			}
			// Distinct names and addresses: no limit refuses them, they all queue for the hasher.
			pages[i] = r.login(t, fmt.Sprintf("10.3.0.%d", i), fmt.Sprintf("nobody%d", i), "wrong-password", lang)
		}()
	}
	wg.Wait()
	busy := map[string]bool{}
	checked := 0
	for i, p := range pages {
		switch p.Status {
		case http.StatusUnauthorized:
			checked++
		case http.StatusServiceUnavailable:
			busy[p.Text("[data-testid=login-error]")] = true
			assert.Equal(t, "2", p.Header.Get("Retry-After"))
			assert.Equal(t, fmt.Sprintf("nobody%d", i), p.Val("#f-username"))
		default:
			t.Errorf("attempt %d: status %d", i, p.Status)
		}
	}
	assert.Equal(t, map[string]bool{"服务器繁忙，请稍后再试。": true, "The server is busy. Try again in a moment.": true}, busy)
	assert.Equal(t, checked, r.failedLogins(t))
}
