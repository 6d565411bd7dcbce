package tze

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/tze"
)

type rig struct {
	srv    *sandbox.Server
	fake   *fake.Fake
	tokens *sandbox.Tokens
	client *Client
}

// newRig starts the real fake on loopback and a client that fetches its tokens.
func newRig(t testing.TB, opts ...fake.Option) *rig {
	t.Helper()
	tokens := sandbox.NewTokens(time.Hour)
	f := fake.New(tokens, append([]fake.Option{fake.WithCredentials("app", "secret")}, opts...)...)
	s := sandbox.New(nil)
	s.Add(f)
	require.NoError(t, s.Start("127.0.0.1:0"))
	t.Cleanup(func() { _ = s.Close() })
	base := s.BaseURL("tze")
	c := New(upstream.Config{BaseURL: base, Timeout: 30 * time.Second, Backoff: time.Millisecond, // generous: -race on a busy machine
		Tokens: upstream.NewCachedToken(TokenFetcher(base+DefaultTokenPath, "app", "secret", nil), time.Minute)})
	return &rig{srv: s, fake: f, tokens: tokens, client: c}
}

func apiErr(t *testing.T, err error) *upstream.APIError {
	t.Helper()
	e, ok := upstream.AsAPIError(err)
	require.True(t, ok, "want *upstream.APIError, got %v", err)
	return e
}

func TestIntegrationOrg(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	want, err := r.fake.Nodes(fake.SeedBureauID)
	require.NoError(t, err)

	all, err := r.client.OrgChildList(ctx, OrgChildListRequest{OrgID: fake.SeedBureauID, All: true})
	require.NoError(t, err)
	require.Len(t, all, len(want))
	for i, n := range want {
		assert.Equal(t, OrgNode{OrgID: n.OrgID, OrgName: n.OrgName, ParentID: n.ParentID, OrgType: n.OrgType,
			DisplayOrder: n.DisplayOrder}, all[i])
	}

	top, err := r.client.OrgChildList(ctx, OrgChildListRequest{OrgID: fake.SeedBureauID})
	require.NoError(t, err)
	for _, n := range top {
		assert.Equal(t, fake.SeedBureauID, n.ParentID, "is_all=0: direct children only")
	}

	school, err := r.client.OrgChildList(ctx, OrgChildListRequest{OrgID: fake.SeedBureauID, ParentID: fake.SeedSchoolID, All: true})
	require.NoError(t, err)
	assert.NotEmpty(t, school)
	for _, n := range school {
		assert.NotEqual(t, fake.SeedSchoolID, n.OrgID, "the parent itself is not listed")
	}

	_, err = r.client.OrgChildList(ctx, OrgChildListRequest{OrgID: "404404"})
	e := apiErr(t, err)
	assert.Equal(t, upstream.KindAPI, e.Kind)
	assert.Equal(t, CodeFailure, e.Code)
	assert.Contains(t, e.Error(), "100001")
	assert.Contains(t, e.Message, "404404")

	_, err = r.client.OrgChildList(ctx, OrgChildListRequest{All: true})
	e = apiErr(t, err)
	assert.Equal(t, CodeFailure, e.Code)
	assert.Contains(t, e.Message, "org_id")

	assert.Len(t, r.srv.Recorder.Requests("tze", PathOrgChildList), 5, "errors are answers: no retries")
	assert.Equal(t, 1, r.tokens.IssuedCount())
}

func TestIntegrationBareListAndLargeOrg(t *testing.T) {
	r := newRig(t, fake.WithBareListResult(), fake.WithLargeOrg("9100", 100000))
	nodes, err := r.client.OrgChildList(context.Background(), OrgChildListRequest{OrgID: "9100", All: true})
	require.NoError(t, err)
	assert.Len(t, nodes, 100000)
	strs := 0
	for _, q := range r.srv.Recorder.Requests("tze", PathOrgChildList) {
		strs += strings.Count(q.Response, `"display_order":"`)
	}
	assert.Positive(t, strs, "the fake really sent string orders")
}

