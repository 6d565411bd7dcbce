package forms

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseSendAt(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 30, 0, sh)
	for _, tc := range []struct {
		in   string
		want time.Time
		err  string
	}{
		{"", time.Time{}, ""},
		{"2026-12-01T10:02", time.Date(2026, 12, 1, 10, 2, 0, 0, sh), ""},
		{"2026-12-01T10:00:32", time.Date(2026, 12, 1, 10, 0, 32, 0, sh), ""},
		{"2026-12-01T10:00", time.Time{}, ErrSendAtPast}, // this minute began 30 s ago
		{"2026-12-01T10:00:30", time.Time{}, ErrSendAtPast},
		{"2025-12-01T10:02", time.Time{}, ErrSendAtPast},
		{"2062-12-01T10:02", time.Time{}, ErrSendAtTooFar},
		{"tomorrow", time.Time{}, ErrSendAtInvalid},
		{"2026-13-01T10:00", time.Time{}, ErrSendAtInvalid},
	} {
		errs := Errors{}
		got := ParseSendAt(errs, SendAtField, tc.in, now, sh)
		assert.True(t, tc.want.Equal(got), "%q: %v", tc.in, got)
		if tc.err == "" {
			assert.True(t, errs.OK(), "%q: %v", tc.in, errs)
		} else {
			assert.Equal(t, tc.err, errs.Get(SendAtField).Key, tc.in)
		}
	}
}
