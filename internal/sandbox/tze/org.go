package tze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

// Node is one department as the fake holds it. On the wire display_order is
// sent as a JSON string for every third node (by position in the org's list)
// and as a number for the others, as the doc's own example does.
type Node struct {
	OrgID        string
	OrgName      string
	ParentID     string
	OrgType      string // "1"…"10" per the doc; the seed also has one unknown code
	DisplayOrder int
}

// dataset is one organisation: the root id and its nodes in list order.
type dataset struct {
	rootID   string // the org queried
	listedOf string // the org the nodes were registered for (differs for a school as org)
	nodes    []Node
	pos      map[string]int   // node id → index in nodes
	children map[string][]int // parent id → indexes, in list order
}

func (f *Fake) addOrg(orgID string, nodes []Node) {
	d := &dataset{rootID: orgID, listedOf: orgID, nodes: nodes, pos: make(map[string]int, len(nodes)),
		children: make(map[string][]int, len(nodes)/4)}
	for i, n := range nodes {
		d.pos[n.OrgID] = i
		d.children[n.ParentID] = append(d.children[n.ParentID], i)
	}
	f.orgs[orgID] = d
	f.roots = append(f.roots, orgID)
	// A school (2) or enterprise (8) inside an org is an org in its own right:
	// the doc's org_id is "机构、学校等组织id".
	for _, n := range nodes {
		if n.OrgType == "2" || n.OrgType == "8" {
			if _, taken := f.orgs[n.OrgID]; !taken {
				f.orgs[n.OrgID] = &dataset{rootID: n.OrgID, listedOf: orgID, nodes: d.nodes, pos: d.pos, children: d.children}
			}
		}
	}
}

// Orgs lists the registered organisation ids (seeded bureau first).
func (f *Fake) Orgs() []string { return slices.Clone(f.roots) }

// Nodes returns every node below orgID (the org itself excluded), in list order.
func (f *Fake) Nodes(orgID string) ([]Node, error) {
	d, ok := f.orgs[orgID]
	if !ok {
		return nil, fmt.Errorf("tze sandbox: unknown org %q", orgID)
	}
	if d.whole() {
		return slices.Clone(d.nodes), nil
	}
	return d.below(d.rootID, true), nil
}

// whole reports whether the dataset's root is the org its nodes were listed for.
func (d *dataset) whole() bool { return d.rootID == d.listedOf }

// below lists the descendants of id (all levels, or direct children only),
// parents before children. Cycles cannot hang it: a node is visited once.
func (d *dataset) below(id string, all bool) []Node {
	out := []Node{}
	if !all {
		for _, i := range d.children[id] {
			if d.nodes[i].OrgID != id {
				out = append(out, d.nodes[i])
			}
		}
		return out
	}
	// Iterative pre-order walk: deep chains cannot overflow anything.
	seen := map[string]bool{id: true}
	var stack []int
	push := func(p string) {
		kids := d.children[p]
		for j := len(kids) - 1; j >= 0; j-- { // reversed so the stack pops in list order
			if n := d.nodes[kids[j]]; !seen[n.OrgID] {
				seen[n.OrgID] = true
				stack = append(stack, kids[j])
			}
		}
	}
	push(id)
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out = append(out, d.nodes[i])
		push(d.nodes[i].OrgID)
	}
	return out
}

// wireNode is a node as the platform sends it, keys in the example's order.
type wireNode struct {
	OrgID        string       `json:"org_id"`
	OrgName      string       `json:"org_name"`
	OrgType      string       `json:"org_type"`
	ParentID     string       `json:"parent_id"`
	DisplayOrder displayOrder `json:"display_order"`
}

// displayOrder is documented as int but the example sends "1": the fake sends both.
type displayOrder struct {
	n        int
	asString bool
}

func (o displayOrder) MarshalJSON() ([]byte, error) {
	if o.asString {
		return strconv.AppendQuote(nil, strconv.Itoa(o.n)), nil
	}
	return strconv.AppendInt(nil, int64(o.n), 10), nil
}

type listResult struct {
	Count int        `json:"count"`
	List  []wireNode `json:"list"`
}

func (f *Fake) serveOrgChildList(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeErr(w, http.StatusMethodNotAllowed, CodeMethodRefused, "请求方式不支持: "+r.Method)
		return
	}
	if !f.authorized(w, r) {
		return
	}
	q := r.URL.Query()
	orgID, parentID, isAll := q.Get("org_id"), q.Get("parent_id"), q.Get("is_all")
	if orgID == "" {
		writeErr(w, http.StatusOK, CodeFailure, "org_id不能为空")
		return
	}
	d, ok := f.orgs[orgID]
	if !ok {
		writeErr(w, http.StatusOK, CodeFailure, "机构不存在: "+orgID)
		return
	}
	switch isAll {
	case "":
		isAll = "1" // documented default
	case "0", "1":
	default:
		writeErr(w, http.StatusOK, CodeFailure, "is_all只能为0或1: "+isAll)
		return
	}
	if parentID == "" {
		parentID = orgID
	}
	if parentID != orgID && !d.contains(parentID) {
		writeErr(w, http.StatusOK, CodeFailure, "父节点不存在: "+parentID)
		return
	}
	whole := d.whole() && parentID == orgID && isAll == "1"
	if whole {
		f.mu.Lock()
		cached := f.fullCache[orgID]
		f.mu.Unlock()
		if cached != nil {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
			_, _ = w.Write(cached)
			return
		}
	}
	var nodes []Node
	if whole {
		nodes = d.nodes // the whole org, orphans and cycles included
	} else {
		nodes = d.below(parentID, isAll == "1")
	}
	list := make([]wireNode, len(nodes))
	for i, n := range nodes {
		list[i] = wireNode{OrgID: n.OrgID, OrgName: n.OrgName, OrgType: n.OrgType, ParentID: n.ParentID,
			DisplayOrder: displayOrder{n: n.DisplayOrder, asString: d.pos[n.OrgID]%3 == 0}}
	}
	var result any = listResult{Count: len(list), List: list}
	if f.bareList {
		result = list
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(envelope{Code: CodeOK, Message: "成功", Result: result})
	if whole {
		f.mu.Lock()
		f.fullCache[orgID] = buf.Bytes()
		f.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	_, _ = w.Write(buf.Bytes())
}

// contains reports whether id is a descendant of the dataset's root.
func (d *dataset) contains(id string) bool {
	i, ok := d.pos[id]
	if !ok {
		return false
	}
	if d.whole() {
		return true
	}
	// A school as org: walk up to the school, bounded so a cycle cannot hang it.
	for steps := 0; ok && steps <= len(d.nodes); steps++ {
		p := d.nodes[i].ParentID
		if p == d.rootID {
			return true
		}
		i, ok = d.pos[p]
	}
	return false
}