func TestIntegrationTokenExpiryRefreshes(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	_, err := r.client.OrgChildList(ctx, OrgChildListRequest{OrgID: fake.SeedSchoolID})
	require.NoError(t, err)
	r.tokens.RevokeAll() // the platform expires the token early
	_, err = r.client.OrgChildList(ctx, OrgChildListRequest{OrgID: fake.SeedSchoolID})
	require.NoError(t, err)
	assert.Equal(t, 2, r.tokens.IssuedCount())

	r.tokens.RevokeAll()
	_, err = r.client.Send(ctx, Recipients{UserIDs: []string{"u"}}, TextMessage{Content: "x"})
	require.NoError(t, err, "a refused token is retried once even for a send")
	assert.Len(t, r.fake.Messages(), 1)

	bad := New(upstream.Config{BaseURL: r.srv.BaseURL("tze"), Retries: -1,
		Tokens: upstream.NewCachedToken(TokenFetcher(r.srv.BaseURL("tze")+DefaultTokenPath, "app", "wrong", nil), 0)})
	_, err = bad.OrgChildList(ctx, OrgChildListRequest{OrgID: fake.SeedSchoolID})
	e := apiErr(t, err)
	assert.Equal(t, upstream.KindAuth, e.Kind)
	assert.NotContains(t, err.Error(), "wrong", "the secret never reaches an error text")
}

func TestIntegrationFaults(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	req := OrgChildListRequest{OrgID: fake.SeedSchoolID}
	cases := []struct {
		fault sandbox.Fault
		kind  upstream.ErrorKind
		code  string
	}{
		{sandbox.Fault{Kind: sandbox.FaultEnvelope, Message: "系统繁忙"}, upstream.KindAPI, CodeFailure},
		{sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "100002"}, upstream.KindAuth, CodeAuth},
		{sandbox.Fault{Kind: sandbox.FaultHTTP500}, upstream.KindHTTP, ""},
		{sandbox.Fault{Kind: sandbox.FaultMalformed}, upstream.KindMalformed, ""},
	}
	for _, c := range cases {
		t.Run(string(c.fault.Kind)+c.fault.Code, func(t *testing.T) {
			c.fault.Path = PathOrgChildList // the token endpoint keeps working
			r.srv.Faults.Set("tze", c.fault)
			defer r.srv.Faults.Clear()
			_, err := r.client.OrgChildList(ctx, req)
			e := apiErr(t, err)
			assert.Equal(t, c.kind, e.Kind)
			assert.Equal(t, c.code, e.Code)
			assert.Equal(t, upstream.Tze, e.Platform)
		})
	}
	t.Run("hang", func(t *testing.T) {
		c := New(upstream.Config{BaseURL: r.srv.BaseURL("tze"), Timeout: 100 * time.Millisecond, Retries: -1,
			Tokens: upstream.NewCachedToken(TokenFetcher(r.srv.BaseURL("tze")+DefaultTokenPath, "app", "secret", nil), 0)})
		_, err := c.OrgChildList(ctx, req) // token first, so the hang hits the list call
		require.NoError(t, err)
		r.srv.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultHang, Path: PathOrgChildList})
		defer r.srv.Faults.Clear()
		_, err = c.OrgChildList(ctx, req)
		assert.Equal(t, upstream.KindTimeout, apiErr(t, err).Kind)
	})
	t.Run("send is not resent after a 500", func(t *testing.T) {
		r.srv.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultHTTP500, Path: PathSend})
		defer r.srv.Faults.Clear()
		before := len(r.srv.Recorder.Requests("tze", PathSend))
		_, err := r.client.Send(ctx, Recipients{UserIDs: []string{"u"}}, TextMessage{Content: "x"})
		assert.Equal(t, upstream.KindHTTP, apiErr(t, err).Kind)
		assert.Len(t, r.srv.Recorder.Requests("tze", PathSend), before+1)
	})
}

func oa(busiID string) OAMessage {
	return OAMessage{BusiID: busiID, PCURL: "https://school.example/p", AppURL: "https://school.example/m",
		Head: OAHead{Text: "放假通知", BgColor: DefaultBgColor}}
}

func rows(n int) []OAFormItem {
	out := make([]OAFormItem, n)
	for i := range out {
		out[i] = OAFormItem{Key: fmt.Sprintf("项目%d", i+1), Value: "值"}
	}
	return out
}

