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
	Body     string
	Status   int
	Response string
	Fault    string // the fault injected into this call, if any
	Duration time.Duration
}

// Recorder keeps every request in order, so tests can count and inspect the
// exact upstream calls, and a bounded tail of them for the inspector page.
type Recorder struct {
	mu   sync.Mutex
	seq  int64
	all  []Request
	keep int
}

// NewRecorder keeps at most keep requests (older ones are dropped first).
func NewRecorder(keep int) *Recorder {
	if keep <= 0 {
		keep = 20000
	}
	return &Recorder{keep: keep}
}

func (r *Recorder) add(req Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	req.Seq = r.seq
	r.all = append(r.all, req)
	if len(r.all) > r.keep {
		drop := len(r.all) - r.keep
		r.all = append(r.all[:0:0], r.all[drop:]...)
	}
}

// Requests returns the recorded requests, oldest first, optionally filtered by
// platform ("" = all) and path suffix ("" = all).
func (r *Recorder) Requests(platform, path string) []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Request, 0, len(r.all))
	for _, q := range r.all {
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
	if n > len(r.all) {
		n = len(r.all)
	}
	out := make([]Request, 0, n)
	for i := len(r.all) - 1; i >= 0 && len(out) < n; i-- {
		out = append(out, r.all[i])
	}
	return out
}

// Reset forgets every recorded request.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = nil
}
