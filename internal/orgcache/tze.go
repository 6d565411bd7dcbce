package orgcache

import (
	"context"

	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/orgtree"
)

// OrgLister is the part of the tze client the org pages use.
type OrgLister interface {
	OrgChildList(ctx context.Context, req tze.OrgChildListRequest) ([]tze.OrgNode, error)
}

// TzeFetch fetches a whole organisation with one is_all=1 call.
func TzeFetch(c OrgLister) FetchFunc {
	return func(ctx context.Context, orgID string) ([]orgtree.Node, error) {
		list, err := c.OrgChildList(ctx, tze.OrgChildListRequest{OrgID: orgID, All: true})
		if err != nil {
			return nil, err
		}
		return FromTze(list), nil
	}
}

// FromTze maps the client's wire type to the index's node.
func FromTze(list []tze.OrgNode) []orgtree.Node {
	out := make([]orgtree.Node, len(list))
	for i, n := range list {
		out[i] = orgtree.Node{ID: n.OrgID, Name: n.OrgName, ParentID: n.ParentID, Type: n.OrgType, Order: n.DisplayOrder}
	}
	return out
}
