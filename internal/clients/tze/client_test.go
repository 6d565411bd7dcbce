package tze

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/upstream"
)

// seen is one request as the httptest server got it.
type seen struct {
	Method, Path, Token, ContentType, Body string
	Query                                  map[string]string
}

// fakeServer answers every request with answer (status 200 unless given) and keeps what it saw.
func fakeServer(t *testing.T, status int, answer string) (*httptest.Server, *[]seen) {
	t.Helper()
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q := map[string]string{}
		for k := range r.URL.Query() {
			q[k] = r.URL.Query().Get(k)
		}
		got = append(got, seen{Method: r.Method, Path: r.URL.Path, Token: r.URL.Query().Get("accessToken"),
			ContentType: r.Header.Get("Content-Type"), Body: string(b), Query: q})
		if status != 0 {
			w.WriteHeader(status)
		}
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func testClient(base string, retries int) *Client {
	return New(upstream.Config{BaseURL: base, Tokens: upstream.StaticToken("tok"), Retries: retries,
		Backoff: time.Millisecond, Timeout: 2 * time.Second})
}

const okList = `{"code":"000000","message":"成功","result":{"count":2,"list":[` +
	`{"org_id":"1111111","org_name":"财务部","org_type":"4","parent_id":"111","display_order":"1"},` +
	`{"org_id":"1111112","org_name":"三年级(2)班","org_type":"7","parent_id":"111","display_order":2}]}}`

func TestOrgChildListRequest(t *testing.T) {
	cases := []struct {
		name  string
		req   OrgChildListRequest
		query map[string]string
	}{
		{"whole org", OrgChildListRequest{OrgID: "123", All: true},
			map[string]string{"org_id": "123", "is_all": "1", "accessToken": "tok"}},
		{"one level below a node", OrgChildListRequest{OrgID: "123", ParentID: "456"},
			map[string]string{"org_id": "123", "parent_id": "456", "is_all": "0", "accessToken": "tok"}},
		{"missing org id is sent as missing", OrgChildListRequest{All: true},
			map[string]string{"is_all": "1", "accessToken": "tok"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, got := fakeServer(t, 0, okList)
			nodes, err := testClient(srv.URL, -1).OrgChildList(context.Background(), c.req)
			require.NoError(t, err)
			require.Len(t, *got, 1)
			r := (*got)[0]
			assert.Equal(t, http.MethodGet, r.Method)
			assert.Equal(t, "/user/openapi/org/get-org-child-list", r.Path)
			assert.Equal(t, c.query, r.Query)
			assert.Empty(t, r.Body)
			assert.Equal(t, []OrgNode{
				{OrgID: "1111111", OrgName: "财务部", ParentID: "111", OrgType: "4", DisplayOrder: 1},
				{OrgID: "1111112", OrgName: "三年级(2)班", ParentID: "111", OrgType: "7", DisplayOrder: 2},
			}, nodes)
		})
	}
}

func TestOrgChildListDecoding(t *testing.T) {
	node := func(order string) string {
		return `{"org_id":"1","org_name":"n","org_type":"7","parent_id":"0","display_order":` + order + `}`
	}
	cases := []struct {
		name, body string
		orders     []int
		kind       upstream.ErrorKind
		code, msg  string
	}{
		{"wrapped list", `{"code":"000000","message":"成功","result":{"count":1,"list":[` + node(`"7"`) + `]}}`, []int{7}, "", "", ""},
		{"bare list (json[])", `{"code":"000000","message":"成功","result":[` + node(`3`) + `,` + node(`"4"`) + `]}`, []int{3, 4}, "", "", ""},
		{"no result", `{"code":"000000","message":"成功"}`, []int{}, "", "", ""},
		{"null, blank and padded orders", `{"code":"000000","result":[` + node(`null`) + `,` + node(`""`) + `,` + node(`" 5 "`) + `,` + node(`2.0`) + `]}`, []int{0, 0, 5, 2}, "", "", ""},
		{"extra keys skipped, result null", `{"code":"000000","traceId":{"a":[1,{"b":null}]},"result":null}`, []int{}, "", "", ""},
		{"list null", `{"code":"000000","result":{"count":0,"list":null}}`, []int{}, "", "", ""},
		{"extra node keys skipped", `{"code":"000000","result":[{"org_id":"1","extra":[1,2],"display_order":9,"org_name":"n"}]}`, []int{9}, "", "", ""},
		{"numeric code tolerated", `{"code":0,"message":"ok"}`, nil, upstream.KindAPI, "0", "ok"},
		{"failure envelope", `{"code":"100001","message":"机构不存在"}`, nil, upstream.KindAPI, "100001", "机构不存在"},
		{"non-integer order", `{"code":"000000","result":[` + node(`"first"`) + `]}`, nil, upstream.KindMalformed, "", ""},
		{"no code", `{"message":"?"}`, nil, upstream.KindMalformed, "", ""},
		{"truncated", `{"code":"000000","result":{"list":[`, nil, upstream.KindMalformed, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := fakeServer(t, 0, c.body)
			nodes, err := testClient(srv.URL, -1).OrgChildList(context.Background(), OrgChildListRequest{OrgID: "1", All: true})
			if c.kind != "" {
				e, ok := upstream.AsAPIError(err)
				require.True(t, ok, "%v", err)
				assert.Equal(t, c.kind, e.Kind)
				assert.Equal(t, c.code, e.Code)
				if c.kind == upstream.KindAPI {
					assert.Equal(t, c.msg, e.Message, "verbatim")
				}
				assert.Equal(t, upstream.Tze, e.Platform)
				return
			}
			require.NoError(t, err)
			got := []int{}
			for _, n := range nodes {
				got = append(got, n.DisplayOrder)
			}
			assert.Equal(t, c.orders, got)
		})
	}
}

