package replicas_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
)

// keyDataTemplate is a KEYDATA template the sandbox seeds.
const keyDataTemplate = "ctpl1001"

// pushCard pushes one KEYDATA card to accountIDs through the card wizard, as
// an admin's browser does (editor → targets → confirmation → push, the state in
// a server-side draft), and returns the push job's id and when the push button
// was pressed. Every step of the wizard is here and only here: when the
// wizard changes, this is the one function to follow it.
func pushCard(t testing.TB, b *apptest.Browser, accountIDs []string) (int64, time.Time) {
	t.Helper()
	p := b.Get("/cards/editor?template=" + keyDataTemplate)
	require.Equal(t, http.StatusOK, p.Status)
	next := b.PostForm("/cards/targets", url.Values{
		"template": {keyDataTemplate}, "template_name": {"校园数据看板"}, "type": {"KEYDATA"},
		"items.0.key": {"到校人数"}, "items.0.data": {"1024"},
	})
	require.Equal(t, http.StatusSeeOther, next.Status, next.Text("main"))
	targets := b.Follow(next)
	require.Equal(t, http.StatusOK, targets.Status)
	form := hidden(targets, "targets-form")
	form.Set("target", "accounts")
	form.Set("show_on_all_enterprise", "true")
	form.Set("account_ids", strings.Join(accountIDs, "\n"))
	saved := b.PostForm("/cards/confirm", form)
	require.Equal(t, http.StatusSeeOther, saved.Status, saved.Text("[data-testid=err-account_ids]"))
	conf := b.Follow(saved)
	require.Equal(t, http.StatusOK, conf.Status)
	clicked := time.Now()
	push := b.PostForm("/cards/push", hidden(conf, "push-form"))
	require.Equal(t, http.StatusSeeOther, push.Status)
	var id int64
	_, err := fmt.Sscanf(push.Location, "/cards/jobs/%d", &id)
	require.NoError(t, err, push.Location)
	return id, clicked
}

// hidden collects the hidden fields of a form on a page, as a browser sends them.
func hidden(p *apptest.Page, testID string) url.Values {
	form := url.Values{}
	p.Doc.Find(`[data-testid="` + testID + `"] input[type=hidden]`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		val, _ := s.Attr("value")
		form.Add(name, val)
	})
	return form
}

func accountIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("acct%06d", i)
	}
	return out
}
