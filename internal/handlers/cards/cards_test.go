package cards_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/jobs"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
	"github.com/orgconsole/console/internal/store"
)

// Seeded templates of the sandbox (fake.New without NoSeed).
const (
	tplKeyData = "ctpl1001"
	tplList    = "ctpl1002"
	tplImage   = "ctpl1003"
)

// newEnv runs a console whose pushes never wait for approval: four eyes has
// its own tests (internal/handlers/approvals).
func newEnv(t *testing.T) *apptest.Env {
	return apptest.New(t, map[string]string{"CONSOLE_PUSH_RATE": "0", "CONSOLE_APPROVAL_ACCOUNTS": "0"})
}

// card returns editor values for a card of typ with the given items, each a
// map of field name → value.
func card(tpl, typ string, items ...map[string]string) url.Values {
	v := url.Values{"template": {tpl}, "template_name": {"校园数据看板"}, "type": {typ}}
	for i, it := range items {
		for k, val := range it {
			v.Set(fmt.Sprintf("items.%d.%s", i, k), val)
		}
	}
	return v
}

func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vals := range v {
		out[k] = append([]string(nil), vals...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

func tile(key, data string) map[string]string { return map[string]string{"key": key, "data": data} }

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("t%05d", i)
	}
	return out
}

func waitJob(t *testing.T, env *apptest.Env, id int64) store.PushJob {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute) // generous: a loaded machine under -race is slow; a job normally ends in seconds
	for time.Now().Before(deadline) {
		j, err := env.App.Store.PushJob(context.Background(), id)
		require.NoError(t, err)
		if !j.Active() {
			return j
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("job %d still running", id)
	return store.PushJob{}
}

func jobIDOf(t *testing.T, location string) int64 {
	t.Helper()
	var id int64
	_, err := fmt.Sscanf(location, "/cards/jobs/%d", &id)
	require.NoError(t, err, location)
	return id
}

// isCardField reports the editor's fields (the rest of a test's values are
// the targets page's).
func isCardField(k string) bool {
	return k == "template" || k == "template_name" || k == "type" || strings.HasPrefix(k, "items.")
}

// toConfirm walks the wizard as a browser does: the editor's "next" posts the
// card fields of vals, the targets page (its hidden fields scraped) posts
// the rest and files with "review". It returns the page that lands on: the
// confirmation when everything is valid.
func toConfirm(t *testing.T, env *apptest.Env, b *apptest.Browser, vals url.Values, files map[string][2]string) *apptest.Page {
	t.Helper()
	targets := toTargets(t, b, vals)
	form := formOf(targets, "targets-form")
	for k, v := range vals {
		if !isCardField(k) {
			form[k] = v
		}
	}
	var p *apptest.Page
	if files != nil {
		p = multipartPost(t, env, b, "/cards/confirm", form, files)
	} else {
		p = b.PostForm("/cards/confirm", form)
	}
	if p.Status == http.StatusSeeOther {
		require.Contains(t, p.Location, "/cards/confirm?draft=")
		return b.Follow(p)
	}
	return p
}

// toTargets posts the card fields of vals with the editor's "next" and opens
// the targets page it redirects to.
func toTargets(t *testing.T, b *apptest.Browser, vals url.Values) *apptest.Page {
	t.Helper()
	cardVals := url.Values{}
	for k, v := range vals {
		if isCardField(k) {
			cardVals[k] = v
		}
	}
	next := b.PostForm("/cards/targets", cardVals)
	require.Equal(t, http.StatusSeeOther, next.Status, next.Text("main"))
	require.Contains(t, next.Location, "/cards/targets?draft=")
	p := b.Follow(next)
	require.Equal(t, http.StatusOK, p.Status)
	return p
}

// draftOf is the draft id a page's forms post.
func draftOf(t *testing.T, p *apptest.Page) string {
	t.Helper()
	id := p.Val("input[name=draft]")
	require.Len(t, id, 32, "a draft id in the form")
	return id
}

// confirmAndPush goes through the confirmation page and pushes; it returns
// the confirmation and the job.
func confirmAndPush(t *testing.T, env *apptest.Env, b *apptest.Browser, vals url.Values) (*apptest.Page, store.PushJob) {
	t.Helper()
	conf := toConfirm(t, env, b, vals, nil)
	require.Equal(t, http.StatusOK, conf.Status, conf.Text("[data-testid=err-enterprise_id]")+conf.Text("[data-testid=err-account_ids]"))
	push := b.PostForm("/cards/push", formOf(conf, "push-form"))
	require.Equal(t, http.StatusSeeOther, push.Status)
	return conf, waitJob(t, env, jobIDOf(t, push.Location))
}

// formOf collects the hidden fields of a form on a page, as a browser would send them.
func formOf(p *apptest.Page, testID string) url.Values {
	v := url.Values{}
	p.Doc.Find(`[data-testid="` + testID + `"] input[type=hidden]`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		val, _ := s.Attr("value")
		v.Add(name, val)
	})
	return v
}

