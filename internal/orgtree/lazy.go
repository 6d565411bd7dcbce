package orgtree

import (
	"context"
	"fmt"
)

// ExpandFunc lists the direct children of parentID: the org child list with
// is_all=0 and parent_id.
type ExpandFunc func(ctx context.Context, parentID string) ([]Node, error)

// BuildLazy builds the same Index as Build by expanding one level at a time from
// rootID, breadth first. Each id is expanded once, so a cycle in the answers ends
// the crawl instead of looping; a child without a parent id is taken to belong to
// the node that was expanded. It stops at the first error (or when ctx ends).
func BuildLazy(ctx context.Context, rootID string, expand ExpandFunc, opts ...Option) (*Index, error) {
	var all []Node
	seen := map[string]bool{rootID: true}
	queue := []string{rootID}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		parent := queue[0]
		queue = queue[1:]
		kids, err := expand(ctx, parent)
		if err != nil {
			return nil, fmt.Errorf("orgtree: expand %s: %w", parent, err)
		}
		for _, k := range kids {
			if k.ParentID == "" {
				k.ParentID = parent
			}
			all = append(all, k) // duplicates included: Build reports them
			if !seen[k.ID] {
				seen[k.ID] = true
				queue = append(queue, k.ID)
			}
		}
	}
	return Build(rootID, all, opts...), nil
}
