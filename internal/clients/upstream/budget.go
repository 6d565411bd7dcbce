package upstream

import (
	"context"
	"time"
)

// A budget is the whole time upstream calls may take while serving one page:
// token fetches, attempts, backoff and any further calls the page makes all
// draw on it, so a hung platform costs a page the budget, not budget × attempts
// × calls. It travels as a context value rather than a deadline, so the
// request's own work (the store, rendering, streaming) is not cut off by it.
type budgetKey struct{}

// WithBudget gives every upstream call made with ctx one shared deadline, d
// from now. An earlier budget already on ctx is kept: a page cannot extend it.
func WithBudget(ctx context.Context, d time.Duration) context.Context {
	end := time.Now().Add(d)
	if prev, ok := budgetEnd(ctx); ok && prev.Before(end) {
		return ctx
	}
	return context.WithValue(ctx, budgetKey{}, end)
}

// WithoutBudget drops the page's budget: each call then has its client's own
// Config.Timeout. For long operations that show progress as they go (a
// streamed export fetches page after page), not for pages.
func WithoutBudget(ctx context.Context) context.Context {
	return context.WithValue(ctx, budgetKey{}, time.Time{})
}

func budgetEnd(ctx context.Context) (time.Time, bool) {
	end, _ := ctx.Value(budgetKey{}).(time.Time)
	return end, !end.IsZero()
}
