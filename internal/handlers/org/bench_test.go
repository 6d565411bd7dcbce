package org

import (
	"context"
	"io"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/orgconsole/console/internal/csvexport"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/orgtree"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
	orgtempl "github.com/orgconsole/console/web/templates/org"
)

// The numbers for the 100,000-node organisation, through the real
// client and the fake on loopback. `make bench` runs each once (-benchtime 1x),
// so each measures several repetitions itself and reports the median/p99.

const bigOrg = "92000000"

func bigRig(b *testing.B) *rig {
	b.Helper()
	return newRig(b, fake.WithLargeOrg(bigOrg, 100000))
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkOrgFetchDecodeIndex100k: one is_all=1 fetch, decode and orgtree.Build
// (what a cold search or tree page waits for); also the memory the index holds.
func BenchmarkOrgFetchDecodeIndex100k(b *testing.B) {
	r := bigRig(b)
	ctx := context.Background()
	if _, err := r.h.Cache.Refresh(ctx, bigOrg); err != nil { // token, fake's encode cache
		b.Fatal(err)
	}
	var fetchDecode, build []time.Duration
	for range 5 {
		t0 := time.Now()
		list, err := orgFetch(r)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		x := orgtree.Build(bigOrg, list)
		t2 := time.Now()
		fetchDecode, build = append(fetchDecode, t1.Sub(t0)), append(build, t2.Sub(t1))
		_ = x
	}
	var total []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := r.h.Cache.Refresh(ctx, bigOrg); err != nil {
			b.Fatal(err)
		}
		total = append(total, time.Since(t0))
	}
	for range 4 {
		t0 := time.Now()
		_, _ = r.h.Cache.Refresh(ctx, bigOrg)
		total = append(total, time.Since(t0))
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	st := r.h.Cache.Stats()
	b.ReportMetric(ms(median(fetchDecode)), "fetch+decode-ms")
	b.ReportMetric(ms(median(build)), "index-ms")
	b.ReportMetric(ms(median(total)), "fetch+decode+index-ms")
	b.ReportMetric(float64(st.Bytes)/(1<<20), "index-MiB")
	b.ReportMetric(float64(st.Nodes), "nodes")
}

func orgFetch(r *rig) ([]orgtree.Node, error) {
	return r.h.Cache.FetchOnly(context.Background(), bigOrg)
}

// BenchmarkOrgSearch100k: p99 of searches over the cached index (what the page asks, limit 200).
func BenchmarkOrgSearch100k(b *testing.B) {
	r := bigRig(b)
	snap, err := r.h.Cache.Get(context.Background(), bigOrg)
	if err != nil {
		b.Fatal(err)
	}
	x := snap.Index
	queries := []string{"班", "(1)班", "三年级", "教务处", "实验", "本部", "zzz-none", "数学教研组", "高一", "校区办公室", "1", bigOrg + "5000123"}
	var d []time.Duration
	for b.Loop() {
		for range 20 {
			for _, q := range queries {
				t0 := time.Now()
				x.Search(q, 0, SearchLimit)
				d = append(d, time.Since(t0))
			}
		}
	}
	slices.Sort(d)
	b.ReportMetric(ms(d[len(d)*99/100]), "p99-ms")
	b.ReportMetric(ms(d[len(d)/2]), "p50-ms")
}

// BenchmarkOrgFirstTreePage100k: the tree page's HTML size and server time with the index cached.
func BenchmarkOrgFirstTreePage100k(b *testing.B) {
	r := bigRig(b)
	r.get("/org?org=" + bigOrg) // warm the cache
	var size int
	var d []time.Duration
	for b.Loop() {
		for range 5 {
			t0 := time.Now()
			p := r.get("/org?org=" + bigOrg)
			d = append(d, time.Since(t0))
			if p.Status != 200 {
				b.Fatal(p.Status)
			}
			size = len(p.Body)
		}
	}
	b.ReportMetric(float64(size)/1024, "html-KiB")
	b.ReportMetric(ms(median(d)), "page-ms")
}

// BenchmarkOrgExpand100k: one node's children fragment (list + toggle),
// excluding upstream: from the cached index; then the same through one is_all=0
// call, and the ratio of the two (cached browse ÷ upstream).
func BenchmarkOrgExpand100k(b *testing.B) {
	r := bigRig(b)
	ctx := context.Background()
	snap, err := r.h.Cache.Get(ctx, bigOrg)
	if err != nil {
		b.Fatal(err)
	}
	x := snap.Index
	// the node with the most children (under the 100-row cap) in the first few thousand
	target, seen := "", 0
	_ = x.Walk(bigOrg, func(n orgtree.Node, d int) error {
		seen++
		if c := x.ChildCount(n.ID); d > 0 && c <= ChildrenLimit && (target == "" || c > x.ChildCount(target)) {
			target = n.ID
		}
		if seen > 5000 {
			return errStop
		}
		return nil
	})
	expand := func(lv level) time.Duration {
		t0 := time.Now()
		rc := &rowsCtx{orgID: bigOrg, lv: lv, open: []string{target}}
		row := orgtempl.Row{Node: orgtree.Node{ID: target}, Kids: -1, Open: true}
		var err error
		row.Children, row.More, err = r.h.rows(ctx, rc, target)
		if err != nil {
			b.Fatal(err)
		}
		setToggle(&row, bigOrg, rc.open)
		if err := orgtempl.Children(orgtempl.ChildrenProps{Row: row}).Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var cached, upstreamD []time.Duration
	expand(r.h.lazy(bigOrg)) // token warm
	for b.Loop() {
		for range 20 {
			cached = append(cached, expand(fromIndex(x)))
			upstreamD = append(upstreamD, expand(r.h.lazy(bigOrg)))
		}
	}
	b.ReportMetric(ms(median(cached)), "expand-cached-ms")
	b.ReportMetric(ms(median(upstreamD)), "expand-upstream-ms")
	b.ReportMetric(float64(median(cached))/float64(median(upstreamD)), "cached/upstream")
	b.ReportMetric(float64(x.ChildCount(target)), "children")
}

// BenchmarkOrgExportWholeOrg100k: the CSV of the whole 100,000-node
// organisation through csvexport (what /org/export.csv writes).
func BenchmarkOrgExportWholeOrg100k(b *testing.B) {
	r := bigRig(b)
	snap, err := r.h.Cache.Get(context.Background(), bigOrg)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		w, err := csvexport.New(io.Discard, i18n.ZH, "id", "name", "type", "parent id", "path", "order")
		if err != nil {
			b.Fatal(err)
		}
		if err := writeSubtree(w, snap.Index, bigOrg, func(n orgtree.Node) string { return n.Name }, func(code string) string { return typeCell(code, "zh-CN") }); err != nil {
			b.Fatal(err)
		}
		if w.Finish(context.Background(), nil) != csvexport.Complete {
			b.Fatal("export not complete")
		}
	}
}