func TestTemplatesListCreateEditDelete(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)

	p := b.Get("/cards")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Equal(t, 4, p.Doc.Find("[data-testid=templates-table] tbody tr").Length())
	assert.True(t, p.Has("[data-testid=edit-data-"+tplKeyData+"]"))
	img := p.Doc.Find("[data-testid=template-" + tplImage + "]")
	assert.Equal(t, 1, img.Find("[data-testid=unsupported]").Length(), "IMAGE is marked not yet supported")
	assert.Zero(t, img.Find("[data-testid=edit-data-"+tplImage+"]").Length(), "IMAGE cannot be pushed")

	// Invalid: name missing, then 51 characters.
	p = b.PostForm("/cards/templates", url.Values{"name": {""}, "type": {"LIST"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.True(t, p.Has("[data-testid=err-name]"))
	long := strings.Repeat("名", 50) + "x"
	p = b.PostForm("/cards/templates", url.Values{"name": {long}, "type": {"LIST"}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Equal(t, long, p.Val("input[name=name]"))

	// The platform refuses: its code and message shown, the form kept, the refusal audited.
	env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "40099", Message: "模板数量已达上限", Path: chengxun.PathAddTemplate, Times: 1})
	p = b.PostForm("/cards/templates", url.Values{"name": {"通知栏"}, "type": {"LIST"}})
	assert.Equal(t, http.StatusBadGateway, p.Status)
	assert.Equal(t, "40099", p.Text("[data-testid=upstream-code]"))
	assert.Equal(t, "模板数量已达上限", p.Text("[data-testid=upstream-message]"))
	assert.Equal(t, "通知栏", p.Val("input[name=name]"))

	p = b.PostForm("/cards/templates", url.Values{"name": {"通知栏"}, "type": {"LIST"}})
	require.Equal(t, http.StatusSeeOther, p.Status)
	p = b.Follow(p)
	var id string
	p.Doc.Find("[data-testid=templates-table] tbody tr").Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Find("[data-testid=template-name]").Text()) == "通知栏" {
			id, _ = s.Attr("data-testid")
		}
	})
	id = strings.TrimPrefix(id, "template-")
	require.NotEmpty(t, id)

	p = b.Get("/cards/templates/" + id + "/edit")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Equal(t, "通知栏", p.Val("input[name=name]"))
	p = b.PostForm("/cards/templates/"+id, url.Values{"name": {"通知公告栏"}, "type": {"LIST"}})
	require.Equal(t, http.StatusSeeOther, p.Status)

	p = b.Get("/cards/templates/" + id + "/delete")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Text("[data-testid=delete-confirm]"), "通知公告栏")
	p = b.PostForm("/cards/templates/"+id+"/delete", nil)
	require.Equal(t, http.StatusSeeOther, p.Status)
	for _, tp := range env.App.Sandbox.Platform(fake.Name).(*fake.Fake).Templates() {
		assert.NotEqual(t, id, tp.ID)
	}

	entries, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: "cards.template"}, 0, 20)
	require.NoError(t, err)
	var got []string
	for _, e := range entries {
		got = append(got, e.Action+" "+e.Outcome+" "+e.UpstreamCode)
	}
	sort.Strings(got)
	assert.Equal(t, []string{"cards.template.create failed 40099", "cards.template.create ok ", "cards.template.delete ok ", "cards.template.update ok "}, got)
}

func TestRoles(t *testing.T) {
	env := newEnv(t)
	c := env.As(t, auth.RoleContent)
	p := c.Get("/cards")
	require.Equal(t, http.StatusOK, p.Status)
	assert.False(t, p.Has("[data-testid=template-form]"), "content staff cannot create templates")
	assert.False(t, p.Has("[data-testid=delete-"+tplKeyData+"]"))
	p = c.Get("/cards/editor?template=" + tplKeyData)
	require.Equal(t, http.StatusOK, p.Status)
	assert.False(t, p.Has("[data-testid=next-targets]"), "content staff see no push button")
	p = c.HTMX(http.MethodPost, "/cards/preview", card(tplKeyData, "KEYDATA", tile("人数", "20")))
	assert.Equal(t, http.StatusOK, p.Status)

	vals := with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "show_on_all_enterprise", "true", "account_ids", "a1",
		"key", "0123456789abcdef0123456789abcdef")
	for _, path := range []string{"/cards/targets", "/cards/confirm", "/cards/push", "/cards/last", "/cards/templates", "/cards/templates/" + tplKeyData + "/delete"} {
		assert.Equal(t, http.StatusForbidden, c.PostForm(path, vals).Status, path)
	}
	for _, path := range []string{"/cards/targets?draft=x", "/cards/confirm?draft=x"} {
		assert.Equal(t, http.StatusForbidden, c.Get(path).Status, path)
	}
	assert.Equal(t, http.StatusForbidden, c.Get("/cards/jobs").Status)
	assert.Empty(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData))
	assert.Equal(t, http.StatusForbidden, env.As(t, auth.RoleSupport).Get("/cards").Status)
}

