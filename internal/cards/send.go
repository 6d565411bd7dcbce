package cards

import (
	"context"

	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/store"
)

// Pusher is the part of the 橙讯 client a push needs.
type Pusher interface {
	SetOrgData(ctx context.Context, r chengxun.OrgDataRequest) error
	BatchSetSameData(ctx context.Context, r chengxun.SameDataRequest) error
	BatchSetDiffData(ctx context.Context, r chengxun.DiffDataRequest) error
}

// Send makes one stored call of a job (the card-call job's platform call).
func Send(ctx context.Context, client Pusher, j store.PushJob, c store.PushCall) error {
	req, err := requestFor(j, c)
	if err != nil {
		return err
	}
	switch b := req.body.(type) {
	case chengxun.OrgDataRequest:
		return client.SetOrgData(ctx, b)
	case chengxun.SameDataRequest:
		return client.BatchSetSameData(ctx, b)
	default:
		return client.BatchSetDiffData(ctx, b.(chengxun.DiffDataRequest))
	}
}
