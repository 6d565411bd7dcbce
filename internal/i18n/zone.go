package i18n

// The console's clock (CONSOLE_TIMEZONE): its name, the layout's note and the
// hints beside fields that take a time. %s is the offset ("UTC+8") or the
// zone's name with it.

var zoneZH = Catalog{
	"tz.beijing":     "北京时间（%s）",
	"tz.named":       "%s（%s）",
	"layout.tz_note": "时间均为%s",
}

var zoneEN = Catalog{
	"tz.beijing":     "Beijing time (%s)",
	"tz.named":       "%s (%s)",
	"layout.tz_note": "All times are %s",
}