func TestEditorLimitsAtTheBoundary(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	url300 := "https://x.cn/" + strings.Repeat("a", 300-len("https://x.cn/"))
	cases := []struct {
		typ, field, value string
		ok                bool
	}{
		{"KEYDATA", "key", strings.Repeat("键", 20), true},
		{"KEYDATA", "key", strings.Repeat("键", 21), false},
		{"KEYDATA", "key", strings.Repeat("😀", 10), true},
		{"KEYDATA", "key", strings.Repeat("😀", 10) + "a", false},
		{"KEYDATA", "data", strings.Repeat("9", 20), true},
		{"KEYDATA", "data", strings.Repeat("😀", 10) + "1", false},
		{"KEYDATA", "jump_url", url300, true},
		{"KEYDATA", "jump_url", url300 + "a", false},
		{"KEYDATA", "jump_url", "javascript:alert(1)", false},
		{"KEYDATA", "action", strings.Repeat("a", 300), true},
		{"KEYDATA", "action", strings.Repeat("a", 298) + "😀", true},
		{"KEYDATA", "action", strings.Repeat("a", 299) + "😀", false},
		{"LIST", "text", strings.Repeat("文", 100), true},
		{"LIST", "text", strings.Repeat("文", 99) + "😀", false},
		{"LIST", "action", strings.Repeat("a", 301), false},
		{"LIST", "when", "2025-04-01T08:00", true},
		{"LIST", "when", "2025-13-01T08:00", false},
	}
	for _, tc := range cases {
		t.Run(tc.typ+" "+tc.field+" "+fmt.Sprint(len([]rune(tc.value))), func(t *testing.T) {
			item := map[string]string{"key": "人数", "data": "20", "text": "通知"}
			item[tc.field] = tc.value
			tpl := tplKeyData
			if tc.typ == "LIST" {
				tpl = tplList
			}
			p := b.PostForm("/cards/editor", with(card(tpl, tc.typ, item), "preview", "1"))
			name := "items.0." + tc.field
			if tc.ok {
				assert.Equal(t, http.StatusOK, p.Status)
				assert.False(t, p.Has("[data-testid='err-"+name+"']"))
			} else {
				assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
				assert.True(t, p.Has("[data-testid='err-"+name+"']"), "error under %s", name)
			}
			assert.Equal(t, tc.value, p.Val("[name='"+name+"']"), "value kept")
		})
	}

	// Item counts: the 5th KEYDATA tile or 4th LIST row cannot be sent.
	four := card(tplKeyData, "KEYDATA", tile("a", "1"), tile("b", "2"), tile("c", "3"), tile("d", "4"))
	assert.Equal(t, http.StatusOK, b.PostForm("/cards/editor", with(four, "preview", "1")).Status)
	five := card(tplKeyData, "KEYDATA", tile("a", "1"), tile("b", "2"), tile("c", "3"), tile("d", "4"), tile("e", "5"))
	p := b.PostForm("/cards/targets", five)
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.True(t, p.Has("[data-testid=err-items]"))
	row := map[string]string{"text": "通知"}
	p = b.PostForm("/cards/targets", card(tplList, "LIST", row, row, row, row))
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.True(t, p.Has("[data-testid=err-items]"))
	// The counter and maxlength come from the same limits.
	p = b.Get("/cards/editor?template=" + tplKeyData)
	assert.Equal(t, "20", attr(p, "[name='items.0.key']", "maxlength"))
	assert.Equal(t, "0 / 20", p.Text("#f-items-0-key-count"))
}

func attr(p *apptest.Page, sel, name string) string {
	v, _ := p.Doc.Find(sel).First().Attr(name)
	return v
}

func TestEditorRowsWithAndWithoutJS(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleContent)
	p := b.Get("/cards/editor?template=" + tplKeyData)
	require.Equal(t, 1, p.Doc.Find("fieldset.card-item").Length())

	// JS off: the add button posts the form; the page comes back with one more tile and the typed values.
	vals := with(card(tplKeyData, "KEYDATA", tile("到校", "98%")), "add_item", "1")
	for n := 2; n <= 4; n++ {
		p = b.PostForm("/cards/editor", vals)
		require.Equal(t, http.StatusOK, p.Status)
		require.Equal(t, n, p.Doc.Find("fieldset.card-item").Length())
		assert.Equal(t, "到校", p.Val("[name='items.0.key']"))
		vals = with(vals, fmt.Sprintf("items.%d.key", n-1), "")
	}
	assert.False(t, p.Has("[data-testid=add-item]"), "no add button at the limit of 4")

	// htmx: the same buttons return only the editor fragment.
	p = b.HTMX(http.MethodPost, "/cards/editor", with(card(tplKeyData, "KEYDATA", tile("a", "1"), tile("b", "2")), "remove_item", "0"))
	require.Equal(t, http.StatusOK, p.Status)
	assert.NotContains(t, p.Body, "<html")
	assert.Equal(t, 1, p.Doc.Find("#card-editor fieldset.card-item").Length())
	assert.Equal(t, "b", p.Val("[name='items.0.key']"))
	assert.Equal(t, "b", p.Text("[data-testid=preview-key]"), "the preview follows")
}

