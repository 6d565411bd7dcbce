package sandbox

import (
	"sync"
	"time"
)

// Request is one call a fake upstream received, kept for the inspector and tests.
type Request struct {
	Seq      int64
	At       time.Time
	Platform string
	Method   string
	Path     string
	Query    string // with tokens and secrets redacted
	Headers  map[string]string
	Body     string // at most MaxRecordedBody bytes, then a truncation marker
	Status   int
	Response string // likewise
	Fault    string // the fault injected into this call, if any
	Duration time.Duration
}

// Recorder bounds: under load the sandbox must not keep everything it was
// sent (30 s of load once took it to 2.4 GB). Whichever bound is reached
// first drops the oldest requests.
const (
	DefaultRecordedRequests = 20000
	DefaultRecordedBytes    = 8 << 20
)

// requestOverhead is what a recorded request costs besides its strings
// (struct, header map, slice slot), roughly.
const requestOverhead = 256

func (q Request) size() int {
	n := requestOverhead + len(q.Platform) + len(q.Method) + len(q.Path) + len(q.Query) + len(q.Body) + len(q.Response) + len(q.Fault)
	for k, v := range q.Headers {
		n += len(k) + len(v)
	}
	return n
}

// Recorder keeps the latest requests in order, so tests can count and inspect
// the exact upstream calls and the inspector can show them, within a bound on
// their number and their bytes.
type Recorder struct {
	maxEntries int
	maxBytes   int

	mu    sync.Mutex
	seq   int64
	all   []Request // all[head:] are kept, oldest first
	head  int
	bytes int // size of all[head:]
}

// NewRecorder keeps at most maxEntries requests and maxBytes of them
// (0 = the defaults), dropping the oldest first.
func NewRecorder(maxEntries, maxBytes int) *Recorder {
	if maxEntries <= 0 {
		maxEntries = DefaultRecordedRequests
	}
	if maxBytes <= 0 {
		maxBytes = DefaultRecordedBytes
	}
	return &Recorder{maxEntries: maxEntries, maxBytes: maxBytes}
}

func (r *Recorder) add(req Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	req.Seq = r.seq
	r.all = append(r.all, req)
	r.bytes += req.size()
	for len(r.all)-r.head > 1 && (len(r.all)-r.head > r.maxEntries || r.bytes > r.maxBytes) {
		r.bytes -= r.all[r.head].size()
		r.all[r.head] = Request{} // let its strings go
		r.head++
	}
	if r.head > len(r.all)/2 { // compact now and then, not on every drop
		r.all = append(r.all[:0:0], r.all[r.head:]...)
		r.head = 0
	}
}

// kept is the window of retained requests; callers hold r.mu.
func (r *Recorder) kept() []Request { return r.all[r.head:] }

// Requests returns the recorded requests, oldest first, optionally filtered by
// platform ("" = all) and path suffix ("" = all).
func (r *Recorder) Requests(platform, path string) []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Request, 0, len(r.kept()))
	for _, q := range r.kept() {
		if platform != "" && q.Platform != platform {
			continue
		}
		if path != "" && q.Path != path {
			continue
		}
		out = append(out, q)
	}
	return out
}

// Recent returns up to n requests, newest first.
func (r *Recorder) Recent(n int) []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := r.kept()
	n = min(n, len(all))
	out := make([]Request, 0, n)
	for i := len(all) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, all[i])
	}
	return out
}

// Reset forgets every recorded request.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all, r.head, r.bytes = nil, 0, 0
}
