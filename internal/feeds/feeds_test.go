package feeds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/cards"
	"github.com/orgconsole/console/internal/forms"
	sbfeeds "github.com/orgconsole/console/internal/sandbox/feeds"
	"github.com/orgconsole/console/internal/store"
)

func TestHostsAllows(t *testing.T) {
	h := Hosts{"data.school.cn", "127.0.0.1:8081", "[::1]:9000"}
	for raw, want := range map[string]bool{
		"https://data.school.cn/a.json":       true,
		"http://data.school.cn/a.json":        true,
		"https://DATA.school.cn/a.json":       true,
		"https://data.school.cn:443/a.json":   true,
		"https://data.school.cn:8443/a":       false, // a bare host is its default port only
		"http://127.0.0.1:8081/x":             true,
		"http://127.0.0.1:8082/x":             false,
		"http://127.0.0.1/x":                  false,
		"http://[::1]:9000/x":                 true,
		"https://evil.example/a.json":         false,
		"https://data.school.cn.evil.example": false,
		"ftp://data.school.cn/a.json":         false,
		"https://user:pw@data.school.cn/a":    false,
		"file:///etc/passwd":                  false,
		"/relative":                           false,
	} {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		assert.Equal(t, want, h.Allows(u), raw)
	}
	assert.False(t, Hosts(nil).Allows(&url.URL{Scheme: "https", Host: "data.school.cn"}))
}

func TestParseItems(t *testing.T) {
	long := strings.Repeat("出", 21)
	for _, c := range []struct {
		name, typ, body string
		errs            map[string]string // field → message key
		card            string            // canonical JSON of the card when valid
	}{
		{"keydata", forms.CardKeyData, `{"items":[{"key":"今日出勤率","data":"96.5%","jump_url":"https://x.cn/a","action":"open"}]}`, nil,
			`{"type":"KEYDATA","keydata":[{"key":"今日出勤率","data":"96.5%","jump_url":"https://x.cn/a","action":"open"}]}`},
		{"trimmed", forms.CardKeyData, `{"items":[{"key":"  人数 ","data":" 3"}]}`, nil, `{"type":"KEYDATA","keydata":[{"key":"人数","data":"3"}]}`},
		{"list", forms.CardList, `{"items":[{"text":"运动会改到周五","timestamp":1743465600000},{"text":"无时间"}]}`, nil,
			`{"type":"LIST","list":[{"text":"运动会改到周五","timestamp":1743465600000},{"text":"无时间","timestamp":0}]}`},
		{"emoji counts 2", forms.CardKeyData, `{"items":[{"key":"` + strings.Repeat("😀", 10) + `","data":"1"}]}`, nil, ""},
		{"not json", forms.CardKeyData, `<html>`, map[string]string{"body": ErrJSON}, ""},
		{"array at the top", forms.CardKeyData, `[{"key":"a","data":"1"}]`, map[string]string{"body": ErrJSON}, ""},
		{"no items", forms.CardKeyData, `{"data":[]}`, map[string]string{"items": forms.ErrRequired}, ""},
		{"items not an array", forms.CardKeyData, `{"items":{"key":"a"}}`, map[string]string{"items": ErrItemsArray}, ""},
		{"item not an object", forms.CardKeyData, `{"items":["a",{"key":"b","data":"2"}]}`, map[string]string{"items.0": ErrItemObject}, ""},
		{"too many", forms.CardList, `{"items":[{"text":"1"},{"text":"2"},{"text":"3"},{"text":"4"}]}`, map[string]string{"items": forms.ErrTooMany}, ""},
		{"too long", forms.CardKeyData, `{"items":[{"key":"` + long + `","data":"1"}]}`, map[string]string{"items.0.key": forms.ErrTooLong}, ""},
		{"number for text", forms.CardKeyData, `{"items":[{"key":"a","data":96.5}]}`, map[string]string{"items.0.data": ErrString, "items.0.data.": ""}, ""},
		{"typo", forms.CardKeyData, `{"items":[{"key":"a","value":"1"}]}`, map[string]string{"items.0.value": ErrUnknownField, "items.0.data": forms.ErrRequired}, ""},
		{"LIST field on KEYDATA", forms.CardKeyData, `{"items":[{"key":"a","data":"1","timestamp":1}]}`, map[string]string{"items.0.timestamp": ErrUnknownField}, ""},
		{"bad timestamp", forms.CardList, `{"items":[{"text":"a","timestamp":"tomorrow"},{"text":"b","timestamp":-1},{"text":"c","timestamp":1.5}]}`,
			map[string]string{"items.0.timestamp": ErrTimestamp, "items.1.timestamp": ErrTimestamp, "items.2.timestamp": ErrTimestamp}, ""},
		{"javascript link", forms.CardKeyData, `{"items":[{"key":"a","data":"1","jump_url":"javascript:alert(1)"}]}`, map[string]string{"items.0.jump_url": forms.ErrURL}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			card, errs := ParseItems([]byte(c.body), c.typ)
			got := map[string]string{}
			for k, m := range errs {
				got[k] = m.Key
			}
			want := map[string]string{}
			for k, v := range c.errs {
				if v != "" {
					want[k] = v
				}
			}
			assert.Equal(t, want, got)
			if c.card != "" {
				p := planFor(card)
				j, _, err := p.Job("k", "system")
				require.NoError(t, err)
				assert.JSONEq(t, c.card, j.DataJSON)
			}
		})
	}
}

