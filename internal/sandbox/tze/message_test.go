package tze

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func (h *harness) send(body string) answer {
	h.t.Helper()
	_, a, _ := h.do(http.MethodPost, SendPath, url.Values{"accessToken": {h.token}}, body)
	return a
}

const to = `,"toUserIds":["u1"]`

func oaBody(head, extraOA, extraTop string) string {
	return `{"msgtype":"oa","busiId":"B1","pcUrl":"https://a.cn/p","appUrl":"https://a.cn/m","oa":{"head":` + head + extraOA + `}` + extraTop + to + `}`
}

func formRows(n int) string {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf(`{"key":"k%d","value":"v"}`, i)
	}
	return `,"body":{"title":"t","form":[` + strings.Join(rows, ",") + `]}`
}

func TestSendValidation(t *testing.T) {
	h := newHarness(t)
	s255 := strings.Repeat("汉", 253) + "😀"
	link := func(fields string) string {
		return `{"msgtype":"link","link":{` + fields + `}` + to + `}`
	}
	full := `"pcUrl":"https://a.cn","appUrl":"http://a.cn/h5","title":"百度","busiId":"L1","content":"百度一下"`
	cases := []struct {
		name, body, code, msg string
	}{
		{"text ok", `{"msgtype":"text","text":{"content":"zhxy msg text test 12"}` + to + `}`, CodeOK, ""},
		{"not JSON", `{"msgtype":`, CodeBadBody, ""},
		{"array body", `[]`, CodeBadBody, ""},
		{"msgtype missing", `{"text":{"content":"x"}` + to + `}`, CodeRequired, "msgtype"},
		{"msgType spelling refused", `{"msgType":"text","text":{"content":"x"}` + to + `}`, CodeRequired, "msgtype"},
		{"msgtype 10 units: unknown, not too long", `{"msgtype":"abcdefghij"` + to + `}`, CodeMsgType, "abcdefghij"},
		{"msgtype 11 units", `{"msgtype":"abcdefghijk"` + to + `}`, CodeTooLong, "msgtype"},
		{"msgtype wrong type", `{"msgtype":1` + to + `}`, CodeBadBody, "msgtype"},
		{"text content missing", `{"msgtype":"text","text":{}` + to + `}`, CodeRequired, "text.content"},
		{"text content blank", `{"msgtype":"text","text":{"content":"  "}` + to + `}`, CodeRequired, "text.content"},
		{"text object missing", `{"msgtype":"text"` + to + `}`, CodeRequired, "text"},
		{"no recipients", `{"msgtype":"text","text":{"content":"x"}}`, CodeNoRecipients, "toUserIds"},
		{"empty recipients", `{"msgtype":"text","text":{"content":"x"},"toUserIds":[],"toOrgIds":[]}`, CodeNoRecipients, ""},
		{"org recipients only", `{"msgtype":"text","text":{"content":"x"},"toOrgIds":["1"]}`, CodeOK, ""},
		{"blank recipient id", `{"msgtype":"text","text":{"content":"x"},"toOrgIds":[""]}`, CodeRequired, "toOrgIds[0]"},
		{"link ok with picUrl", link(full + `,"picUrl":"http://x.y.com/z.jpg"`), CodeOK, ""},
		{"link ok, empty picUrl", link(`"pcUrl":"https://a.cn","appUrl":"http://a.cn/h5","title":"t","busiId":"L2","content":"c","picUrl":""`), CodeOK, ""},
		{"link ok, no picUrl", link(`"pcUrl":"https://a.cn","appUrl":"http://a.cn/h5","title":"t","busiId":"L3","content":"c"`), CodeOK, ""},
		{"link pcUrl missing", link(`"appUrl":"http://a.cn","title":"t","busiId":"L","content":"c"`), CodeRequired, "link.pcUrl"},
		{"link appUrl javascript", link(`"pcUrl":"https://a.cn","appUrl":"javascript:alert(1)","title":"t","busiId":"L","content":"c"`), CodeURL, "link.appUrl"},
		{"link title missing", link(`"pcUrl":"https://a.cn","appUrl":"http://a.cn","busiId":"L","content":"c"`), CodeRequired, "link.title"},
		{"link busiId missing", link(`"pcUrl":"https://a.cn","appUrl":"http://a.cn","title":"t","content":"c"`), CodeRequired, "link.busiId"},
		{"link content missing", link(`"pcUrl":"https://a.cn","appUrl":"http://a.cn","title":"t","busiId":"L"`), CodeRequired, "link.content"},
		{"link picUrl data:", link(full + `,"picUrl":"data:image/png;base64,AAAA"`), CodeURL, "link.picUrl"},
		{"oa ok", oaBody(`{"text":"通知","bgColor":"FFCC0000"}`, "", ""), CodeOK, ""},
		{"oa busiId missing", strings.Replace(oaBody(`{"text":"t"}`, "", ""), `"busiId":"B1",`, "", 1), CodeRequired, "busiId"},
		{"oa pcUrl ftp", strings.Replace(oaBody(`{"text":"t"}`, "", ""), "https://a.cn/p", "ftp://a.cn/p", 1), CodeURL, "pcUrl"},
		{"oa appUrl missing", strings.Replace(oaBody(`{"text":"t"}`, "", ""), `"appUrl":"https://a.cn/m",`, "", 1), CodeRequired, "appUrl"},
		{"oa object missing", `{"msgtype":"oa","busiId":"B","pcUrl":"https://a.cn","appUrl":"https://a.cn"` + to + `}`, CodeRequired, "oa"},
		{"oa head missing", `{"msgtype":"oa","busiId":"B","pcUrl":"https://a.cn","appUrl":"https://a.cn","oa":{}` + to + `}`, CodeRequired, "oa.head"},
		{"oa head text missing", oaBody(`{"bgColor":"FFCC0000"}`, "", ""), CodeRequired, "oa.head.text"},
		{"head text 255 units (emoji counts 2)", oaBody(`{"text":"`+s255+`"}`, "", ""), CodeOK, ""},
		{"head text 256 units", oaBody(`{"text":"`+s255+`a"}`, "", ""), CodeTooLong, "oa.head.text"},
		{"head text 256 via emoji", oaBody(`{"text":"`+strings.Repeat("汉", 254)+`😀"}`, "", ""), CodeTooLong, "256"},
		{"bgColor lower-case hex ok", oaBody(`{"text":"t","bgColor":"80cc00ff"}`, "", ""), CodeOK, ""},
		{"bgColor #", oaBody(`{"text":"t","bgColor":"#FFCC00"}`, "", ""), CodeBgColor, "oa.head.bgColor"},
		{"bgColor 0x", oaBody(`{"text":"t","bgColor":"0xFFCC0000"}`, "", ""), CodeBgColor, ""},
		{"bgColor 6 digits", oaBody(`{"text":"t","bgColor":"FFCC00"}`, "", ""), CodeBgColor, ""},
		{"bgColor not hex", oaBody(`{"text":"t","bgColor":"GGCC0000"}`, "", ""), CodeBgColor, ""},
		{"bgColor empty string", oaBody(`{"text":"t","bgColor":""}`, "", ""), CodeBgColor, ""},
		{"form 6 rows", oaBody(`{"text":"t"}`, formRows(6), ""), CodeOK, ""},
		{"form 7 rows", oaBody(`{"text":"t"}`, formRows(7), ""), CodeTooManyForm, "oa.body.form"},
		{"form not array", oaBody(`{"text":"t"}`, `,"body":{"form":{}}`, ""), CodeBadBody, "oa.body.form"},
		{"form value not string", oaBody(`{"text":"t"}`, `,"body":{"form":[{"key":"k","value":1}]}`, ""), CodeBadBody, "oa.body.form[0].value"},
		{"body imageUrl javascript", oaBody(`{"text":"t"}`, `,"body":{"imageUrl":"javascript:x"}`, ""), CodeURL, "oa.body.imageUrl"},
		{"body fileCount not verified", oaBody(`{"text":"t"}`, `,"body":{"fileCount":"many","author":"王老师","content":"正文"}`, ""), CodeOK, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.fake.ResetMessages()
			a := h.send(c.body)
			assert.Equal(t, c.code, a.Code, a.Message)
			assert.Contains(t, a.Message, c.msg)
			if c.code == CodeOK {
				assert.Len(t, h.fake.Messages(), 1)
			} else {
				assert.Empty(t, h.fake.Messages())
			}
		})
	}
}