func TestOrgChildListIDsAreExact(t *testing.T) {
	srv, _ := fakeServer(t, 0, `{"code":"000000","message":"成功","result":{"list":[`+
		`{"org_id":527448137486400123,"org_name":"A\u0026B \ud83d\ude00 <script>","org_type":"99","parent_id":"0","display_order":1}]}}`)
	nodes, err := testClient(srv.URL, -1).OrgChildList(context.Background(), OrgChildListRequest{OrgID: "0", All: true})
	require.NoError(t, err)
	assert.Equal(t, []OrgNode{{OrgID: "527448137486400123", OrgName: "A&B 😀 <script>", ParentID: "0", OrgType: "99", DisplayOrder: 1}}, nodes)
}

func TestDisplayOrderUnmarshal(t *testing.T) {
	for in, want := range map[string]int{`3`: 3, `"3"`: 3, `" 12 "`: 12, `""`: 0, `null`: 0, `4.0`: 4, `-1`: -1} {
		var d DisplayOrder
		require.NoError(t, json.Unmarshal([]byte(in), &d), in)
		assert.Equal(t, DisplayOrder(want), d, in)
	}
	for _, in := range []string{`"x"`, `1.5`, `true`, `"1e99"`} {
		var d DisplayOrder
		assert.Error(t, json.Unmarshal([]byte(in), &d), in)
	}
}

func TestOrgChildListRetriesButSendDoesNot(t *testing.T) {
	html := "<html><body>502 Bad Gateway</body></html>"
	srv, got := fakeServer(t, http.StatusBadGateway, html)
	c := testClient(srv.URL, 2)
	_, err := c.OrgChildList(context.Background(), OrgChildListRequest{OrgID: "1"})
	e, _ := upstream.AsAPIError(err)
	require.NotNil(t, e)
	assert.Equal(t, upstream.KindHTTP, e.Kind)
	assert.Equal(t, http.StatusBadGateway, e.HTTPStatus)
	assert.Len(t, *got, 3, "a read is retried")

	*got = nil
	_, err = c.Send(context.Background(), Recipients{UserIDs: []string{"u"}}, TextMessage{Content: "x"})
	e, _ = upstream.AsAPIError(err)
	require.NotNil(t, e)
	assert.Equal(t, upstream.KindHTTP, e.Kind)
	assert.Len(t, *got, 1, "a send is never resent")
}

