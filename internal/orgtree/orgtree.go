// Package orgtree holds one organisation's department tree in memory — the flat
// tze.cn org child list (is_all=1) turned into an index the tree pages, the node
// picker and the message composer query: children in display order, paths for
// breadcrumbs, counts, search and CSV export.
//
// The index is immutable after Build and safe for concurrent readers, so a
// handler can cache one per org and swap it on refresh.
//
// Layout: nodes are renumbered in preorder, so a subtree is the contiguous range
// [p, end[p]). That makes descendant counts O(1), Walk and Search linear scans in
// tree order, and children a hop from p+1 along end[] — no per-node slices or
// pointer maps. Ids live in one string blob, names and types are interned.
package orgtree

import (
	"cmp"
	"errors"
	"slices"
	"strings"
)

// Node is one organisation node as the console uses it; the tze client's wire
// type is mapped to it by the handler.
type Node struct {
	ID       string
	Name     string
	ParentID string // as declared upstream, even when the index placed the node elsewhere
	Type     string // org_type code, e.g. "7" 班级; unknown codes kept raw
	Order    int    // display_order
}

// The synthetic group that holds nodes the tree cannot reach from the root: orphans
// (parent id not in the list) and cycle members. Its id starts with "~" so it
// cannot be mistaken for the platform's numeric ids; it is URL-safe for deep links.
// The handler shows a translated label for it; UnattachedName is the fallback
// (used in CSV paths).
const (
	UnattachedID   = "~unattached"
	UnattachedName = "(unattached)"
)

// ErrNotFound is returned (wrapped) by calls that need a node id the index does not hold.
var ErrNotFound = errors.New("orgtree: node not found")

// maxReportedIDs caps Report.DuplicateIDs so a badly broken list cannot blow it up.
const maxReportedIDs = 20

// Report says what Build had to repair in the list; nothing is dropped silently.
type Report struct {
	Input        int      // nodes passed in
	Duplicates   int      // later copies of an id already seen: dropped, first copy wins
	DuplicateIDs []string // the first few duplicated ids, for the log
	Reserved     int      // nodes whose id is UnattachedID: dropped (cannot be told apart from the group)
	Orphans      int      // parent id not in the list (and not the root): under the unattached group
	CycleBreaks  int      // one node per parent-id cycle, cut loose and put under the unattached group
}

// Index is the built tree. The zero value is not usable; call Build or BuildLazy.
type Index struct {
	idBlob  string   // all ids, preorder, concatenated
	idOff   []uint32 // id of p is idBlob[idOff[p]:idOff[p+1]]
	nameTab []string // distinct names
	foldTab []string // nameTab lower-cased for search (shares memory when unchanged)
	nameRef []uint32
	typeTab []string
	typeRef []uint32
	order   []int
	parent  []int32 // tree parent position; -1 for the root
	end     []int32 // subtree of p is [p, end[p])
	kids    []int32 // direct child count
	byID    []int32 // positions sorted by id, for lookup by binary search
	// declared parent ids that differ from the tree parent's id (orphans, cut
	// cycle members, root record): rare, so a map rather than a column.
	declParent map[int32]string
	group      int32 // position of the unattached group, -1 when there is none
	report     Report
}

// Option adjusts Build.
type Option func(*options)

type options struct {
	rootName, rootType string
}

// WithRoot names the root (the org itself is not in the is_all=1 list). A root
// record found in the list wins; without either the root's name is its id.
func WithRoot(name, orgType string) Option {
	return func(o *options) { o.rootName, o.rootType = name, orgType }
}

