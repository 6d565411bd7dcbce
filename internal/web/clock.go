package web

import (
	"fmt"
	"time"

	"github.com/orgconsole/console/internal/i18n"
)

// Layouts of the times the console shows, exports and names files after.
// Every one of them is written in the configured zone (CONSOLE_TIMEZONE)
// through Info.Time; nothing formats a time.Time on its own.
const (
	DateTime   = "2006-01-02 15:04:05" // tables, details
	DateMinute = "2006-01-02 15:04"    // LIST card times as the platform shows them
	Short      = "01-02 15:04"         // card previews
	Clock      = "15:04:05"            // within today (token expiry, last error)
	ClockMilli = "15:04:05.000"        // the sandbox's request log
	FileStamp  = "20060102-150405"     // download names: audit-20261201-073600.csv
	LocalInput = "2006-01-02T15:04"    // <input type="datetime-local">
	DateInput  = "2006-01-02"          // <input type="date">
)

// Loc is the zone the console shows and reads times in. The server sets it
// from the configuration on every request; a component rendered on its own
// (tests) gets UTC rather than the host's zone, so nothing depends on the
// machine's clock settings.
func (i *Info) Loc() *time.Location {
	if i == nil || i.Location == nil {
		return time.UTC
	}
	return i.Location
}

// Time formats t in the console's zone ("" for the zero time: never set).
func (i *Info) Time(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.In(i.Loc()).Format(layout)
}

// ParseLocal reads a time typed in the console's zone (a datetime-local or
// date input, a CSV cell).
func (i *Info) ParseLocal(layout, v string) (time.Time, error) {
	return time.ParseInLocation(layout, v, i.Loc())
}

// Zone names the console's zone for people, with its offset from UTC now:
// "北京时间（UTC+8）" / "Beijing time (UTC+8)" by default, else the IANA name,
// e.g. "UTC" or "Europe/Berlin (UTC+1)". The layout's footer says it once
// per page; hints about typed times use it too.
func (i *Info) Zone() string {
	off := zoneOffset(time.Now().In(i.Loc()))
	switch name := i.Loc().String(); name {
	case "Asia/Shanghai":
		return i18n.Tr(i.Lang, "tz.beijing", off)
	case off:
		return name
	default:
		return i18n.Tr(i.Lang, "tz.named", name, off)
	}
}

// zoneOffset is t's offset from UTC: "UTC+8", "UTC+5:30", "UTC-3", "UTC".
func zoneOffset(t time.Time) string {
	_, off := t.Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	switch {
	case off == 0:
		return "UTC"
	case off%3600 == 0:
		return fmt.Sprintf("UTC%s%d", sign, off/3600)
	}
	return fmt.Sprintf("UTC%s%d:%02d", sign, off/3600, off%3600/60)
}
