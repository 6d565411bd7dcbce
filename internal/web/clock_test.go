package web

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/orgconsole/console/internal/i18n"
)

func TestTimesAreShownInTheConsolesZone(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	assert.NoError(t, err)
	at := time.Date(2026, 12, 1, 7, 36, 0, 0, time.UTC)
	zh := &Info{Lang: i18n.ZH, Location: shanghai}
	assert.Equal(t, "2026-12-01 15:36:00", zh.Time(at, DateTime))
	assert.Equal(t, "20261201-153600", zh.Time(at, FileStamp))
	assert.Equal(t, "", zh.Time(time.Time{}, DateTime), "a zero time was never set")
	assert.Equal(t, "北京时间（UTC+8）", zh.Zone())
	assert.Equal(t, "Beijing time (UTC+8)", (&Info{Lang: i18n.EN, Location: shanghai}).Zone())

	typed, err := zh.ParseLocal(LocalInput, "2026-12-01T15:36")
	assert.NoError(t, err)
	assert.True(t, typed.Equal(at), "typed in the same zone")

	utc := &Info{Lang: i18n.EN, Location: time.UTC}
	assert.Equal(t, "2026-12-01 07:36:00", utc.Time(at, DateTime))
	assert.Equal(t, "UTC", utc.Zone())
	assert.Equal(t, "07:36:00", (&Info{}).Time(at, Clock), "a component rendered alone gets UTC, not the host's zone")

	kolkata, err := time.LoadLocation("Asia/Kolkata")
	assert.NoError(t, err)
	assert.Equal(t, "Asia/Kolkata (UTC+5:30)", (&Info{Lang: i18n.EN, Location: kolkata}).Zone())
	assert.Equal(t, "UTC-3", zoneOffset(at.In(time.FixedZone("x", -3*3600))))
}