func TestPreviewRendersEverythingAsText(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleContent)
	b.Get("/cards/editor?template=" + tplKeyData)
	xss := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	for _, tc := range []struct{ tpl, typ string }{{tplKeyData, "KEYDATA"}, {tplList, "LIST"}} {
		item := map[string]string{"key": xss, "data": xss, "text": xss, "jump_url": xss, "action": xss}
		vals := card(tc.tpl, tc.typ, item)
		vals.Set("template_name", xss)
		p := b.HTMX(http.MethodPost, "/cards/preview", vals)
		require.Equal(t, http.StatusOK, p.Status)
		assert.Zero(t, p.Doc.Find("#card-preview script, #card-preview img").Length(), tc.typ)
		assert.Contains(t, p.Doc.Find("#card-preview").Text(), xss)
		assert.True(t, strings.HasPrefix(p.Text("[data-testid=preview-title]"), "<script>"), "the title is text too")
		// The full page after a submit too.
		p = b.PostForm("/cards/editor", with(vals, "preview", "1"))
		assert.Zero(t, p.Doc.Find("main script, main img").Length())
		assert.NotContains(t, p.Body, "<script>alert")
	}
}

func TestEnterpriseIDRule(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	data := card(tplKeyData, "KEYDATA", tile("人数", "20"))

	p := toConfirm(t, env, b, with(data, "target", "accounts", "account_ids", "a1"), nil)
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.True(t, p.Has("[data-testid=err-enterprise_id]"))
	assert.Equal(t, "a1", p.Text("textarea[name=account_ids]"), "what was typed stays")

	p = toConfirm(t, env, b, with(data, "target", "accounts", "account_ids", "a1", "show_on_all_enterprise", "true"), nil)
	assert.Equal(t, http.StatusOK, p.Status)
	p = toConfirm(t, env, b, with(data, "target", "accounts", "account_ids", "a1", "enterprise_id", "ent1"), nil)
	assert.Equal(t, http.StatusOK, p.Status)

	// The organisation level always needs it, show-on-all or not.
	p = toConfirm(t, env, b, with(data, "target", "org", "show_on_all_enterprise", "true"), nil)
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.True(t, p.Has("[data-testid=err-enterprise_id]"))

	conf, j := confirmAndPush(t, env, b, with(data, "target", "org", "enterprise_id", "school-7"))
	assert.Equal(t, "1", conf.Text("[data-testid=confirm-calls]"))
	assert.Equal(t, store.PushDone, j.Status)
	reqs := env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathSetOrgData)
	require.Len(t, reqs, 1)
	assert.JSONEq(t, `{"enterprise_id":"school-7","type":"KEYDATA","data":{"items":[{"key":"人数","data":"20"}]}}`, reqs[0].Body)
	assert.JSONEq(t, reqs[0].Body, conf.Text("[data-testid=first-call-json]"), "the confirmation showed the exact body")
}