func TestIntegrationMessageLimits(t *testing.T) {
	r := newRig(t)
	to := Recipients{OrgIDs: []string{fake.SeedSchoolID}}
	h255 := strings.Repeat("通", 253) + "😀" // 255 UTF-16 units
	with := func(f func(*OAMessage)) Message {
		m := oa("")
		f(&m)
		return m
	}
	cases := []struct {
		name string
		to   Recipients
		msg  Message
		code string
	}{
		{"text", to, TextMessage{Content: "明天放假 😀"}, ""},
		{"text without content", to, TextMessage{}, fake.CodeRequired},
		{"no recipients", Recipients{}, TextMessage{Content: "x"}, fake.CodeNoRecipients},
		{"link without picture", to, LinkMessage{PCURL: "https://a.cn", AppURL: "https://a.cn/m", Title: "t", BusiID: "L1", Content: "c"}, ""},
		{"link javascript: url", to, LinkMessage{PCURL: "javascript:alert(1)", AppURL: "https://a.cn/m", Title: "t", BusiID: "L2", Content: "c"}, fake.CodeURL},
		{"link data: picture", to, LinkMessage{PCURL: "https://a.cn", AppURL: "https://a.cn/m", PicURL: "data:image/png;base64,AA", Title: "t", BusiID: "L3", Content: "c"}, fake.CodeURL},
		{"link without busiId", to, LinkMessage{PCURL: "https://a.cn", AppURL: "https://a.cn/m", Title: "t", Content: "c"}, fake.CodeRequired},
		{"head text 255", to, with(func(m *OAMessage) { m.Head.Text = h255 }), ""},
		{"head text 256", to, with(func(m *OAMessage) { m.Head.Text = h255 + "a" }), fake.CodeTooLong},
		{"head text 256 by emoji", to, with(func(m *OAMessage) { m.Head.Text = strings.Repeat("通", 254) + "😀" }), fake.CodeTooLong},
		{"head text missing", to, with(func(m *OAMessage) { m.Head.Text = "" }), fake.CodeRequired},
		{"bgColor default omitted", to, with(func(m *OAMessage) { m.Head.BgColor = "" }), ""},
		{"bgColor #FFCC00", to, with(func(m *OAMessage) { m.Head.BgColor = "#FFCC00" }), fake.CodeBgColor},
		{"bgColor 0xFFCC0000", to, with(func(m *OAMessage) { m.Head.BgColor = "0xFFCC0000" }), fake.CodeBgColor},
		{"bgColor FFCC00", to, with(func(m *OAMessage) { m.Head.BgColor = "FFCC00" }), fake.CodeBgColor},
		{"bgColor GGCC0000", to, with(func(m *OAMessage) { m.Head.BgColor = "GGCC0000" }), fake.CodeBgColor},
		{"form 6 rows", to, with(func(m *OAMessage) { m.Body.Form = rows(6) }), ""},
		{"form 7 rows", to, with(func(m *OAMessage) { m.Body.Form = rows(7) }), fake.CodeTooManyForm},
		{"oa without busiId", to, with(func(m *OAMessage) { m.BusiID = "" }), fake.CodeRequired},
		{"oa imageUrl javascript:", to, with(func(m *OAMessage) { m.Body.ImageURL = "javascript:x" }), fake.CodeURL},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if m, ok := c.msg.(OAMessage); ok && m.BusiID == "" && c.code != fake.CodeRequired {
				m.BusiID = fmt.Sprintf("OA-%d", i)
				c.msg = m
			}
			r.fake.ResetMessages()
			res, err := r.client.Send(context.Background(), c.to, c.msg)
			if c.code == "" {
				require.NoError(t, err)
				assert.NotEmpty(t, res.MsgID)
				require.Len(t, r.fake.Messages(), 1)
				body, _ := RequestBody(c.to, c.msg)
				assert.Equal(t, string(body), r.fake.Messages()[0].Body, "the fake got exactly RequestBody")
				return
			}
			e := apiErr(t, err)
			assert.Equal(t, upstream.KindAPI, e.Kind)
			assert.Equal(t, c.code, e.Code, e.Message)
			assert.Empty(t, r.fake.Messages())
		})
	}
}

func TestIntegrationRepeatedBusiIDDeliversOnce(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	to := Recipients{UserIDs: []string{"acc-1"}}
	first, err := r.client.Send(ctx, to, oa("OA-ONCE"))
	require.NoError(t, err)
	again, err := r.client.Send(ctx, to, oa("OA-ONCE"))
	require.NoError(t, err)
	assert.Equal(t, first, again, "same msgId")
	link := LinkMessage{PCURL: "https://a.cn", AppURL: "https://a.cn/m", Title: "t", BusiID: "LINK-ONCE", Content: "c"}
	for range 3 {
		_, err = r.client.Send(ctx, to, link)
		require.NoError(t, err)
	}
	msgs := r.fake.Messages()
	require.Len(t, msgs, 2)
	assert.Equal(t, "OA-ONCE", msgs[0].BusiID)
	assert.Equal(t, "LINK-ONCE", msgs[1].BusiID)
	assert.Len(t, r.srv.Recorder.Requests("tze", PathSend), 5)
}
