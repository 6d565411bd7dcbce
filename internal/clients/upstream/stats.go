package upstream

import (
	"slices"
	"sync"
	"time"
)

// Stats keeps what the status page shows about one platform: recent latencies
// and the last error.
type Stats struct {
	mu        sync.Mutex
	lat       []time.Duration // ring buffer
	next      int
	calls     int64
	failures  int64
	lastErr   error // the *APIError: pages show its kind and code translated, never its text
	lastErrAt time.Time
}

const statsWindow = 200

func (s *Stats) observe(d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lat) < statsWindow {
		s.lat = append(s.lat, d)
	} else {
		s.lat[s.next] = d
		s.next = (s.next + 1) % statsWindow
	}
	s.calls++
	if err != nil {
		s.failures++
		s.lastErr = err
		s.lastErrAt = time.Now()
	}
}

// Snapshot is a copy of the stats at one moment.
type Snapshot struct {
	Calls, Failures int64
	P50, P95        time.Duration
	LastError       error // nil: none since start
	LastErrorAt     time.Time
}

// Snapshot computes percentiles over the recent window.
func (s *Stats) Snapshot() Snapshot {
	s.mu.Lock()
	lat := slices.Clone(s.lat)
	out := Snapshot{Calls: s.calls, Failures: s.failures, LastError: s.lastErr, LastErrorAt: s.lastErrAt}
	s.mu.Unlock()
	if len(lat) == 0 {
		return out
	}
	slices.Sort(lat)
	out.P50 = lat[(len(lat)-1)*50/100]
	out.P95 = lat[(len(lat)-1)*95/100]
	return out
}

// Status is what the status page shows about one platform client.
type Status struct {
	Platform string
	BaseURL  string
	Token    TokenState
	Stats    Snapshot
}

// Status reports the client's health.
func (c *Client) Status() Status {
	return Status{Platform: c.cfg.Platform, BaseURL: c.cfg.BaseURL, Token: c.cfg.Tokens.State(), Stats: c.Stats.Snapshot()}
}