func TestPushToAccountsInCallsOf200(t *testing.T) {
	for _, n := range []int{1, 200, 201, 10000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			env := newEnv(t)
			b := env.As(t, auth.RoleAdmin)
			b.Get("/cards/editor?template=" + tplList)
			row := map[string]string{"text": "期中考试安排已发布", "when": "2025-04-01T08:00", "jump_url": "https://school.example/exam"}
			list := ids(n)
			// Pasted with a duplicate, blanks and mixed separators.
			pasted := strings.Join(list, "\n") + "\n  " + list[0] + " ,\n"
			conf, j := confirmAndPush(t, env, b, with(card(tplList, "LIST", row), "target", "accounts", "enterprise_id", "ent-1", "account_ids", pasted))
			calls := (n + 199) / 200
			assert.Equal(t, fmt.Sprint(n), conf.Text("[data-testid=confirm-accounts]"))
			assert.Equal(t, fmt.Sprint(calls), conf.Text("[data-testid=confirm-calls]"))
			assert.Equal(t, store.PushDone, j.Status)
			// The first call at a glance: three ids and a count; the exact body one click away.
			if n > 3 {
				ex := conf.Text("[data-testid=first-call-excerpt]")
				assert.Contains(t, ex, `"t00002"`)
				assert.NotContains(t, ex, `"t00003"`)
				assert.Contains(t, ex, fmt.Sprintf("… 还有 %d 项", min(n, 200)-3))
				assert.True(t, conf.Has("details[data-testid=first-call-details] [data-testid=first-call-json]"))
			} else {
				assert.False(t, conf.Has("[data-testid=first-call-excerpt]"), "nothing to cut")
			}

			reqs := env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData)
			require.Len(t, reqs, calls)
			var got []string
			for _, r := range reqs {
				var body struct {
					EnterpriseID string   `json:"enterprise_id"`
					ShowOnAll    bool     `json:"show_on_all_enterprise"`
					IDs          []string `json:"account_id_list"`
					Type         string   `json:"type"`
					Data         struct {
						Items []chengxun.ListItem `json:"items"`
					} `json:"data"`
				}
				require.NoError(t, json.Unmarshal([]byte(r.Body), &body))
				assert.Equal(t, "ent-1", body.EnterpriseID)
				assert.False(t, body.ShowOnAll)
				assert.Equal(t, "LIST", body.Type)
				assert.Equal(t, []chengxun.ListItem{{Text: "期中考试安排已发布", JumpURL: "https://school.example/exam", Timestamp: 1743465600000}}, body.Data.Items)
				assert.LessOrEqual(t, len(body.IDs), 200)
				assert.GreaterOrEqual(t, len(body.IDs), 1)
				got = append(got, body.IDs...)
			}
			sort.Strings(got)
			assert.Equal(t, list, got, "every account exactly once")
			p := b.Get(fmt.Sprintf("/cards/jobs/%d", j.ID))
			assert.Equal(t, fmt.Sprint(calls), p.Text("[data-testid=calls-ok]"))
			assert.Equal(t, fmt.Sprintf("%d / %d", n, n), p.Text("[data-testid=accounts-covered]"))
			assert.False(t, p.Doc.Find("#job-progress").Is("[hx-trigger]"), "a finished job is not polled")
		})
	}
}

func multipartPost(t testing.TB, env *apptest.Env, b *apptest.Browser, path string, vals url.Values, files map[string][2]string) *apptest.Page {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	vals = with(vals, "_csrf", b.CSRF())
	for k, vs := range vals {
		for _, v := range vs {
			require.NoError(t, w.WriteField(k, v))
		}
	}
	for field, f := range files {
		fw, err := w.CreateFormFile(field, f[0])
		require.NoError(t, err)
		_, _ = fw.Write([]byte(f[1]))
	}
	require.NoError(t, w.Close())
	req, err := http.NewRequest(http.MethodPost, env.URL+path, &buf)
	require.NoError(t, err)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.Do(req)
}

func TestUploads(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	data := with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "enterprise_id", "e1")

	// An id list with invalid ids: reported with their lines, nothing sent.
	p := toConfirm(t, env, b, with(data, "target", "accounts"), map[string][2]string{
		"account_file": {"ids.txt", "u1\nu2\n张三\nu3, bad id!\n"},
	})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	bad := p.Doc.Find("[data-testid=bad-ids] li")
	require.Equal(t, 2, bad.Length())
	assert.Contains(t, bad.Eq(0).Text(), "3")
	assert.Contains(t, bad.Eq(0).Text(), "张三")
	assert.Contains(t, bad.Eq(1).Text(), "4")
	assert.Contains(t, bad.Eq(1).Text(), "id!")

	// A good CSV list joins the pasted ids.
	p = toConfirm(t, env, b, with(data, "target", "accounts", "account_ids", "p1"), map[string][2]string{
		"account_file": {"ids.csv", "\ufeffaccount_id\nc1\nc2\np1\n"},
	})
	require.Equal(t, http.StatusOK, p.Status)
	assert.Equal(t, "3", p.Text("[data-testid=confirm-accounts]"))

	// Different data: every row checked, errors with rows and columns, nothing sent.
	csv := "account_id,key1,data1,jump_url1\n" +
		"s1,到校,98%,https://a.cn\n" +
		"s2,," + strings.Repeat("9", 21) + ",\n" +
		"s1,出勤,1,javascript:x\n"
	p = toConfirm(t, env, b, with(data, "target", "diff"), map[string][2]string{"diff_file": {"diff.csv", csv}})
	assert.Equal(t, http.StatusUnprocessableEntity, p.Status)
	var errs []string
	p.Doc.Find("[data-testid=csv-error]").Each(func(_ int, s *goquery.Selection) {
		errs = append(errs, strings.TrimSpace(s.Find("[data-testid=csv-row]").Text())+":"+strings.TrimSpace(s.Find("[data-testid=csv-column]").Text()))
	})
	assert.Equal(t, []string{"3:key1", "3:data1", "4:account_id", "4:jump_url1"}, errs)
	assert.Empty(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetDiffData))

	// A good file: confirmation, then one different-data call per 200 accounts.
	var sb strings.Builder
	sb.WriteString("account_id,key1,data1,key2,data2\n")
	for i := range 250 {
		fmt.Fprintf(&sb, "d%03d,到校,%d,缺勤,%d\n", i, i, 250-i)
	}
	p = toConfirm(t, env, b, with(data, "target", "diff"), map[string][2]string{"diff_file": {"diff.csv", sb.String()}})
	require.Equal(t, http.StatusOK, p.Status)
	assert.Equal(t, "250", p.Text("[data-testid=confirm-accounts]"))
	assert.Equal(t, "2", p.Text("[data-testid=confirm-calls]"))
	push := b.PostForm("/cards/push", formOf(p, "push-form"))
	require.Equal(t, http.StatusSeeOther, push.Status)
	assert.Equal(t, store.PushDone, waitJob(t, env, jobIDOf(t, push.Location)).Status)
	require.Len(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetDiffData), 2)
	got, ok := env.App.Sandbox.Platform(fake.Name).(*fake.Fake).AccountCard("d249")
	require.True(t, ok)
	assert.Equal(t, "249", got.KeyData[0].Data)
	assert.Equal(t, "1", got.KeyData[1].Data)
}