// Compare orders siblings: display_order, then name (byte order, i.e. Unicode code
// points), then id so the order is total and stable. Handlers that list one level
// lazily (is_all=0) sort with this too, so both views agree.
func Compare(a, b Node) int {
	if c := cmp.Compare(a.Order, b.Order); c != 0 {
		return c
	}
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// SortNodes sorts siblings in place with Compare.
func SortNodes(nodes []Node) { slices.SortFunc(nodes, Compare) }

// Build indexes the flat list of every node below rootID (the is_all=1 result).
// Empty parent ids are read as the root. Orphans and parent-id cycles go under the
// unattached group (the last child of the root); a cycle is cut at its member with
// the smallest id, so where it breaks does not depend on the list's order. Of
// duplicate ids the first wins; Report counts the rest. nodes is only read, and
// not kept: the index copies ids and interns names and types.
func Build(rootID string, nodes []Node, opts ...Option) *Index {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	rep := Report{Input: len(nodes)}

	// Temporary numbering: 0 the root, 1..m-1 kept nodes in input order, m the group.
	// src maps it to the input (-1 for synthetic nodes).
	pos := make(map[string]int32, len(nodes)+1)
	pos[rootID] = 0
	src := make([]int32, 1, len(nodes)+2)
	src[0] = -1
	for i := range nodes {
		id := nodes[i].ID
		if id == UnattachedID {
			rep.Reserved++
			continue
		}
		if t, seen := pos[id]; seen {
			if t == 0 && src[0] < 0 {
				src[0] = int32(i) // the root's own record
				continue
			}
			rep.Duplicates++
			if len(rep.DuplicateIDs) < maxReportedIDs {
				rep.DuplicateIDs = append(rep.DuplicateIDs, id)
			}
			continue
		}
		pos[id] = int32(len(src))
		src = append(src, int32(i))
	}
	m := int32(len(src))
	g := m // the group's temporary number
	src = append(src, -1)

	par := make([]int32, m+1)
	par[0], par[g] = -1, 0
	for t := int32(1); t < m; t++ {
		p := nodes[src[t]].ParentID
		if p == "" {
			continue // par[t] = 0, the root
		}
		q, ok := pos[p]
		if !ok {
			q = g
			rep.Orphans++
		}
		par[t] = q
	}
	pos = nil // no longer needed; let it go before the big allocations below

	idOf := func(t int32) string {
		switch {
		case src[t] >= 0:
			return nodes[src[t]].ID
		case t == 0:
			return rootID
		default:
			return UnattachedID
		}
	}

	// The id lookup table (ids sorted) needs only the ids: sort it on another core
	// while the tree is put together, in temporary numbers, mapped to positions at
	// the end. The goroutine only reads nodes, src and rootID.
	sorted := make(chan []idPos, 1)
	go func() {
		pairs := make([]idPos, m)
		for t := range m {
			pairs[t] = idPos{idOf(t), t}
		}
		slices.SortFunc(pairs, func(a, b idPos) int { return strings.Compare(a.id, b.id) })
		sorted <- pairs
	}()

	// Every node must reach the root or the group by following parents. A walk that
	// comes back onto itself has found a cycle: cut it at its smallest id.
	state := make([]uint8, m+1) // 0 unseen, 1 on the current walk, 2 settled
	state[0], state[g] = 2, 2
	var walk []int32
	for t := int32(1); t < m; t++ {
		walk = walk[:0]
		v := t
		for state[v] == 0 {
			state[v] = 1
			walk = append(walk, v)
			v = par[v]
		}
		if state[v] == 1 {
			k := len(walk) - 1
			for walk[k] != v {
				k--
			}
			cut := walk[k]
			for _, u := range walk[k+1:] {
				if idOf(u) < idOf(cut) {
					cut = u
				}
			}
			par[cut] = g
			rep.CycleBreaks++
		}
		for _, u := range walk {
			state[u] = 2
		}
	}
	state, walk = nil, nil
	hasGroup := rep.Orphans+rep.CycleBreaks > 0

	// Children lists (CSR) in temporary numbering, each sorted by Compare. The group
	// is left out here and put last under the root during the preorder walk.
	start := make([]int32, m+2)
	for t := int32(1); t < m; t++ {
		start[par[t]+1]++
	}
	for i := int32(1); i <= m+1; i++ {
		start[i] += start[i-1]
	}
	child := make([]int32, m)
	fill := slices.Clone(start[:m+1])
	for t := int32(1); t < m; t++ {
		child[fill[par[t]]] = t
		fill[par[t]]++
	}
	fill = nil
	// Only real nodes are ever siblings here: the root has no parent and the group
	// is not in these lists.
	for p := int32(0); p <= m; p++ {
		if s := child[start[p]:start[p+1]]; len(s) > 1 {
			slices.SortFunc(s, func(a, b int32) int {
				na, nb := &nodes[src[a]], &nodes[src[b]]
				if na.Order != nb.Order {
					return cmp.Compare(na.Order, nb.Order)
				}
				return Compare(*na, *nb)
			})
		}
	}

	// Preorder numbering from the int32 arrays alone, with an explicit stack (the
	// tree can be deep after a cycle cut).
	n := int(m)
	if hasGroup {
		n++
	}
	pre := make([]int32, 0, n) // temporary numbers in preorder
	newPos := make([]int32, m+1)
	stack := make([]int32, 0, 64)
	if hasGroup {
		stack = append(stack, g)
	}
	stack = append(stack, 0)
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		newPos[t] = int32(len(pre))
		pre = append(pre, t)
		kids := child[start[t]:start[t+1]]
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, kids[i])
		}
	}

	x := &Index{
		idOff:      make([]uint32, n+1),
		nameRef:    make([]uint32, n),
		typeRef:    make([]uint32, n),
		order:      make([]int, n),
		parent:     make([]int32, n),
		end:        make([]int32, n),
		kids:       make([]int32, n),
		declParent: map[int32]string{},
		group:      -1,
	}
	lens := make([]uint32, m+1)
	for t := range m + 1 {
		lens[t] = uint32(len(idOf(t)))
	}
	for p, t := range pre {
		x.idOff[p+1] = x.idOff[p] + lens[t]
	}
	lens = nil
	blob := make([]byte, x.idOff[n])

	names := make(map[string]uint32, m/8+16)
	intern := func(s string) uint32 {
		if r, ok := names[s]; ok {
			return r
		}
		r := uint32(len(x.nameTab))
		s = strings.Clone(s) // do not pin the decoder's buffers
		x.nameTab = append(x.nameTab, s)
		names[s] = r
		return r
	}
	// A handful of org_type codes, runs of the same one: check the last, then scan.
	lastType := uint32(0)
	internType := func(s string) uint32 {
		if int(lastType) < len(x.typeTab) && x.typeTab[lastType] == s {
			return lastType
		}
		for i, v := range x.typeTab {
			if v == s {
				lastType = uint32(i)
				return lastType
			}
		}
		x.typeTab = append(x.typeTab, strings.Clone(s))
		lastType = uint32(len(x.typeTab) - 1)
		return lastType
	}

	// Fill the columns in input order (t follows the list), writing to preorder
	// positions: the list is read sequentially, only small arrays are hit at random.
	for t := range m + 1 {
		if t == g && !hasGroup {
			break
		}
		p := newPos[t]
		nd := Node{ID: idOf(t)}
		if src[t] >= 0 {
			nd = nodes[src[t]]
		}
		switch t {
		case 0:
			nd.Name = cmp.Or(nd.Name, o.rootName, rootID)
			nd.Type = cmp.Or(nd.Type, o.rootType)
			x.parent[p] = -1
			if nd.ParentID != "" {
				x.declParent[p] = nd.ParentID // the root record's own parent, kept as sent
			}
		case g:
			nd.Name = UnattachedName
			x.group = p
			x.parent[p] = newPos[0]
		default:
			x.parent[p] = newPos[par[t]]
			// The tree parent differs from the declared one only for orphans, cut
			// cycle members and empty parent ids.
			if par[t] == g || (nd.ParentID == "" && rootID != "") {
				x.declParent[p] = nd.ParentID
			}
		}
		copy(blob[x.idOff[p]:], nd.ID)
		x.nameRef[p] = intern(nd.Name)
		x.typeRef[p] = internType(nd.Type)
		x.order[p] = nd.Order
		x.kids[p] = start[t+1] - start[t]
	}
	if hasGroup {
		x.kids[0]++
	}
	x.idBlob = string(blob)
	blob = nil

	// Subtree ends bottom-up: children always sit after their parent in preorder.
	size := x.end // reuse: size first, then turned into end
	for p := n - 1; p >= 0; p-- {
		size[p]++
		if q := x.parent[p]; q >= 0 {
			size[q] += size[p]
		}
	}
	for p := range size {
		size[p] += int32(p)
	}

	x.foldTab = make([]string, len(x.nameTab))
	for i, s := range x.nameTab {
		x.foldTab[i] = fold(s)
	}
	pairs := <-sorted
	x.byID = make([]int32, 0, n)
	groupPending := hasGroup // its id was not in the sort: merge it in at its place
	for _, e := range pairs {
		if groupPending && e.id > UnattachedID {
			x.byID = append(x.byID, x.group)
			groupPending = false
		}
		x.byID = append(x.byID, newPos[e.t])
	}
	if groupPending {
		x.byID = append(x.byID, x.group)
	}
	x.report = rep
	return x
}

