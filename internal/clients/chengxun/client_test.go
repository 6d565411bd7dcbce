package chengxun

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/upstream"
)

type seen struct {
	method, path, query, ua, body string
}

// stub answers every call with answer and remembers what it received.
func stub(t *testing.T, status int, answer string) (*Client, *[]seen) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("User-Agent"), string(b)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	c := New(upstream.Config{BaseURL: srv.URL + "/api", Tokens: upstream.StaticToken("tok-1"), Retries: -1, Backoff: time.Millisecond})
	return c, &got
}

func TestOperationsSendTheDocumentedRequest(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		call   func(*Client) error
		method string
		path   string
		query  string
		body   string
	}{
		{"list templates", func(c *Client) error { _, err := c.ListTemplates(ctx); return err },
			"GET", "/api/apps/v1/card/list-template", "access_token=tok-1", ""},
		{"add template", func(c *Client) error {
			_, err := c.AddTemplate(ctx, TemplateInput{Name: "校园数据看板", Type: KeyData})
			return err
		}, "PUT", "/api/apps/v1/card/add-template", "access_token=tok-1", `{"name":"校园数据看板","type":"KEYDATA"}`},
		{"update template", func(c *Client) error {
			return c.UpdateTemplate(ctx, Template{ID: "ctpl1", Name: "通知", Type: List})
		}, "POST", "/api/apps/v1/card/update-template", "access_token=tok-1", `{"template_id":"ctpl1","name":"通知","type":"LIST"}`},
		{"delete template", func(c *Client) error { return c.DeleteTemplate(ctx, "ctpl1") },
			"DELETE", "/api/apps/v1/card/delete-template", "access_token=tok-1&template_id=ctpl1", ""},
		{"set org data", func(c *Client) error {
			return c.SetOrgData(ctx, OrgDataRequest{EnterpriseID: "e1", Data: KeyDataCard(KeyDataItem{Key: "最大访问人数", Data: "20"})})
		}, "POST", "/api/apps/v1/card/set-org-data", "access_token=tok-1",
			`{"enterprise_id":"e1","type":"KEYDATA","data":{"items":[{"key":"最大访问人数","data":"20"}]}}`},
		{"batch set same data, one organisation", func(c *Client) error {
			return c.BatchSetSameData(ctx, SameDataRequest{EnterpriseID: "e1", AccountIDs: []string{"a1", "a2"},
				Data: ListCard(ListItem{Text: "智慧校园新版设计的小程序要来啦", JumpURL: "http://jump_url", Action: "action", Timestamp: 1743465600000})})
		}, "POST", "/api/apps/v1/card/batch-set-same-data", "access_token=tok-1",
			`{"enterprise_id":"e1","show_on_all_enterprise":false,"account_id_list":["a1","a2"],"type":"LIST","data":{"items":[{"text":"智慧校园新版设计的小程序要来啦","jump_url":"http://jump_url","action":"action","timestamp":1743465600000}]}}`},
		{"batch set same data, every organisation", func(c *Client) error {
			return c.BatchSetSameData(ctx, SameDataRequest{ShowOnAllEnterprise: true, AccountIDs: []string{"a1"}, Data: KeyDataCard()})
		}, "POST", "/api/apps/v1/card/batch-set-same-data", "access_token=tok-1",
			`{"show_on_all_enterprise":true,"account_id_list":["a1"],"type":"KEYDATA","data":{"items":[]}}`},
		{"batch set diff data", func(c *Client) error {
			return c.BatchSetDiffData(ctx, DiffDataRequest{EnterpriseID: "e1", Type: KeyData, Entries: []AccountCardData{
				{AccountID: "a1", Data: KeyDataCard(KeyDataItem{Key: "待办", Data: "3"})},
				{AccountID: "a2", Data: KeyDataCard(KeyDataItem{Key: "待办", Data: "0", JumpURL: "https://x.cn/todo"})},
			}})
		}, "POST", "/api/apps/v1/card/batch-set-diff-data", "access_token=tok-1",
			`{"enterprise_id":"e1","show_on_all_enterprise":false,"type":"KEYDATA","account_data_list":[{"account_id":"a1","data":{"items":[{"key":"待办","data":"3"}]}},{"account_id":"a2","data":{"items":[{"key":"待办","data":"0","jump_url":"https://x.cn/todo"}]}}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, got := stub(t, 200, `{"err_code":0,"err_msg":""}`)
			require.NoError(t, tc.call(c))
			require.Len(t, *got, 1)
			g := (*got)[0]
			assert.Equal(t, tc.method, g.method)
			assert.Equal(t, tc.path, g.path)
			assert.Equal(t, tc.query, g.query)
			assert.Equal(t, "CX", g.ua)
			if tc.body == "" {
				assert.Empty(t, g.body)
			} else {
				assert.JSONEq(t, tc.body, g.body)
				assert.NotContains(t, g.body, "err_code", "never imitate the doc example's data artefact")
			}
		})
	}
}

func TestListAndAddDecodeData(t *testing.T) {
	c, _ := stub(t, 200, `{"err_code":0,"err_msg":"","data":[{"template_id":"ctpl1","name":"通知公告","type":"LIST"}]}`)
	ts, err := c.ListTemplates(context.Background())
	require.NoError(t, err)
	assert.Equal(t, TemplateList{Templates: []Template{{ID: "ctpl1", Name: "通知公告", Type: List}}}, ts)

	// The list's fields are not in the seed: an entry without an id is kept apart.
	c, _ = stub(t, 200, `{"err_code":0,"data":[{"template_id":"","name":"坏模板","type":"LIST"},{"name":"无 ID"},{"template_id":"ctpl2","name":"好","type":"KEYDATA"}]}`)
	ts, err = c.ListTemplates(context.Background())
	require.NoError(t, err)
	assert.Equal(t, TemplateList{
		Templates: []Template{{ID: "ctpl2", Name: "好", Type: KeyData}},
		Malformed: []Template{{Name: "坏模板", Type: List}, {Name: "无 ID"}},
	}, ts)

	c, _ = stub(t, 200, `{"err_code":0,"err_msg":"","data":{"template_id":"ctpl9","name":"n","type":"KEYDATA"}}`)
	tpl, err := c.AddTemplate(context.Background(), TemplateInput{Name: "n", Type: KeyData})
	require.NoError(t, err)
	assert.Equal(t, "ctpl9", tpl.ID)
}

func TestErrorEnvelopes(t *testing.T) {
	cases := []struct {
		name, answer string
		status       int
		kind         upstream.ErrorKind
		code, msg    string
	}{
		{"api error with HTTP 200", `{"err_code":40038,"err_msg":"data.items[0].key length 21 exceeds 20"}`, 200,
			upstream.KindAPI, "40038", "data.items[0].key length 21 exceeds 20"},
		{"token refused", `{"err_code":40001,"err_msg":"access_token invalid or expired"}`, 200, upstream.KindAuth, "40001", "access_token invalid or expired"},
		{"HTML 502", `<html>bad gateway</html>`, 502, upstream.KindHTTP, "", ""},
		{"truncated JSON", `{"err_code":0,"err_m`, 200, upstream.KindMalformed, "", ""},
		{"envelope on 400", `{"err_code":40030,"err_msg":"坏请求"}`, 400, upstream.KindAPI, "40030", "坏请求"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, got := stub(t, tc.status, tc.answer)
			err := c.BatchSetSameData(context.Background(), SameDataRequest{ShowOnAllEnterprise: true, AccountIDs: []string{"a"}, Data: KeyDataCard()})
			e, ok := upstream.AsAPIError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.kind, e.Kind)
			assert.Equal(t, tc.code, e.Code)
			if tc.code != "" {
				assert.Equal(t, tc.msg, e.Message, "the platform's message reaches the user verbatim")
			}
			assert.Equal(t, upstream.Chengxun, e.Platform)
			// A static token cannot be refreshed, so a refused one is not resent
			// either: every case reaches the platform exactly once.
			assert.Len(t, *got, 1, "sent once")
		})
	}
}