func TestRetryFailedCallsUnderFaults(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "50000", Message: "系统繁忙", Times: 2, Path: chengxun.PathBatchSetSameData})
	_, j := confirmAndPush(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "show_on_all_enterprise", "true",
		"account_ids", strings.Join(ids(1000), "\n")))
	assert.Equal(t, store.PushFailed, j.Status)

	page := fmt.Sprintf("/cards/jobs/%d", j.ID)
	p := b.Get(page)
	assert.Equal(t, "3", p.Text("[data-testid=calls-ok]"))
	assert.Equal(t, "2", p.Text("[data-testid=calls-failed]"))
	assert.Equal(t, "600 / 1000", p.Text("[data-testid=accounts-covered]"))
	assert.Equal(t, 2, p.Doc.Find("[data-testid=failure]").Length())
	assert.Equal(t, "50000", p.Text("[data-testid=failure-code]"))
	assert.Equal(t, "系统繁忙", p.Text("[data-testid=failure-message]"))
	require.True(t, p.Has("[data-testid=retry]"))

	r := b.PostForm(page+"/retry", nil)
	require.Equal(t, http.StatusSeeOther, r.Status)
	j = waitJob(t, env, j.ID)
	assert.Equal(t, store.PushDone, j.Status)
	assert.Len(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData), 7, "5 calls + the 2 failed ones again")
	p = b.Get(page)
	assert.Equal(t, "1000 / 1000", p.Text("[data-testid=accounts-covered]"))
	assert.False(t, p.Has("[data-testid=retry]"))

	entries, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: "cards.push"}, 0, 10)
	require.NoError(t, err)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" "+e.Outcome+" "+e.UpstreamCode)
	}
	assert.Equal(t, []string{"cards.push.finish ok ", "cards.push.retry ok ", "cards.push.finish failed 50000", "cards.push.create ok "}, actions)
}

func TestDoubleSubmitPushesOnce(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	conf := toConfirm(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "show_on_all_enterprise", "true",
		"account_ids", strings.Join(ids(450), ",")), nil)
	require.Equal(t, http.StatusOK, conf.Status)
	form := formOf(conf, "push-form")
	first := b.PostForm("/cards/push", form)
	second := b.PostForm("/cards/push", form)
	require.Equal(t, http.StatusSeeOther, first.Status)
	require.Equal(t, http.StatusSeeOther, second.Status)
	assert.Equal(t, first.Location, second.Location, "the second submit lands on the same job")
	waitJob(t, env, jobIDOf(t, first.Location))
	assert.Len(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData), 3)
	_, total, err := env.App.Store.ListPushJobs(context.Background(), 0, 10)
	require.NoError(t, err)
	assert.Equal(t, 1, total)
	// A new confirmation page is a new push.
	conf2 := toConfirm(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "show_on_all_enterprise", "true", "account_ids", "x1"), nil)
	assert.NotEqual(t, form.Get("key"), formOf(conf2, "push-form").Get("key"))
}

func TestSandboxInspectorShowsWhatAnAccountSees(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	confirmAndPush(t, env, b, with(card(tplKeyData, "KEYDATA", tile("到校人数", "1024")), "target", "accounts", "enterprise_id", "ent-5", "account_ids", "zhang"))
	p := b.Get("/sandbox/cards?account=zhang")
	require.Equal(t, http.StatusOK, p.Status)
	assert.Contains(t, p.Text("[data-testid=sandbox-account-cards]"), "1024")
	assert.Contains(t, p.Text("[data-testid=sandbox-account-cards]"), "ent-5")
	assert.Equal(t, http.StatusForbidden, env.As(t, auth.RoleContent).Get("/sandbox/cards").Status)
}