// idPos pairs an id with its temporary number: sorting these reads contiguous
// memory instead of chasing offsets into the blob.
type idPos struct {
	id string
	t  int32
}

// fold lower-cases for case-insensitive search. strings.ToLower returns s itself
// when nothing changes (all Chinese, already lower-case), so no memory is spent then.
func fold(s string) string { return strings.ToLower(s) }

func (x *Index) id(p int32) string { return x.idBlob[x.idOff[p]:x.idOff[p+1]] }

// find returns the position of id.
func (x *Index) find(id string) (int32, bool) {
	i, ok := slices.BinarySearchFunc(x.byID, id, func(p int32, id string) int {
		return strings.Compare(x.id(p), id)
	})
	if !ok {
		return -1, false
	}
	return x.byID[i], true
}

func (x *Index) node(p int32) Node {
	nd := Node{
		ID:    x.id(p),
		Name:  x.nameTab[x.nameRef[p]],
		Type:  x.typeTab[x.typeRef[p]],
		Order: x.order[p],
	}
	if s, ok := x.declParent[p]; ok {
		nd.ParentID = s
	} else if q := x.parent[p]; q >= 0 {
		nd.ParentID = x.id(q)
	}
	return nd
}

// RootID is the id the index was built for.
func (x *Index) RootID() string { return x.id(0) }