func TestAuthCodeRefreshesTokenOnce(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Query().Get("accessToken") != "tok-2" {
			_, _ = io.WriteString(w, `{"code":"100002","message":"accessToken无效或已过期"}`)
			return
		}
		_, _ = io.WriteString(w, `{"code":"000000","message":"成功","result":{"msgId":"m1"}}`)
	}))
	defer srv.Close()
	var fetched atomic.Int32
	tokens := upstream.NewCachedToken(func(context.Context) (string, time.Duration, error) {
		n := fetched.Add(1)
		return "tok-" + string(rune('0'+n)), time.Hour, nil
	}, time.Minute)
	c := New(upstream.Config{BaseURL: srv.URL, Tokens: tokens, Retries: -1})
	res, err := c.Send(context.Background(), Recipients{UserIDs: []string{"u"}}, TextMessage{Content: "x"})
	require.NoError(t, err)
	assert.Equal(t, "m1", res.MsgID)
	assert.Equal(t, int32(2), calls.Load())
	assert.Equal(t, int32(2), fetched.Load())

	// A refresh that brings back the refused token is not worth a resend: the
	// refusal surfaces as KindAuth with the code after one call.
	calls.Store(0)
	fetched.Store(0)
	tokens2 := upstream.NewCachedToken(func(context.Context) (string, time.Duration, error) {
		fetched.Add(1)
		return "bad", time.Hour, nil
	}, 0)
	_, err = New(upstream.Config{BaseURL: srv.URL, Tokens: tokens2, Retries: -1}).
		OrgChildList(context.Background(), OrgChildListRequest{OrgID: "1"})
	e, _ := upstream.AsAPIError(err)
	require.NotNil(t, e)
	assert.Equal(t, upstream.KindAuth, e.Kind)
	assert.Equal(t, CodeAuth, e.Code)
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, int32(2), fetched.Load(), "the refresh was tried")
}

