package forms

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFeedFormValidate(t *testing.T) {
	good := url.Values{"name": {"出勤"}, "template": {"t1"}, "url": {"https://data.school.cn/a.json"}, "target": {"org"},
		"enterprise_id": {"e1"}, "schedule": {"every"}, "every_minutes": {"5"}, "enabled": {"true"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range good {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	allowed := func(u *url.URL) bool { return u != nil && u.Host == "data.school.cn" }
	known := func(id string) bool { return id == "t1" }
	for _, c := range []struct {
		name string
		v    url.Values
		want map[string]string
	}{
		{"good", good, map[string]string{}},
		{"daily", with("schedule", "daily", "daily_at", "07:30", "every_minutes", ""), map[string]string{}},
		{"accounts", with("target", "accounts", "enterprise_id", "", "show_on_all_enterprise", "on", "account_ids", "a1\na2"), map[string]string{}},
		{"host", with("url", "https://evil.example/a.json"), map[string]string{"url": ErrFeedHost}},
		{"scheme", with("url", "javascript:alert(1)"), map[string]string{"url": ErrURL}},
		{"every 4", with("every_minutes", "4"), map[string]string{"every_minutes": ErrFeedEvery}},
		{"every 1441", with("every_minutes", "1441"), map[string]string{"every_minutes": ErrFeedEvery}},
		{"daily 24:00", with("schedule", "daily", "daily_at", "24:00"), map[string]string{"daily_at": ErrFeedDailyAt}},
		{"no schedule", with("schedule", ""), map[string]string{"schedule": ErrFeedSchedule}},
		{"unknown template", with("template", "t9"), map[string]string{"template": ErrFeedTemplate}},
		{"no template", with("template", ""), map[string]string{"template": ErrRequired}},
		{"diff", with("target", "diff"), map[string]string{"target": ErrFeedTarget}},
		{"no target", with("target", ""), map[string]string{"target": ErrRequired}},
		{"org without enterprise", with("enterprise_id", ""), map[string]string{"enterprise_id": ErrRequired}},
		{"accounts without ids", with("target", "accounts"), map[string]string{"account_ids": ErrRequired}},
		{"name", with("name", ""), map[string]string{"name": ErrRequired}},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs, _, err := ParseFeedForm(c.v).Validate(context.Background(), allowed, known)
			require.NoError(t, err)
			got := map[string]string{}
			for k, m := range errs {
				got[k] = m.Key
			}
			assert.Equal(t, c.want, got)
		})
	}
	f := ParseFeedForm(with("target", "accounts", "account_ids", "a1, a2 a1"))
	_, accounts, err := f.Validate(context.Background(), allowed, known)
	require.NoError(t, err)
	assert.Equal(t, []string{"a1", "a2"}, accounts.IDs)
	assert.True(t, f.Enabled)
	assert.Equal(t, 5, f.Every())
}
