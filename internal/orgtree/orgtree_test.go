package orgtree

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const root = "100"

func nd(id, name, parent string, order int) Node {
	return Node{ID: id, Name: name, ParentID: parent, Type: "4", Order: order}
}

func idsOf(nodes []Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.ID
	}
	return out
}

// preorder lists every node of the index with its depth, in Walk order.
func preorder(t *testing.T, x *Index) []string {
	t.Helper()
	var out []string
	require.NoError(t, x.Walk(x.RootID(), func(n Node, depth int) error {
		out = append(out, fmt.Sprintf("%d:%s", depth, n.ID))
		return nil
	}))
	return out
}

func TestChildrenSortedByOrderThenNameThenID(t *testing.T) {
	tests := []struct {
		name  string
		nodes []Node
		want  []string
	}{
		{"order wins over name", []Node{nd("a", "乙", root, 2), nd("b", "甲", root, 1)}, []string{"b", "a"}},
		{"name breaks order ties", []Node{nd("a", "3班", root, 0), nd("b", "1班", root, 0), nd("c", "2班", root, 0)}, []string{"b", "c", "a"}},
		{"id breaks full ties", []Node{nd("z", "同名", root, 1), nd("m", "同名", root, 1)}, []string{"m", "z"}},
		{"negative order first", []Node{nd("a", "A", root, 0), nd("b", "B", root, -5)}, []string{"b", "a"}},
		{"upstream order ignored", []Node{nd("c", "C", root, 3), nd("a", "A", root, 1), nd("b", "B", root, 2)}, []string{"a", "b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := Build(root, tt.nodes)
			assert.Equal(t, tt.want, idsOf(x.Children(root)))
			// the lazy page sorts with the same rule
			sorted := slices.Clone(tt.nodes)
			SortNodes(sorted)
			assert.Equal(t, tt.want, idsOf(sorted))
		})
	}
}

func TestNestedTreeQueries(t *testing.T) {
	nodes := []Node{
		nd("c1", "1班", "g1", 1),
		nd("s1", "第一中学", root, 1),
		nd("g1", "一年级", "st1", 1),
		nd("st1", "小学部", "s1", 1),
		nd("c2", "2班", "g1", 2),
		nd("s2", "第二中学", "", 2), // empty parent: the root
	}
	x := Build(root, nodes, WithRoot("某区教育局", "1"))

	assert.Equal(t, 6, x.Size())
	assert.Equal(t, Node{ID: root, Name: "某区教育局", Type: "1"}, x.Root())
	assert.Equal(t, []string{"s1", "s2"}, idsOf(x.Children(root)))
	assert.Equal(t, []string{root, "s1", "st1", "g1", "c2"}, idsOf(x.Path("c2")))
	assert.Equal(t, []string{root, "s1", "st1", "g1"}, x.Ancestors("c2"))
	assert.Equal(t, []string{}, x.Ancestors(root))
	assert.Nil(t, x.Ancestors("nope"))
	assert.Nil(t, x.Path("nope"))
	assert.Nil(t, x.Children("c1"), "leaf")
	assert.Nil(t, x.Children("nope"))

	for id, want := range map[string][2]int{root: {2, 6}, "s1": {1, 4}, "g1": {2, 2}, "c1": {0, 0}, "s2": {0, 0}, "nope": {0, 0}} {
		assert.Equal(t, want[0], x.ChildCount(id), "children of %s", id)
		assert.Equal(t, want[1], x.DescendantCount(id), "descendants of %s", id)
	}

	got, ok := x.Node("c2")
	require.True(t, ok)
	assert.Equal(t, nd("c2", "2班", "g1", 2), got)
	got, ok = x.Node("s2")
	require.True(t, ok)
	assert.Equal(t, "", got.ParentID, "declared parent kept as sent")
	_, ok = x.Node("nope")
	assert.False(t, ok)
	assert.Equal(t, Report{Input: 6}, x.Report())
}