func TestSendBodies(t *testing.T) {
	to := Recipients{UserIDs: []string{"u1", "u2"}, OrgIDs: []string{"33010200"}}
	cases := []struct {
		name string
		msg  Message
		to   Recipients
		body string
	}{
		{"text", TextMessage{Content: "zhxy msg text test 12"}, Recipients{UserIDs: []string{"u1"}},
			`{"msgtype":"text","text":{"content":"zhxy msg text test 12"},"toUserIds":["u1"]}`},
		{"link as in the doc example", LinkMessage{PCURL: "http://www.baidu.com", AppURL: "http://www.baidu.com",
			PicURL: "http://xxx.yyy.com/zzz.jpg", Content: "百度一下", Title: "百度", BusiID: "AQWER1234"}, Recipients{OrgIDs: []string{"9"}},
			`{"msgtype":"link","link":{"pcUrl":"http://www.baidu.com","appUrl":"http://www.baidu.com","picUrl":"http://xxx.yyy.com/zzz.jpg","content":"百度一下","title":"百度","busiId":"AQWER1234"},"toOrgIds":["9"]}`},
		{"link without picture keeps picUrl empty", LinkMessage{PCURL: "https://a.cn", AppURL: "https://a.cn/m", Content: "c", Title: "t", BusiID: "B"}, to,
			`{"msgtype":"link","link":{"pcUrl":"https://a.cn","appUrl":"https://a.cn/m","picUrl":"","content":"c","title":"t","busiId":"B"},"toUserIds":["u1","u2"],"toOrgIds":["33010200"]}`},
		{"oa head only", OAMessage{BusiID: "B2", PCURL: "https://a.cn/p", AppURL: "https://a.cn/m", Head: OAHead{Text: "通知"}}, to,
			`{"msgtype":"oa","busiId":"B2","pcUrl":"https://a.cn/p","appUrl":"https://a.cn/m","oa":{"head":{"text":"通知"}},"toUserIds":["u1","u2"],"toOrgIds":["33010200"]}`},
		{"oa full", OAMessage{BusiID: "B3", PCURL: "https://a.cn/p?x=1&y=2", AppURL: "https://a.cn/m",
			Head: OAHead{Text: "放假通知", BgColor: "FFCC0000"},
			Body: OABody{Title: "国庆", Content: "正文", ImageURL: "https://a.cn/i.png", FileCount: "2", Author: "王老师",
				Form: []OAFormItem{{"时间", "10月1日"}, {"地点", "<b>礼堂</b>"}}}}, Recipients{UserIDs: []string{"u"}},
			`{"msgtype":"oa","busiId":"B3","pcUrl":"https://a.cn/p?x=1\u0026y=2","appUrl":"https://a.cn/m","oa":{"head":{"text":"放假通知","bgColor":"FFCC0000"},` +
				`"body":{"title":"国庆","content":"正文","imageUrl":"https://a.cn/i.png","fileCount":"2","author":"王老师","form":[{"key":"时间","value":"10月1日"},{"key":"地点","value":"\u003cb\u003e礼堂\u003c/b\u003e"}]}},"toUserIds":["u"]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, got := fakeServer(t, 0, `{"code":"000000","message":"成功","result":{"msgId":"88"}}`)
			body, err := RequestBody(c.to, c.msg)
			require.NoError(t, err)
			assert.Equal(t, c.body, string(body), "RequestBody is what will be sent")
			res, err := testClient(srv.URL, -1).Send(context.Background(), c.to, c.msg)
			require.NoError(t, err)
			assert.Equal(t, SendResult{MsgID: "88"}, res)
			require.Len(t, *got, 1)
			r := (*got)[0]
			assert.Equal(t, http.MethodPost, r.Method)
			assert.Equal(t, "/message/openapi/send", r.Path)
			assert.Equal(t, map[string]string{"accessToken": "tok"}, r.Query)
			assert.Equal(t, "application/json;charset=UTF-8", r.ContentType)
			assert.Equal(t, c.body, r.Body)
		})
	}
	assert.Equal(t, "B3", BusiIDOf(cases[4].msg))
	assert.Equal(t, "AQWER1234", BusiIDOf(cases[1].msg))
	assert.Empty(t, BusiIDOf(cases[0].msg))
}

func TestSendError(t *testing.T) {
	srv, _ := fakeServer(t, 0, `{"code":"200006","message":"oa.head.bgColor必须是8位十六进制ARGB"}`)
	_, err := testClient(srv.URL, -1).Send(context.Background(), Recipients{UserIDs: []string{"u"}},
		OAMessage{BusiID: "b", Head: OAHead{Text: "t", BgColor: "#FFF"}})
	e, ok := upstream.AsAPIError(err)
	require.True(t, ok)
	assert.Equal(t, upstream.KindAPI, e.Kind)
	assert.Equal(t, "200006", e.Code)
	assert.Equal(t, "oa.head.bgColor必须是8位十六进制ARGB", e.Message)
	assert.Equal(t, "send-oa", e.Op)
}

func TestTypeLabel(t *testing.T) {
	assert.Equal(t, "班级", TypeLabel("7", "zh-CN"))
	assert.Equal(t, "Class", TypeLabel("7", "en"))
	assert.Equal(t, "教学工作室", TypeLabel("9", ""))
	assert.Equal(t, "Platform", TypeLabel("10", "en-US"))
	assert.Equal(t, "99", TypeLabel("99", "zh-CN"), "unknown codes show raw")
	assert.Equal(t, "99", TypeLabel("99", "en"))
	assert.False(t, KnownType("99"))
	assert.Len(t, OrgTypeCodes(), 10)
	for _, c := range OrgTypeCodes() {
		assert.True(t, KnownType(c))
		assert.NotEqual(t, c, TypeLabel(c, "en"))
	}
}

func TestCurlCommand(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	c := testClient("https://api.tze.cn", -1)
	body, err := RequestBody(Recipients{UserIDs: []string{"u"}},
		TextMessage{Content: `it's $(touch /tmp/pwned) "quoted" ` + "`x` \\ \n 😀"})
	require.NoError(t, err)
	cmd := c.CurlCommand(body)
	assert.NotContains(t, cmd, "tok", "the real token never appears")
	assert.True(t, strings.HasPrefix(cmd, "curl -X POST "))

	// Run it with curl replaced by printf, to see the arguments the shell passes.
	run := exec.Command(sh, "-c", "printf '%s\\0' "+strings.TrimPrefix(cmd, "curl "))
	run.Env = []string{"TZE_ACCESS_TOKEN=secret-123"}
	out, err := run.Output()
	require.NoError(t, err)
	args := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	assert.Equal(t, []string{"-X", "POST", "https://api.tze.cn/message/openapi/send?accessToken=secret-123",
		"-H", "Content-Type: application/json;charset=UTF-8", "--data-raw", string(body)}, args)
}
