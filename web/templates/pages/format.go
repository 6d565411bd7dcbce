// Package pages holds the foundation's full pages: sign-in, dashboard, users,
// audit log, upstream status, the sandbox inspector and error pages.
package pages

import (
	"context"
	"strconv"
	"time"

	"github.com/orgconsole/console/internal/i18n"
)

func fmtInt[T ~int | ~int64](n T) string { return strconv.FormatInt(int64(n), 10) }

func fmtMiB(bytes int) string {
	return strconv.FormatFloat(float64(bytes)/(1<<20), 'f', 1, 64) + " MiB"
}

func fmtDur(d time.Duration) string {
	if d == 0 {
		return "–"
	}
	if d < time.Millisecond {
		return strconv.FormatInt(d.Microseconds(), 10) + "µs"
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// actionName is an audit action by its name in the page's language; a code
// without a name (written by an older version) is shown as stored.
func actionName(ctx context.Context, code string) string { return named(ctx, "audit.act.", code) }

// outcomeName is an audit outcome by its name.
func outcomeName(ctx context.Context, v string) string { return named(ctx, "audit.outcomes.", v) }

func named(ctx context.Context, prefix, code string) string {
	if key := prefix + code; i18n.Has(i18n.LangOf(ctx), key) {
		return i18n.T(ctx, key)
	}
	return code
}