func TestRootNameFallbacks(t *testing.T) {
	x := Build(root, nil)
	assert.Equal(t, root, x.Root().Name, "no name known: the id")
	assert.Equal(t, 0, x.Size())
	assert.Nil(t, x.Children(root))

	// the root's own record in the list wins and is not a duplicate
	x = Build(root, []Node{nd("a", "A", root, 1), {ID: root, Name: "真名", Type: "2", ParentID: "9"}}, WithRoot("配置名", "1"))
	assert.Equal(t, Node{ID: root, Name: "真名", Type: "2", ParentID: "9"}, x.Root())
	assert.Equal(t, 1, x.Size())
	assert.Zero(t, x.Report().Duplicates)
}

func TestOrphansKeptUnderUnattached(t *testing.T) {
	nodes := []Node{
		nd("a", "A", root, 1),
		nd("o2", "孤儿乙", "gone", 2),
		nd("o1", "孤儿甲", "gone", 1),
		nd("o1c", "孤儿的孩子", "o1", 1),
		nd("o3", "Orphan", "missing", 1),
	}
	x := Build(root, nodes)
	assert.Equal(t, 5, x.Size(), "nothing lost; the group is not counted")
	assert.Equal(t, []string{"a", UnattachedID}, idsOf(x.Children(root)), "group is the root's last child")
	assert.Equal(t, []string{"o3", "o1", "o2"}, idsOf(x.Children(UnattachedID)), "Latin sorts before 汉字 on a tie")
	assert.Equal(t, []string{root, UnattachedID, "o1", "o1c"}, idsOf(x.Path("o1c")))
	assert.Equal(t, 2, x.ChildCount(root))
	assert.Equal(t, 5, x.DescendantCount(root))
	assert.Equal(t, 4, x.DescendantCount(UnattachedID))

	o1, _ := x.Node("o1")
	assert.Equal(t, "gone", o1.ParentID, "declared parent is reported, not the group")
	g, _ := x.Node(UnattachedID)
	assert.Equal(t, Node{ID: UnattachedID, Name: UnattachedName, ParentID: root}, g)
	assert.True(t, IsUnattached(g.ID))
	assert.Equal(t, 3, x.Report().Orphans)

	// a clean tree has no group
	x = Build(root, nodes[:1])
	_, ok := x.Node(UnattachedID)
	assert.False(t, ok)
}

func TestCyclesNeitherHangNorLoseNodes(t *testing.T) {
	tests := []struct {
		name  string
		nodes []Node
		cut   []string // nodes that end up directly under the group
		path  map[string][]string
	}{
		{"self parent", []Node{nd("a", "A", root, 1), nd("s", "自环", "s", 1)}, []string{"s"},
			map[string][]string{"s": {root, UnattachedID, "s"}}},
		{"2-cycle", []Node{nd("x", "X", "y", 1), nd("y", "Y", "x", 1)}, []string{"x"},
			map[string][]string{"y": {root, UnattachedID, "x", "y"}}},
		{"3-cycle cut at smallest id", []Node{nd("q", "Q", "r", 1), nd("r", "R", "p", 1), nd("p", "P", "q", 1)}, []string{"p"},
			map[string][]string{"q": {root, UnattachedID, "p", "r", "q"}}},
		{"cycle with a tail and a subtree", []Node{
			nd("b", "B", "c", 1), nd("c", "C", "b", 1), nd("t", "tail", "b", 2), nd("u", "below tail", "t", 1), nd("ok", "ok", root, 1),
		}, []string{"b"}, map[string][]string{"u": {root, UnattachedID, "b", "t", "u"}, "ok": {root, "ok"}}},
		{"two separate cycles", []Node{nd("a1", "A", "a2", 1), nd("a2", "A", "a1", 1), nd("b1", "B", "b1", 1)}, []string{"a1", "b1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := Build(root, tt.nodes)
			assert.Equal(t, len(tt.nodes), x.Size())
			assert.Len(t, preorder(t, x), len(tt.nodes)+2, "every node reachable once (+ root + group)")
			assert.Equal(t, tt.cut, idsOf(x.Children(UnattachedID)))
			assert.Equal(t, len(tt.cut), x.Report().CycleBreaks)
			for id, want := range tt.path {
				assert.Equal(t, want, idsOf(x.Path(id)), id)
			}
			// the cut does not depend on the list's order
			rev := slices.Clone(tt.nodes)
			slices.Reverse(rev)
			assert.Equal(t, preorder(t, x), preorder(t, Build(root, rev)))
		})
	}
}