// The console stops while a push runs and a new one starts on the same data
// directory: the new process finishes the remaining calls by itself (they are
// queue jobs) — nothing dropped, nothing done sent twice.
func TestConsoleRestartMidJobFinishesTheJob(t *testing.T) {
	dir := t.TempDir()
	env := apptest.New(t, map[string]string{"CONSOLE_DATA_DIR": dir, "CONSOLE_PUSH_WORKERS": "1"})
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Latency: 150 * time.Millisecond})
	conf := toConfirm(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "show_on_all_enterprise", "true",
		"account_ids", strings.Join(ids(1000), "\n")), nil)
	require.Equal(t, http.StatusOK, conf.Status)
	push := b.PostForm("/cards/push", formOf(conf, "push-form"))
	require.Equal(t, http.StatusSeeOther, push.Status)
	id := jobIDOf(t, push.Location)
	ctx := context.Background()
	for {
		pr, err := env.App.Store.PushProgress(ctx, id)
		require.NoError(t, err)
		if pr.OK > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	running := b.Get(push.Location)
	href, _ := running.Doc.Find("[data-testid=job-refresh]").Attr("href")
	assert.Equal(t, push.Location, href, "with JS off the running job's page says how to follow it")
	env.App.Close() // the console stops mid-job
	st, err := store.Open(ctx, dir+"/console.db")
	require.NoError(t, err)
	done, err := st.PushCalls(ctx, id, store.CallOK)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	sentBefore := map[string]bool{}
	for _, c := range done {
		for _, a := range c.AccountIDs {
			sentBefore[a] = true
		}
	}
	require.NotEmpty(t, sentBefore)
	require.Less(t, len(sentBefore), 1000, "stopped mid-job")

	env2 := apptest.New(t, map[string]string{"CONSOLE_DATA_DIR": dir})
	assert.Equal(t, store.PushDone, waitJob(t, env2, id).Status, "the next start finishes it, no button needed")
	var resent []string
	for _, r := range env2.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData) {
		var body struct {
			IDs []string `json:"account_id_list"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.Body), &body))
		resent = append(resent, body.IDs...)
	}
	assert.Len(t, resent, 1000-len(sentBefore), "only the remaining calls")
	for _, a := range resent {
		assert.False(t, sentBefore[a], "account %s was already done before the restart", a)
	}
	assert.Equal(t, "1000 / 1000", env2.As(t, auth.RoleAdmin).Get(fmt.Sprintf("/cards/jobs/%d", id)).Text("[data-testid=accounts-covered]"))
}

// A call answered with a 5xx may have been applied: it is tried again (set
// data overwrites), and a call that never gets a clear answer is unknown —
// never "failed" — with the HTTP status as its code and the kind explained
// in the page's language, never a Go error string.
func TestCallWithoutAClearAnswerIsUnknown(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultHTTP500, Times: 1, Path: chengxun.PathBatchSetSameData})
	_, j := confirmAndPush(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "show_on_all_enterprise", "true", "account_ids", "a1"))
	assert.Equal(t, store.PushDone, j.Status, "one 5xx, then a success: done")
	assert.Len(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData), 2)

	env.App.Sandbox.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultHTTP500, Path: chengxun.PathBatchSetSameData})
	_, j = confirmAndPush(t, env, b, with(card(tplKeyData, "KEYDATA", tile("人数", "21")), "target", "accounts", "show_on_all_enterprise", "true", "account_ids", "a1"))
	assert.Equal(t, store.PushFailed, j.Status)
	assert.Len(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData), 2+jobs.MaxAttempts, "every attempt River allows")
	page := fmt.Sprintf("/cards/jobs/%d", j.ID)
	p := b.Get(page)
	assert.Equal(t, "部分结果未知", p.Text("[data-testid=job-status]"))
	assert.Equal(t, "部分结果未知", b.Get("/cards/jobs").Text(fmt.Sprintf("[data-testid=job-%d] [data-testid=job-status]", j.ID)), "the list says the same")
	assert.Contains(t, b.Get("/").Text("[data-testid=dashboard-pushes]"), "部分结果未知", "and so does the dashboard")
	assert.Equal(t, "1", p.Text("[data-testid=calls-unknown]"))
	assert.Equal(t, "0", p.Text("[data-testid=calls-failed]"), "not counted as failed")
	assert.True(t, p.Has("[data-testid=unknown-note]"))
	assert.Equal(t, "结果未知", p.Text("[data-testid=failure-status]"))
	assert.Equal(t, "HTTP 500", p.Text("[data-testid=failure-code]"))
	assert.Equal(t, "平台返回了 HTTP 错误。", p.Text("[data-testid=failure-message]"))
	assert.Contains(t, p.Text("h3"), "橙讯")
	entries, _, err := env.App.Store.ListAudit(context.Background(), store.AuditFilter{Action: "cards.push.finish"}, 0, 1)
	require.NoError(t, err)
	assert.Equal(t, store.OutcomeUnknown, entries[0].Outcome)
	b.PostForm("/lang", url.Values{"lang": {"en"}})
	p = b.Get(page)
	assert.Equal(t, "The platform answered with an HTTP error.", p.Text("[data-testid=failure-message]"))
	assert.Equal(t, "Some outcomes unknown", p.Text("[data-testid=job-status]"))

	// Resending it once the platform is back: done.
	env.App.Sandbox.Faults.Clear()
	b.PostForm("/lang", url.Values{"lang": {"zh-CN"}})
	require.Equal(t, http.StatusSeeOther, b.PostForm(page+"/retry", nil).Status)
	assert.Equal(t, store.PushDone, waitJob(t, env, j.ID).Status)
}

// Every card page, in both languages: no raw message key and no fmt
// placeholder error reaches the user.
func TestPagesHaveNoRawKeys(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	kd := with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "enterprise_id", "e1", "account_ids", strings.Join(ids(250), "\n"))
	_, j := confirmAndPush(t, env, b, kd)
	for _, lang := range []string{"zh-CN", "en"} {
		b.PostForm("/lang", url.Values{"lang": {lang}})
		pages := map[string]*apptest.Page{
			"templates":   b.Get("/cards"),
			"editor":      b.Get("/cards/editor?template=" + tplList),
			"edit":        b.Get("/cards/templates/" + tplKeyData + "/edit"),
			"delete":      b.Get("/cards/templates/" + tplKeyData + "/delete"),
			"targets":     toTargets(t, b, kd),
			"confirm":     toConfirm(t, env, b, kd, nil),
			"bad targets": toConfirm(t, env, b, with(kd, "enterprise_id", "", "account_ids", "a b!"), nil),
			"bad card":    b.PostForm("/cards/targets", with(kd, "items.0.key", "")),
			"last push":   b.Get("/cards/editor?template=" + tplKeyData),
			"draft gone":  b.Get("/cards/targets?draft=0123456789abcdef0123456789abcdef"),
			"jobs":        b.Get("/cards/jobs"),
			"job":         b.Get(fmt.Sprintf("/cards/jobs/%d", j.ID)),
			"sandbox":     b.Get("/sandbox/cards?account=t00001&enterprise=e1"),
		}
		for name, p := range pages {
			text := p.Doc.Find("body").Text()
			assert.NotRegexp(t, `\bcards\.[a-z_]+\.[a-z_.]+`, text, "%s %s: raw key", lang, name)
			assert.NotContains(t, text, "%!", "%s %s: fmt error", lang, name)
			assert.Less(t, p.Status, 500, "%s %s", lang, name)
		}
	}
}

// A push takes at most forms.MaxAccountsPerPush accounts, pasted or
// uploaded: at the bound it is confirmed, one over gets an error beside the
// field that names the bound, with what was typed still there.
func TestAccountListBound(t *testing.T) {
	env := newEnv(t)
	b := env.As(t, auth.RoleAdmin)
	b.Get("/cards/editor?template=" + tplKeyData)
	data := with(card(tplKeyData, "KEYDATA", tile("人数", "20")), "target", "accounts", "show_on_all_enterprise", "true")

	at := strings.Join(ids(forms.MaxAccountsPerPush), "\n")
	p := toConfirm(t, env, b, with(data, "account_ids", at), nil)
	require.Equal(t, http.StatusOK, p.Status, p.Text("[data-testid=err-account_ids]"))
	assert.Equal(t, strconv.Itoa(forms.MaxAccountsPerPush), p.Text("[data-testid=confirm-accounts]"))
	assert.Equal(t, "500", p.Text("[data-testid=confirm-calls]"))

	over := at + "\nt100000"
	p = toConfirm(t, env, b, with(data, "account_ids", over), nil)
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Equal(t, "最多 100000 个，这份列表超出了上限（超出部分没有读取）。", p.Text("[data-testid=err-account_ids]"))
	assert.Equal(t, over, strings.TrimPrefix(p.Text("textarea[name=account_ids]"), "\n"), "what was typed stays")

	p = toConfirm(t, env, b, with(data, "account_ids", "p1"), map[string][2]string{"account_file": {"ids.txt", over}})
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Contains(t, p.Text("[data-testid=err-account_file]"), "最多 100000 个")
	assert.Equal(t, "p1", p.Text("textarea[name=account_ids]"), "the pasted list is kept")
	assert.False(t, p.Has("[data-testid=account-file-loaded]"), "the file is not kept in the draft")

	// Pasted and uploaded ids count together.
	p = toConfirm(t, env, b, with(data, "account_ids", "p1"), map[string][2]string{"account_file": {"ids.txt", at}})
	require.Equal(t, http.StatusUnprocessableEntity, p.Status)
	assert.Equal(t, "最多 100000 个，这份列表超出了上限（超出部分没有读取）。", p.Text("[data-testid=err-account_ids]"))
	assert.True(t, p.Has("[data-testid=account-file-loaded]"), "a good file stays in the draft")
	assert.Empty(t, env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetSameData), "nothing sent")
}
