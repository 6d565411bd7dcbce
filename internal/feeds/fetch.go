// Package feeds is what a card data feed's run does before anything is
// written: fetch the feed's URL from an allowed host (Fetcher), read its
// answer as the card's items and check them against the editor's limits
// (ParseItems), build the push and compare it with the last one (Check).
// The run itself — recording it, pushing, pausing a failing feed — is the
// feed_run job (internal/jobs/feed_run.go); when it runs is Next.
package feeds

import (
	"context"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orgconsole/console/internal/forms"
)

// MaxBytes bounds a feed's answer: four KEYDATA tiles of the longest
// fields are under 3 KB, so 1 MB is room for anything a card can show.
const MaxBytes = 1 << 20

// MaxRedirects bounds the redirects a fetch follows (each to an allowed host).
const MaxRedirects = 3

// Hosts are the hosts a feed may be fetched from (CONSOLE_FEED_HOSTS): an
// entry "host:port" allows exactly that; a bare "host" allows it on the
// scheme's default port.
type Hosts []string

// Allows reports whether u is an http(s) URL, without credentials, on an
// allowed host.
func (h Hosts) Allows(u *url.URL) bool {
	if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Opaque != "" || u.Host == "" {
		return false
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
	}
	for _, e := range h {
		eh, ep, err := net.SplitHostPort(e)
		if err != nil {
			eh, ep = e, defaultPort(u.Scheme)
		}
		if strings.EqualFold(strings.Trim(eh, "[]"), host) && ep == port {
			return true
		}
	}
	return false
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// FailKind is why a fetch gave nothing usable. The run history shows it
// translated (feeds.fail.<kind>) with its detail.
type FailKind string

const (
	FailHost     FailKind = "host"      // the URL's host is not allowed (detail: the host)
	FailRedirect FailKind = "redirect"  // a redirect led off the allowed hosts, or too far (detail: where to)
	FailTooLarge FailKind = "too_large" // the answer is over MaxBytes (detail: the limit)
	FailHTML     FailKind = "html"      // the answer is a web page, not JSON
	FailNotJSON  FailKind = "not_json"  // the answer's type is not JSON (detail: its Content-Type)
	FailHTTP     FailKind = "http"      // the server answered an error status (detail: the status)
	FailTimeout  FailKind = "timeout"   // no complete answer in time
	FailNetwork  FailKind = "network"   // the server could not be reached or the answer broke off
)

// FetchError is a fetch that gave nothing usable.
type FetchError struct {
	Kind   FailKind
	Detail string
}

func (e *FetchError) Error() string { return "feed fetch: " + string(e.Kind) + " " + e.Detail }

// Fetched is a feed's answer.
type Fetched struct {
	Status   int
	Body     []byte
	Duration time.Duration
}

// Fetcher fetches feeds from the allowed hosts only: every redirect hop is
// checked like the URL itself, the answer must be JSON and at most MaxBytes
// (reading stops there), and the whole fetch takes at most Timeout.
type Fetcher struct {
	hosts   Hosts
	timeout time.Duration
	client  *http.Client
}

// NewFetcher returns a fetcher for hosts with a timeout for the whole fetch.
func NewFetcher(hosts Hosts, timeout time.Duration) *Fetcher {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	f := &Fetcher{hosts: hosts, timeout: timeout}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // a proxy would fetch the URL from elsewhere, past the host check
	tr.ResponseHeaderTimeout = timeout
	f.client = &http.Client{Transport: tr, CheckRedirect: f.checkRedirect}
	return f
}

// Hosts are the allowed hosts.
func (f *Fetcher) Hosts() Hosts { return f.hosts }

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects || !f.hosts.Allows(req.URL) {
		return &FetchError{Kind: FailRedirect, Detail: req.URL.Redacted()}
	}
	return nil
}

// Fetch GETs raw. A *FetchError says why nothing usable came back.
func (f *Fetcher) Fetch(ctx context.Context, raw string) (Fetched, error) {
	u, err := url.Parse(raw)
	if err != nil || !f.hosts.Allows(u) {
		host := raw
		if err == nil {
			host = u.Host
		}
		return Fetched{}, &FetchError{Kind: FailHost, Detail: host}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Fetched{}, &FetchError{Kind: FailHost, Detail: u.Host}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		return Fetched{Duration: time.Since(start)}, classify(ctx, err)
	}
	defer resp.Body.Close()
	out := Fetched{Status: resp.StatusCode}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		out.Duration = time.Since(start)
		return out, &FetchError{Kind: FailHTTP, Detail: strconv.Itoa(resp.StatusCode)}
	}
	if err := checkType(resp.Header.Get("Content-Type")); err != nil {
		out.Duration = time.Since(start)
		return out, err
	}
	limit := &FetchError{Kind: FailTooLarge, Detail: forms.SizeText(MaxBytes)}
	if resp.ContentLength > MaxBytes {
		out.Duration = time.Since(start)
		return out, limit // not read at all
	}
	out.Body, err = io.ReadAll(io.LimitReader(resp.Body, MaxBytes+1))
	out.Duration = time.Since(start)
	if err != nil {
		return out, classify(ctx, err)
	}
	if len(out.Body) > MaxBytes {
		out.Body = out.Body[:MaxBytes] // what was read; the rest is never read
		return out, limit
	}
	return out, nil
}

// checkType accepts JSON answers only (application/json or a +json type):
// a web page is the usual answer of a wrong URL or a login wall.
func checkType(ct string) error {
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")):
		return nil
	case err == nil && (mt == "text/html" || mt == "application/xhtml+xml"):
		return &FetchError{Kind: FailHTML}
	case ct == "":
		return &FetchError{Kind: FailNotJSON, Detail: "-"}
	}
	return &FetchError{Kind: FailNotJSON, Detail: ct}
}

// classify turns a transport error into a FetchError.
func classify(ctx context.Context, err error) error {
	var fe *FetchError
	if errors.As(err, &fe) {
		return fe // a refused redirect
	}
	var ne net.Error
	if ctx.Err() != nil || (errors.As(err, &ne) && ne.Timeout()) {
		return &FetchError{Kind: FailTimeout}
	}
	return &FetchError{Kind: FailNetwork}
}

// String shows the hosts for people ("—" for none).
func (h Hosts) String() string {
	if len(h) == 0 {
		return "—"
	}
	return strings.Join(h, ", ")
}