func TestDuplicateIDsFirstWins(t *testing.T) {
	nodes := []Node{
		nd("a", "first", root, 1),
		nd("b", "B", root, 2),
		nd("a", "second", "b", 1),
		nd("a", "third", root, 3),
		nd(UnattachedID, "impostor", root, 1),
	}
	x := Build(root, nodes)
	a, _ := x.Node("a")
	assert.Equal(t, "first", a.Name)
	assert.Equal(t, []string{"a", "b"}, idsOf(x.Children(root)))
	assert.Equal(t, 2, x.Size())
	r := x.Report()
	assert.Equal(t, Report{Input: 5, Duplicates: 2, DuplicateIDs: []string{"a", "a"}, Reserved: 1}, r)
	r.DuplicateIDs[0] = "changed"
	assert.Equal(t, "a", x.Report().DuplicateIDs[0], "Report hands out a copy")

	var many []Node
	for range 100 {
		many = append(many, nd("d", "D", root, 1))
	}
	r = Build(root, many).Report()
	assert.Equal(t, 99, r.Duplicates)
	assert.Len(t, r.DuplicateIDs, maxReportedIDs)
}

func TestNamesKeptVerbatim(t *testing.T) {
	payloads := []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`, `&amp; &lt;`, "😀班", "  spaced  "}
	var nodes []Node
	for i, p := range payloads {
		nodes = append(nodes, Node{ID: strconv.Itoa(i), Name: p, ParentID: root, Type: `<b>7</b>`, Order: i})
	}
	x := Build(root, nodes)
	for i, p := range payloads {
		n, ok := x.Node(strconv.Itoa(i))
		require.True(t, ok)
		assert.Equal(t, p, n.Name)
		assert.Equal(t, `<b>7</b>`, n.Type)
	}
	hits, total := x.Search("<script>", 0, 10)
	assert.Equal(t, 1, total)
	assert.Equal(t, payloads[0], hits[0].Node.Name)
}

func TestSearch(t *testing.T) {
	nodes := []Node{
		nd("s1", "第一中学", root, 1),
		nd("s2", "International School", root, 2),
		nd("g1", "一年级", "s1", 1),
		nd("c1", "1班", "g1", 1),
		nd("c2", "Class 1A", "g1", 2),
		nd("g2", "GRADE ONE", "s2", 1),
		nd("c3", "1班", "g2", 1),
		nd("c4", "11班", "g2", 2),
		nd("o", "孤立的1班", "gone", 1),
		nd("11", "数字id的部门", "g2", 3), // after c4 in tree order
	}
	x := Build(root, nodes)
	tests := []struct {
		name   string
		q      string
		offset int
		limit  int
		want   []string
		total  int
	}{
		{"chinese substring, tree order", "1班", 0, 10, []string{"c1", "c3", "c4", "o"}, 4}, // o: under the group, last
		{"latin case-insensitive", "class 1a", 0, 10, []string{"c2"}, 1},
		{"upper-case query", "GRADE", 0, 10, []string{"g2"}, 1},
		{"mixed case over mixed names", "SCHOOL", 0, 10, []string{"s2"}, 1},
		{"limit keeps the total", "1班", 0, 2, []string{"c1", "c3"}, 4},
		{"limit zero counts only", "1班", 0, 0, nil, 4},
		{"exact id", "c3", 0, 10, []string{"c3"}, 1},
		{"id is not a substring match", "c", 0, 10, []string{"c2", "s2"}, 2}, // names with a c; no id "c"
		{"exact id first, then names in tree order", "11", 0, 2, []string{"11", "c4"}, 2},
		{"exact id survives a tight limit", "11", 0, 1, []string{"11"}, 2},
		{"trimmed", "  一年级 ", 0, 10, []string{"g1"}, 1},
		{"empty", "   ", 0, 10, nil, 0},
		{"no match", "高三", 0, 10, nil, 0},
		{"group name is not data", "unattached", 0, 10, nil, 0},
		{"root by id", root, 0, 10, []string{root}, 1},
		{"second page", "1班", 2, 2, []string{"c4", "o"}, 4},
		{"a page past the id hit", "11", 1, 10, []string{"c4"}, 2},
		{"past the end: only the total", "1班", 9, 10, nil, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, total := x.Search(tt.q, tt.offset, tt.limit)
			var got []string
			for _, h := range hits {
				got = append(got, h.Node.ID)
				assert.Equal(t, idsOf(x.Path(h.Node.ID)), idsOf(h.Path), "hit carries its path")
				assert.Equal(t, h.Node.ID == tt.q, h.ByID)
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.total, total)
		})
	}
}

func TestWalk(t *testing.T) {
	x := Build(root, []Node{
		nd("a", "A", root, 1), nd("a1", "A1", "a", 1), nd("a2", "A2", "a", 2), nd("a11", "A11", "a1", 1), nd("b", "B", root, 2),
	})
	assert.Equal(t, []string{"0:100", "1:a", "2:a1", "3:a11", "2:a2", "1:b"}, preorder(t, x))

	var got []string
	require.NoError(t, x.Walk("a", func(n Node, depth int) error {
		got = append(got, fmt.Sprintf("%d:%s", depth, n.ID))
		if n.ID == "a1" {
			return SkipChildren
		}
		return nil
	}))
	assert.Equal(t, []string{"0:a", "1:a1", "1:a2"}, got)

	stop := errors.New("stop")
	n := 0
	err := x.Walk(root, func(Node, int) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	assert.ErrorIs(t, err, stop)
	assert.Equal(t, 2, n)

	assert.ErrorIs(t, x.Walk("nope", func(Node, int) error { return nil }), ErrNotFound)
}

// The tree built from one is_all=1 list equals the tree a user gets by expanding
// one level at a time (is_all=0): same nodes, same order, at every node.
func TestFlatListEqualsLazyExpansion(t *testing.T) {
	flat := genDistrict(5000, 7)
	byParent := map[string][]Node{}
	for _, n := range flat {
		byParent[n.ParentID] = append(byParent[n.ParentID], n)
	}
	r := rand.New(rand.NewPCG(1, 2))
	expand := func(_ context.Context, parent string) ([]Node, error) {
		kids := slices.Clone(byParent[parent])
		r.Shuffle(len(kids), func(i, j int) { kids[i], kids[j] = kids[j], kids[i] }) // upstream order is not trusted
		return kids, nil
	}

	x := Build(districtRootID, flat)
	lazy, err := BuildLazy(context.Background(), districtRootID, expand)
	require.NoError(t, err)

	assert.Equal(t, 5000, x.Size())
	assert.Equal(t, preorder(t, x), preorder(t, lazy))
	// and per node, against the lazy page's own rule: children of X, then sort
	count := 0
	require.NoError(t, x.Walk(x.RootID(), func(n Node, _ int) error {
		want := slices.Clone(byParent[n.ID])
		SortNodes(want)
		if len(want) == 0 {
			want = nil
		}
		require.Equal(t, want, x.Children(n.ID), n.ID)
		require.Equal(t, want, lazy.Children(n.ID), n.ID)
		count++
		return nil
	}))
	assert.Equal(t, 5001, count)
}

func TestBuildLazyStopsOnErrorsAndCycles(t *testing.T) {
	boom := errors.New("upstream down")
	_, err := BuildLazy(context.Background(), root, func(context.Context, string) ([]Node, error) { return nil, boom })
	assert.ErrorIs(t, err, boom)

	// an upstream that answers in a circle: each id expanded once
	calls := 0
	x, err := BuildLazy(context.Background(), root, func(_ context.Context, p string) ([]Node, error) {
		calls++
		switch p {
		case root:
			return []Node{{ID: "a", Name: "A"}}, nil
		case "a":
			return []Node{{ID: "b", Name: "B"}}, nil
		default:
			return []Node{{ID: "a", Name: "A again", ParentID: "b"}}, nil
		}
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls)
	assert.Equal(t, []string{root, "a", "b"}, idsOf(x.Path("b")))
	assert.Equal(t, 1, x.Report().Duplicates)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = BuildLazy(ctx, root, func(context.Context, string) ([]Node, error) { return nil, nil })
	assert.ErrorIs(t, err, context.Canceled)
}

// Random lists full of orphans, cycles, self-parents and duplicates: Build must
// keep every distinct id exactly once, every path must end at the root, and
// siblings must come out sorted.
func TestBuildRandomBrokenLists(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 99))
		size := 1 + r.IntN(60)
		var nodes []Node
		distinct := map[string]bool{}
		for range size {
			id := strconv.Itoa(r.IntN(size * 2))
			var parent string
			switch r.IntN(6) {
			case 0:
				parent = root
			case 1:
				parent = "missing" + strconv.Itoa(r.IntN(3))
			case 2:
				parent = id
			default:
				parent = strconv.Itoa(r.IntN(size * 2))
			}
			nodes = append(nodes, Node{ID: id, Name: "n" + strconv.Itoa(r.IntN(5)), ParentID: parent, Order: r.IntN(3)})
			if id != root {
				distinct[id] = true // the root's own record is the root, not below it
			}
		}
		x := Build(root, nodes)
		require.Equal(t, len(distinct), x.Size(), "seed %d", seed)
		walked := preorder(t, x)
		seen := map[string]bool{}
		for _, w := range walked {
			require.False(t, seen[w], "seed %d: %s twice", seed, w)
			seen[w] = true
		}
		for id := range distinct {
			p := x.Path(id)
			require.NotEmpty(t, p, "seed %d id %s", seed, id)
			require.Equal(t, root, p[0].ID)
			require.Equal(t, id, p[len(p)-1].ID)
			kids := x.Children(id)
			require.True(t, slices.IsSortedFunc(kids, Compare), "seed %d: children of %s sorted", seed, id)
			require.Equal(t, len(kids), x.ChildCount(id))
			sum := len(kids)
			for _, k := range kids {
				sum += x.DescendantCount(k.ID)
			}
			require.Equal(t, sum, x.DescendantCount(id))
		}
	}
}

// A 50,000-deep chain, and the same chain closed into a cycle: no recursion to
// overflow, nothing lost.
func TestDeepChainAndLongCycle(t *testing.T) {
	const depth = 50_000
	chain := make([]Node, depth)
	for i := range chain {
		chain[i] = Node{ID: "n" + strconv.Itoa(i), Name: "级", ParentID: "n" + strconv.Itoa(i-1)}
	}
	chain[0].ParentID = root
	x := Build(root, chain)
	assert.Equal(t, depth, x.Size())
	assert.Len(t, x.Path("n49999"), depth+1)
	assert.Len(t, x.Ancestors("n49999"), depth)
	assert.Len(t, preorder(t, x), depth+1)

	chain[0].ParentID = "n49999"
	x = Build(root, chain)
	assert.Equal(t, depth, x.Size())
	assert.Equal(t, 1, x.Report().CycleBreaks)
	assert.Equal(t, []string{"n0"}, idsOf(x.Children(UnattachedID)), "cut at the smallest id")
	assert.Equal(t, depth, x.DescendantCount(UnattachedID))
}

// Ids that sort next to the group's own id are all still found.
func TestLookupAroundUnattachedID(t *testing.T) {
	ids := []string{"~a", "~unattache", "~unattachedx", "~z", "zz", "", "A"}
	var nodes []Node
	for i, id := range ids {
		nodes = append(nodes, Node{ID: id, Name: "n", ParentID: "gone", Order: i})
	}
	x := Build(root, nodes)
	for _, id := range append(ids, UnattachedID, root) {
		n, ok := x.Node(id)
		require.True(t, ok, "%q", id)
		assert.Equal(t, id, n.ID)
	}
	assert.Len(t, x.Children(UnattachedID), len(ids))
}