func TestSendAuthAndMethod(t *testing.T) {
	h := newHarness(t)
	h.tokens.RevokeAll()
	assert.Equal(t, CodeAuth, h.send(`{"msgtype":"text","text":{"content":"x"}`+to+`}`).Code)
	code, a, _ := h.do(http.MethodGet, SendPath, url.Values{"accessToken": {h.token}}, "")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	assert.Equal(t, CodeFailure, a.Code)
	assert.Empty(t, h.fake.Messages())
}

func TestRepeatedBusiIDDeliversOnce(t *testing.T) {
	h := newHarness(t)
	body := oaBody(`{"text":"放假通知"}`, "", "")
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() {
			a := h.send(body)
			var r SendResult
			_ = json.Unmarshal(a.Result, &r)
			ids[i] = r.MsgID
		})
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id, "same msgId")
	}
	require.Len(t, h.fake.Messages(), 1)
	m := h.fake.Messages()[0]
	assert.Equal(t, Delivered{MsgID: ids[0], MsgType: "oa", BusiID: "B1", Title: "放假通知", ToUserIDs: []string{"u1"},
		Body: body, At: m.At}, m)

	// Text messages have no busiId in the contract: each one is delivered.
	text := `{"msgtype":"text","text":{"content":"x"}` + to + `}`
	h.send(text)
	h.send(text)
	assert.Len(t, h.fake.Messages(), 3)
}