func TestDiffDataRefusesMixedTypes(t *testing.T) {
	c, got := stub(t, 200, `{"err_code":0}`)
	err := c.BatchSetDiffData(context.Background(), DiffDataRequest{EnterpriseID: "e", Type: KeyData,
		Entries: []AccountCardData{{AccountID: "a", Data: ListCard()}}})
	require.Error(t, err)
	assert.Empty(t, *got)
}

func TestCardTypeSupported(t *testing.T) {
	for typ, want := range map[CardType]bool{KeyData: true, List: true, Image: false, WebView: false} {
		assert.Equal(t, want, typ.Supported(), typ)
		assert.True(t, typ.Valid())
	}
	assert.False(t, CardType("CHART").Valid())
	assert.Equal(t, int64(1743465600000), ListTimestamp(time.Date(2025, 4, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))))
}

func TestTokenFetcher(t *testing.T) {
	var gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery = r.URL.RawQuery
		if r.URL.Query().Get("app_secret") != "s" {
			_, _ = io.WriteString(w, `{"err_code":40013,"err_msg":"app_key 或 app_secret 错误"}`)
			return
		}
		_, _ = io.WriteString(w, `{"err_code":0,"err_msg":"","access_token":"T","expires_in":7200}`)
	}))
	defer srv.Close()
	tok, ttl, err := TokenFetcher(srv.URL+"/apps/v1/token", "k", "s", nil)(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "T", tok)
	assert.Equal(t, 2*time.Hour, ttl)
	assert.Equal(t, "app_key=k&app_secret=s", gotQuery)

	_, _, err = TokenFetcher(srv.URL+"/apps/v1/token", "k", "wrong", nil)(context.Background())
	e, ok := upstream.AsAPIError(err)
	require.True(t, ok)
	assert.Equal(t, upstream.KindAuth, e.Kind)
	assert.Equal(t, "40013", e.Code)
	assert.Equal(t, "app_key 或 app_secret 错误", e.Message)
}
