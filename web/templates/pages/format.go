// Package pages holds the foundation's full pages: sign-in, dashboard, users,
// audit log, upstream status, the sandbox inspector and error pages.
package pages

import (
	"strconv"
	"time"
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
