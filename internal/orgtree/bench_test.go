package orgtree

import (
	"maps"
	"runtime"
	"slices"
	"testing"
	"time"
)

// Benchmarks over the 100,000-node district. Goals from the org-tree issue: build
// (with decode, measured by the handler) ≤ 300 ms, search p99 ≤ 20 ms, expand a
// node ≤ 10 ms. Run: go test -run '^$' -bench . -benchmem ./internal/orgtree/

const benchNodes = 100_000

func BenchmarkBuild(b *testing.B) {
	nodes := genDistrict(benchNodes, 1)
	b.ReportAllocs()
	for b.Loop() {
		Build(districtRootID, nodes)
	}
}

// benchQueries are the searches users type: a class name that hits thousands, a
// grade, a school, a Latin name in the wrong case, an exact id, and a miss.
func benchQueries(nodes []Node) map[string]string {
	return map[string]string{
		"class-many-hits": "1班",
		"grade":           "初二",
		"school":          "第17中学",
		"latin-case":      "class 3b",
		"exact-id":        nodes[len(nodes)/2].ID,
		"miss":            "不存在的部门",
	}
}

// BenchmarkSearch reports ns/op and the 99th percentile of single searches
// (limit 200, as the search page shows).
func BenchmarkSearch(b *testing.B) {
	nodes := genDistrict(benchNodes, 1)
	x := Build(districtRootID, nodes)
	qs := benchQueries(nodes)
	for _, kind := range slices.Sorted(maps.Keys(qs)) {
		q := qs[kind]
		b.Run(kind, func(b *testing.B) {
			var lat []time.Duration
			for b.Loop() {
				t0 := time.Now()
				x.Search(q, 0, 200)
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-us")
		})
	}
}

// BenchmarkChildren is "expand a node" without the upstream: the root (all the
// schools and bureau departments) and a grade (its classes).
func BenchmarkChildren(b *testing.B) {
	nodes := genDistrict(benchNodes, 1)
	x := Build(districtRootID, nodes)
	var grade string
	for _, n := range nodes {
		if n.Type == "6" {
			grade = n.ID
			break
		}
	}
	for name, id := range map[string]string{"root": districtRootID, "grade": grade} {
		b.Run(name, func(b *testing.B) {
			b.ReportMetric(float64(x.ChildCount(id)), "children")
			for b.Loop() {
				x.Children(id)
			}
		})
	}
}

// BenchmarkNodeDetail is what the node page needs: the node, its breadcrumbs and counts.
func BenchmarkNodeDetail(b *testing.B) {
	nodes := genDistrict(benchNodes, 1)
	x := Build(districtRootID, nodes)
	id := nodes[len(nodes)/3].ID
	for b.Loop() {
		x.Node(id)
		x.Path(id)
		x.ChildCount(id)
		x.DescendantCount(id)
	}
}

// TestIndexMemory logs what a cached 100,000-node index keeps alive, measured
// with the GC (heap after Build minus heap before, input list released) next to
// the index's own Bytes estimate. Numbers only, no assertion: see -v output.
func TestIndexMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-node tree")
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	x := func() *Index {
		nodes := genDistrict(benchNodes, 1) // dropped on return, as the decoded response is
		return Build(districtRootID, nodes)
	}()
	after := heap()
	t.Logf("index of %d nodes: heap held %.1f MiB (%.0f B/node), Bytes() estimate %.1f MiB",
		x.Size(), float64(after-before)/(1<<20), float64(after-before)/float64(x.Size()), float64(x.Bytes())/(1<<20))
	runtime.KeepAlive(x)
}
