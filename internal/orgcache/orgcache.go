// Package orgcache keeps one orgtree.Index per organisation, built from one
// is_all=1 fetch of the tze.cn org child list and kept for a TTL. Search, node
// details, deep links, CSV export and the node picker all read it, so a whole
// organisation is fetched once per TTL, not once per page.
//
// Concurrent requests for the same org share one fetch (single flight); a
// failed fetch is not cached, so the next request tries again. Refresh
// fetches at once (the "refresh" button), keeping the old index if that fails.
package orgcache

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/orgconsole/console/internal/orgtree"
)

// FetchFunc returns every node below orgID (the is_all=1 list).
type FetchFunc func(ctx context.Context, orgID string) ([]orgtree.Node, error)

// Snapshot is one cached index and when it was fetched.
type Snapshot struct {
	Index       *orgtree.Index
	RefreshedAt time.Time
}

// Stats describes what the cache holds, for the status page and benchmarks.
type Stats struct {
	Orgs    int           // cached organisations
	Nodes   int           // nodes over all of them
	Bytes   int           // estimated memory of the indexes (orgtree.Index.Bytes)
	TTL     time.Duration // how long an index is used before it is fetched again
	Entries []OrgStats    // one per cached organisation, by org id
}

// OrgStats is one cached organisation.
type OrgStats struct {
	OrgID       string
	Nodes       int // below the root (orgtree.Index.Size)
	Bytes       int
	RefreshedAt time.Time
	Expired     bool // older than the TTL: the next request fetches it again
}

// Cache is safe for concurrent use.
type Cache struct {
	fetch FetchFunc
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]Snapshot
	group   singleflight.Group
}

// Option adjusts New.
type Option func(*Cache)

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(c *Cache) { c.now = now } }

// New makes a cache. ttl <= 0 keeps nothing: every Get fetches (still single flight).
func New(fetch FetchFunc, ttl time.Duration, opts ...Option) *Cache {
	c := &Cache{fetch: fetch, ttl: ttl, now: time.Now, entries: map[string]Snapshot{}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Get returns the org's index, fetching it when none is held or it is older than the TTL.
func (c *Cache) Get(ctx context.Context, orgID string) (Snapshot, error) {
	if s, ok := c.Peek(orgID); ok {
		return s, nil
	}
	return c.load(ctx, orgID)
}

// Peek returns the org's index only when a fresh one is held; it never fetches.
func (c *Cache) Peek(orgID string) (Snapshot, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.entries[orgID]
	if !ok {
		return Snapshot{}, false
	}
	if c.ttl <= 0 || c.now().Sub(s.RefreshedAt) >= c.ttl {
		delete(c.entries, orgID)
		return Snapshot{}, false
	}
	return s, true
}

// Refresh fetches the org again now. The held index is replaced only when the
// fetch succeeds, so a failed refresh leaves the earlier data in place.
func (c *Cache) Refresh(ctx context.Context, orgID string) (Snapshot, error) {
	return c.load(ctx, orgID)
}

// load fetches under single flight. The shared fetch runs detached from the
// first caller's cancellation (the upstream client has its own timeout), so one
// closed tab does not fail everyone waiting on the same org; each caller still
// stops waiting when its own ctx ends.
func (c *Cache) load(ctx context.Context, orgID string) (Snapshot, error) {
	ch := c.group.DoChan(orgID, func() (any, error) {
		nodes, err := c.fetch(context.WithoutCancel(ctx), orgID)
		if err != nil {
			return Snapshot{}, err
		}
		s := Snapshot{Index: orgtree.Build(orgID, nodes), RefreshedAt: c.now()}
		if c.ttl > 0 {
			c.mu.Lock()
			c.entries[orgID] = s
			c.mu.Unlock()
		}
		return s, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return Snapshot{}, r.Err
		}
		return r.Val.(Snapshot), nil
	case <-ctx.Done():
		return Snapshot{}, ctx.Err()
	}
}

// Stats reports what is held now (expired entries included until next looked at).
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := Stats{TTL: c.ttl}
	now := c.now()
	for id, s := range c.entries {
		e := OrgStats{OrgID: id, Nodes: s.Index.Size(), Bytes: s.Index.Bytes(), RefreshedAt: s.RefreshedAt,
			Expired: now.Sub(s.RefreshedAt) >= c.ttl}
		st.Orgs++
		st.Nodes += e.Nodes
		st.Bytes += e.Bytes
		st.Entries = append(st.Entries, e)
	}
	slices.SortFunc(st.Entries, func(a, b OrgStats) int { return strings.Compare(a.OrgID, b.OrgID) })
	return st
}

// FetchOnly runs the fetch without caching or indexing (benchmarks split the
// time of fetch+decode from the index build with it).
func (c *Cache) FetchOnly(ctx context.Context, orgID string) ([]orgtree.Node, error) {
	return c.fetch(ctx, orgID)
}