// Root is the root node (the organisation).
func (x *Index) Root() Node { return x.node(0) }

// Report says what Build repaired.
func (x *Index) Report() Report {
	r := x.report
	r.DuplicateIDs = slices.Clone(r.DuplicateIDs)
	return r
}

// Size is the number of nodes below the root, not counting the unattached group:
// every distinct id of the list except the root's own record.
func (x *Index) Size() int { return x.DescendantCount(x.RootID()) }

// Node returns the node with this id.
func (x *Index) Node(id string) (Node, bool) {
	p, ok := x.find(id)
	if !ok {
		return Node{}, false
	}
	return x.node(p), true
}

// IsUnattached says whether id is the synthetic group.
func IsUnattached(id string) bool { return id == UnattachedID }

// Children lists the direct children of id in display order (nil if id is unknown
// or a leaf). The root's last child is the unattached group when there is one.
func (x *Index) Children(id string) []Node {
	p, ok := x.find(id)
	if !ok || x.kids[p] == 0 {
		return nil
	}
	out := make([]Node, 0, x.kids[p])
	for c := p + 1; c < x.end[p]; c = x.end[c] {
		out = append(out, x.node(c))
	}
	return out
}

// ChildCount is the number of direct children of id (0 if unknown).
func (x *Index) ChildCount(id string) int {
	p, ok := x.find(id)
	if !ok {
		return 0
	}
	return int(x.kids[p])
}

// DescendantCount is the number of nodes below id (0 if unknown). The synthetic
// group is not counted as a descendant of the root; its members are.
func (x *Index) DescendantCount(id string) int {
	p, ok := x.find(id)
	if !ok {
		return 0
	}
	n := int(x.end[p] - p - 1)
	if p == 0 && x.group >= 0 {
		n--
	}
	return n
}

// Path lists the nodes from the root to id, both included (nil if unknown): the
// breadcrumbs.
func (x *Index) Path(id string) []Node {
	p, ok := x.find(id)
	if !ok {
		return nil
	}
	return x.path(p)
}

func (x *Index) path(p int32) []Node {
	depth := 0
	for q := p; q >= 0; q = x.parent[q] {
		depth++
	}
	out := make([]Node, depth)
	for q := p; q >= 0; q = x.parent[q] {
		depth--
		out[depth] = x.node(q)
	}
	return out
}

// Ancestors lists the ids from the root down to id's parent (empty for the root,
// nil if unknown): the nodes a deep link expands to show id.
func (x *Index) Ancestors(id string) []string {
	p, ok := x.find(id)
	if !ok {
		return nil
	}
	depth := 0
	for q := x.parent[p]; q >= 0; q = x.parent[q] {
		depth++
	}
	out := make([]string, depth)
	for q := x.parent[p]; q >= 0; q = x.parent[q] {
		depth--
		out[depth] = x.id(q)
	}
	return out
}

// SkipChildren returned by a Walk callback skips the current node's subtree.
var SkipChildren = errors.New("orgtree: skip children")

// Walk visits id and its subtree in preorder (display order), with the depth
// relative to id (0 for id itself). fn returning SkipChildren skips that node's
// subtree; any other error stops the walk and is returned.
func (x *Index) Walk(id string, fn func(n Node, depth int) error) error {
	p, ok := x.find(id)
	if !ok {
		return &lookupError{id: id}
	}
	var open []int32 // ends of the ancestors still open, within the walk
	for c := p; c < x.end[p]; {
		for len(open) > 0 && c >= open[len(open)-1] {
			open = open[:len(open)-1]
		}
		err := fn(x.node(c), len(open))
		if errors.Is(err, SkipChildren) {
			c = x.end[c]
			continue
		}
		if err != nil {
			return err
		}
		open = append(open, x.end[c])
		c++
	}
	return nil
}

// lookupError names the id and unwraps to ErrNotFound.
type lookupError struct{ id string }

func (e *lookupError) Error() string { return "orgtree: node " + e.id + " not found" }
func (e *lookupError) Unwrap() error { return ErrNotFound }

// Bytes estimates the memory the index holds (its slices, blob and interned
// strings; map overhead approximated). It is cheap: no walk over the nodes.
func (x *Index) Bytes() int {
	b := len(x.idBlob) + 4*cap(x.idOff) + 4*cap(x.nameRef) + 4*cap(x.typeRef) +
		8*cap(x.order) + 4*(cap(x.parent)+cap(x.end)+cap(x.kids)+cap(x.byID))
	for i, s := range x.nameTab {
		b += 32 + len(s) // header in nameTab and foldTab
		if f := x.foldTab[i]; f != s {
			b += len(f)
		}
	}
	for _, s := range x.typeTab {
		b += 16 + len(s)
	}
	for _, s := range x.declParent {
		b += 48 + len(s)
	}
	return b
}