// The sandbox's demo feed answers what a feed takes, within the card's
// limits, and its numbers change from one period to the next.
func TestSandboxFeedIsAValidFeed(t *testing.T) {
	f := sbfeeds.New()
	at := time.Date(2026, 3, 2, 8, 1, 0, 0, time.UTC)
	f.SetClock(func() time.Time { return at })
	srv := httptest.NewServer(f)
	defer srv.Close()
	fetcher := NewFetcher(Hosts{strings.TrimPrefix(srv.URL, "http://")}, 5*time.Second)
	feed := store.CardFeed{URL: srv.URL + sbfeeds.PathAttendance, CardType: forms.CardKeyData, Target: forms.TargetOrg, EnterpriseID: "e1"}
	first, err := Check(context.Background(), fetcher, feed, "", "k1")
	require.NoError(t, err)
	require.True(t, first.Errs.OK(), "%v", first.Errs)
	assert.True(t, first.Changed)
	same, err := Check(context.Background(), fetcher, feed, first.Job.DataJSON, "k2")
	require.NoError(t, err)
	assert.False(t, same.Changed, "the same period, the same numbers")
	at = at.Add(sbfeeds.Period)
	next, err := Check(context.Background(), fetcher, feed, first.Job.DataJSON, "k3")
	require.NoError(t, err)
	assert.True(t, next.Changed, "the next period, new numbers")
	assert.NotEqual(t, first.Hash, next.Hash)
}

func TestNext(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	now := time.Date(2026, 3, 2, 8, 3, 20, 0, sh)
	every := func(min int, due time.Time) store.CardFeed { return store.CardFeed{EveryMinutes: min, NextRunAt: due} }
	for _, c := range []struct {
		name string
		feed store.CardFeed
		want time.Time
	}{
		{"new", every(5, time.Time{}), now.Add(5 * time.Minute)},
		{"due now", every(5, now), now.Add(5 * time.Minute)},
		{"keeps the cadence", every(5, time.Date(2026, 3, 2, 8, 0, 0, 0, sh)), time.Date(2026, 3, 2, 8, 5, 0, 0, sh)},
		{"down for hours: once, then on the cadence", every(15, time.Date(2026, 3, 1, 23, 0, 0, 0, sh)), time.Date(2026, 3, 2, 8, 15, 0, 0, sh)},
		{"daily later today", store.CardFeed{DailyAt: "09:30"}, time.Date(2026, 3, 2, 9, 30, 0, 0, sh)},
		{"daily tomorrow", store.CardFeed{DailyAt: "07:00"}, time.Date(2026, 3, 3, 7, 0, 0, 0, sh)},
		{"daily at this minute: tomorrow", store.CardFeed{DailyAt: "08:03"}, time.Date(2026, 3, 3, 8, 3, 0, 0, sh)},
		{"no schedule", store.CardFeed{}, time.Time{}},
	} {
		assert.True(t, c.want.Equal(Next(c.feed, now, sh)), "%s: got %v, want %v", c.name, Next(c.feed, now, sh), c.want)
	}
	// Daily in the console's zone, not the server's: 07:00 Beijing is 23:00 UTC.
	utcNow := time.Date(2026, 3, 2, 22, 0, 0, 0, time.UTC)
	assert.Equal(t, time.Date(2026, 3, 2, 23, 0, 0, 0, time.UTC), Next(store.CardFeed{DailyAt: "07:00"}, utcNow, sh).UTC())
}

func TestErrorsKeepTheirOrderAndArguments(t *testing.T) {
	errs := forms.Errors{}
	errs.Add("items.10.key", forms.ErrTooLong, 20, 25)
	errs.Add("items.2.data", forms.ErrRequired)
	errs.Add("items", forms.ErrTooMany, 4, 11)
	for i := 0; i < 30; i++ {
		errs.Add(forms.Field("items", 20+i, "key"), forms.ErrRequired)
	}
	got := DecodeErrors(EncodeErrors(errs))
	require.Len(t, got, MaxErrorsKept)
	assert.Equal(t, "items", got[0].Field)
	assert.Equal(t, []any{4, 11}, got[0].Msg.Args, "numbers come back as ints for %d")
	assert.Equal(t, "items.2.data", got[1].Field)
	assert.Equal(t, "items.10.key", got[2].Field, "by item number")
}

func TestFetcherRedirectHops(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/loop" {
			http.Redirect(w, r, "/loop", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"items":[]}`))
	}))
	defer srv.Close()
	f := NewFetcher(Hosts{strings.TrimPrefix(srv.URL, "http://")}, 5*time.Second)
	_, err := f.Fetch(context.Background(), srv.URL+"/loop")
	var fe *FetchError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, FailRedirect, fe.Kind)
}

func TestFetcherTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	f := NewFetcher(Hosts{strings.TrimPrefix(srv.URL, "http://")}, 100*time.Millisecond)
	_, err := f.Fetch(context.Background(), srv.URL+"/slow")
	var fe *FetchError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, FailTimeout, fe.Kind)
}

func planFor(c cards.Card) cards.Plan {
	return cards.Plan{Target: forms.TargetOrg, EnterpriseID: "e1", Card: c}
}
