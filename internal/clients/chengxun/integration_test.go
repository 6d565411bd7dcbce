package chengxun

// Integration tests against the real sandbox fake over loopback HTTP: the fake
// is written from the contract, so these check that the client's wire shapes
// and the documented limits agree from both sides.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
)

type env struct {
	c      *Client
	fake   *fake.Fake
	srv    *sandbox.Server
	tokens *sandbox.Tokens
}

func start(t *testing.T, timeout time.Duration) env {
	t.Helper()
	tokens := sandbox.NewTokens(time.Hour)
	f := fake.New(tokens, fake.Options{})
	s := sandbox.New(nil)
	s.Add(f)
	require.NoError(t, s.Start("127.0.0.1:0"))
	t.Cleanup(func() { _ = s.Close() })
	base := s.BaseURL(fake.Name)
	src := upstream.NewCachedToken(TokenFetcher(base+DefaultTokenPath, fake.SandboxAppKey, fake.SandboxAppSecret, nil), time.Minute)
	c := New(upstream.Config{BaseURL: base, Tokens: src, Timeout: timeout, Backoff: time.Millisecond})
	return env{c: c, fake: f, srv: s, tokens: tokens}
}

func rep(s string, n int) string { return strings.Repeat(s, n) }

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("acct%05d", i)
	}
	return out
}

func kd(items ...KeyDataItem) CardData { return KeyDataCard(items...) }

func TestSameDataLimitsAtTheBoundary(t *testing.T) {
	e := start(t, 5*time.Second)
	ctx := context.Background()
	okItem := KeyDataItem{Key: "最大访问人数", Data: "20", JumpURL: "https://x.cn/a", Action: "open"}
	okRow := ListItem{Text: "智慧校园新版设计的小程序要来啦", JumpURL: "https://x.cn/n", Action: "open", Timestamp: 1743465600000}
	withKD := func(mod func(*KeyDataItem)) CardData {
		it := okItem
		mod(&it)
		return kd(okItem, it) // the bad one is items[1]
	}
	withRow := func(mod func(*ListItem)) CardData {
		it := okRow
		mod(&it)
		return ListCard(okRow, okRow, it) // the bad one is items[2]
	}
	url := func(n int) string { return "https://x.cn/" + rep("a", n-len("https://x.cn/")) }
	cases := []struct {
		name     string
		data     CardData
		accounts []string
		code     int    // 0 = accepted
		field    string // named in the message
	}{
		{"KEYDATA 4 items", kd(okItem, okItem, okItem, okItem), nil, 0, ""},
		{"KEYDATA 5 items", kd(okItem, okItem, okItem, okItem, okItem), nil, fake.CodeTooManyItems, "data.items"},
		{"LIST 3 items", ListCard(okRow, okRow, okRow), nil, 0, ""},
		{"LIST 4 items", ListCard(okRow, okRow, okRow, okRow), nil, fake.CodeTooManyItems, "data.items"},
		{"key 20", withKD(func(i *KeyDataItem) { i.Key = rep("键", 20) }), nil, 0, ""},
		{"key 10 emoji = 20", withKD(func(i *KeyDataItem) { i.Key = rep("😀", 10) }), nil, 0, ""},
		{"key 21", withKD(func(i *KeyDataItem) { i.Key = rep("a", 21) }), nil, fake.CodeTooLong, "data.items[1].key length 21 exceeds 20"},
		{"key 19 + emoji = 21", withKD(func(i *KeyDataItem) { i.Key = rep("a", 19) + "😀" }), nil, fake.CodeTooLong, "data.items[1].key length 21"},
		{"data 20", withKD(func(i *KeyDataItem) { i.Data = rep("9", 20) }), nil, 0, ""},
		{"data 21", withKD(func(i *KeyDataItem) { i.Data = rep("9", 21) }), nil, fake.CodeTooLong, "data.items[1].data length 21 exceeds 20"},
		{"KEYDATA jump_url 300", withKD(func(i *KeyDataItem) { i.JumpURL = url(300) }), nil, 0, ""},
		{"KEYDATA jump_url 301", withKD(func(i *KeyDataItem) { i.JumpURL = url(301) }), nil, fake.CodeTooLong, "data.items[1].jump_url length 301 exceeds 300"},
		{"KEYDATA action 300", withKD(func(i *KeyDataItem) { i.Action = rep("动", 300) }), nil, 0, ""},
		{"KEYDATA action 301 by emoji", withKD(func(i *KeyDataItem) { i.Action = rep("动", 299) + "😀" }), nil, fake.CodeTooLong, "data.items[1].action length 301 exceeds 300"},
		{"LIST text 100", withRow(func(i *ListItem) { i.Text = rep("文", 100) }), nil, 0, ""},
		{"LIST text 101", withRow(func(i *ListItem) { i.Text = rep("文", 99) + "😀" }), nil, fake.CodeTooLong, "data.items[2].text length 101 exceeds 100"},
		{"LIST jump_url 300", withRow(func(i *ListItem) { i.JumpURL = url(300) }), nil, 0, ""},
		{"LIST jump_url 301", withRow(func(i *ListItem) { i.JumpURL = url(301) }), nil, fake.CodeTooLong, "data.items[2].jump_url length 301"},
		{"LIST action 300", withRow(func(i *ListItem) { i.Action = rep("a", 300) }), nil, 0, ""},
		{"LIST action 301", withRow(func(i *ListItem) { i.Action = rep("a", 301) }), nil, fake.CodeTooLong, "data.items[2].action length 301"},
		{"200 accounts", kd(okItem), ids(200), 0, ""},
		{"201 accounts", kd(okItem), ids(201), fake.CodeAccountCount, "account_id_list"},
		{"no accounts", kd(okItem), []string{}, fake.CodeAccountCount, "account_id_list"},
		{"empty account id", kd(okItem), []string{"a", ""}, fake.CodeAccountEmpty, "account_id_list[1]"},
		{"IMAGE refused", CardData{Type: Image, Image: &ImageData{URL: "https://x.cn/i.png"}}, nil, fake.CodeTypeUnsupported, "IMAGE"},
		{"WEBVIEW refused", CardData{Type: WebView, WebView: &WebViewData{URL: "https://x.cn", Height: "single_row"}}, nil, fake.CodeTypeUnsupported, "WEBVIEW"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			accts := tc.accounts
			if accts == nil {
				accts = []string{"zhangsan"}
			}
			err := e.c.BatchSetSameData(ctx, SameDataRequest{EnterpriseID: "ent-1", AccountIDs: accts, Data: tc.data})
			if tc.code == 0 {
				require.NoError(t, err)
				card, ok := e.fake.AccountCard(accts[len(accts)-1])
				require.True(t, ok)
				assert.Equal(t, string(tc.data.Type), card.Type)
				assert.Equal(t, "ent-1", card.EnterpriseID)
				return
			}
			ae, ok := upstream.AsAPIError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, upstream.KindAPI, ae.Kind)
			assert.Equal(t, fmt.Sprint(tc.code), ae.Code)
			assert.Contains(t, ae.Message, tc.field)
		})
	}
}

func TestEnterpriseIDRule(t *testing.T) {
	e := start(t, 5*time.Second)
	ctx := context.Background()
	data := kd(KeyDataItem{Key: "待办", Data: "3"})

	err := e.c.BatchSetSameData(ctx, SameDataRequest{AccountIDs: []string{"a1"}, Data: data})
	ae, ok := upstream.AsAPIError(err)
	require.True(t, ok)
	assert.Equal(t, fmt.Sprint(fake.CodeEnterpriseRequired), ae.Code)
	assert.Contains(t, ae.Message, "enterprise_id")
	_, held := e.fake.AccountCard("a1")
	assert.False(t, held, "a refused call changes nothing")

	require.NoError(t, e.c.BatchSetSameData(ctx, SameDataRequest{ShowOnAllEnterprise: true, AccountIDs: []string{"a1"}, Data: data}))
	card, ok := e.fake.AccountCard("a1")
	require.True(t, ok)
	assert.True(t, card.AllEnterprises)
	assert.Equal(t, []fake.KeyDataItem{{Key: "待办", Data: "3"}}, card.KeyData)

	// Org level: enterprise_id is always required.
	err = e.c.SetOrgData(ctx, OrgDataRequest{Data: data})
	ae, _ = upstream.AsAPIError(err)
	require.NotNil(t, ae)
	assert.Equal(t, fmt.Sprint(fake.CodeEnterpriseRequired), ae.Code)
	require.NoError(t, e.c.SetOrgData(ctx, OrgDataRequest{EnterpriseID: "ent-9", Data: ListCard(ListItem{Text: "放假通知", Timestamp: 1743465600000})}))
	org, ok := e.fake.OrgCard("ent-9")
	require.True(t, ok)
	assert.Equal(t, []fake.ListItem{{Text: "放假通知", Timestamp: 1743465600000}}, org.List)
}

func TestOrgAndDiffDataApplyTheSameLimits(t *testing.T) {
	e := start(t, 5*time.Second)
	ctx := context.Background()
	tooLong := KeyDataItem{Key: rep("a", 21), Data: "1"}

	err := e.c.SetOrgData(ctx, OrgDataRequest{EnterpriseID: "e", Data: kd(tooLong)})
	ae, _ := upstream.AsAPIError(err)
	require.NotNil(t, ae)
	assert.Equal(t, fmt.Sprint(fake.CodeTooLong), ae.Code)
	assert.Contains(t, ae.Message, "data.items[0].key length 21 exceeds 20")

	err = e.c.SetOrgData(ctx, OrgDataRequest{EnterpriseID: "e", Data: CardData{Type: Image, Image: &ImageData{URL: "https://x.cn/i.png"}}})
	ae, _ = upstream.AsAPIError(err)
	require.NotNil(t, ae)
	assert.Equal(t, fmt.Sprint(fake.CodeTypeUnsupported), ae.Code)

	entries := func(n int) []AccountCardData {
		out := make([]AccountCardData, n)
		for i, id := range ids(n) {
			out[i] = AccountCardData{AccountID: id, Data: kd(KeyDataItem{Key: "积分", Data: fmt.Sprint(i)})}
		}
		return out
	}
	require.NoError(t, e.c.BatchSetDiffData(ctx, DiffDataRequest{EnterpriseID: "e", Type: KeyData, Entries: entries(200)}))
	card, ok := e.fake.AccountCard("acct00199")
	require.True(t, ok)
	assert.Equal(t, "199", card.KeyData[0].Data)

	err = e.c.BatchSetDiffData(ctx, DiffDataRequest{EnterpriseID: "e", Type: KeyData, Entries: entries(201)})
	ae, _ = upstream.AsAPIError(err)
	require.NotNil(t, ae)
	assert.Equal(t, fmt.Sprint(fake.CodeAccountCount), ae.Code)
	assert.Contains(t, ae.Message, "account_data_list")

	bad := entries(3)
	bad[2].Data = kd(KeyDataItem{Key: "k", Data: "1"}, KeyDataItem{Key: "k", Data: rep("😀", 10) + "x"})
	err = e.c.BatchSetDiffData(ctx, DiffDataRequest{EnterpriseID: "e", Type: KeyData, Entries: bad})
	ae, _ = upstream.AsAPIError(err)
	require.NotNil(t, ae)
	assert.Equal(t, fmt.Sprint(fake.CodeTooLong), ae.Code)
	assert.Contains(t, ae.Message, "account_data_list[2].data.items[1].data length 21 exceeds 20")

	err = e.c.BatchSetDiffData(ctx, DiffDataRequest{Type: KeyData, Entries: entries(1)})
	ae, _ = upstream.AsAPIError(err)
	require.NotNil(t, ae)
	assert.Equal(t, fmt.Sprint(fake.CodeEnterpriseRequired), ae.Code)
}

func TestTemplatesRoundTrip(t *testing.T) {
	e := start(t, 5*time.Second)
	ctx := context.Background()
	seeded, err := e.c.ListTemplates(ctx)
	require.NoError(t, err)
	require.Len(t, seeded.Templates, 4)
	assert.Empty(t, seeded.Malformed)
	var types []CardType
	for _, s := range seeded.Templates {
		types = append(types, s.Type)
	}
	assert.ElementsMatch(t, CardTypes(), types)

	tpl, err := e.c.AddTemplate(ctx, TemplateInput{Name: rep("名", 50), Type: List})
	require.NoError(t, err)
	assert.NotEmpty(t, tpl.ID)
	_, err = e.c.AddTemplate(ctx, TemplateInput{Name: rep("名", 49) + "😀", Type: List})
	ae, _ := upstream.AsAPIError(err)
	require.NotNil(t, ae)
	assert.Equal(t, fmt.Sprint(fake.CodeTooLong), ae.Code)
	_, err = e.c.AddTemplate(ctx, TemplateInput{Name: "x", Type: "CHART"})
	ae, _ = upstream.AsAPIError(err)
	require.NotNil(t, ae)
	assert.Equal(t, fmt.Sprint(fake.CodeTypeInvalid), ae.Code)

	require.NoError(t, e.c.UpdateTemplate(ctx, Template{ID: tpl.ID, Name: "校园通知", Type: List}))
	all, err := e.c.ListTemplates(ctx)
	require.NoError(t, err)
	assert.Contains(t, all.Templates, Template{ID: tpl.ID, Name: "校园通知", Type: List})

	require.NoError(t, e.c.DeleteTemplate(ctx, tpl.ID))
	err = e.c.DeleteTemplate(ctx, tpl.ID)
	ae, _ = upstream.AsAPIError(err)
	require.NotNil(t, ae)
	assert.Equal(t, fmt.Sprint(fake.CodeTemplateNotFound), ae.Code)
	assert.Len(t, e.fake.Templates(), 4)
}

func TestExpiredTokenIsRefreshedOnce(t *testing.T) {
	e := start(t, 5*time.Second)
	ctx := context.Background()
	req := SameDataRequest{ShowOnAllEnterprise: true, AccountIDs: []string{"a1"}, Data: kd(KeyDataItem{Key: "k", Data: "1"})}
	require.NoError(t, e.c.BatchSetSameData(ctx, req))
	require.Equal(t, 1, e.tokens.IssuedCount())

	e.tokens.RevokeAll() // the platform forgot the cached token
	require.NoError(t, e.c.BatchSetSameData(ctx, req))
	assert.Equal(t, 2, e.tokens.IssuedCount())

	calls := e.srv.Recorder.Requests(fake.Name, PathBatchSetSameData)
	require.Len(t, calls, 3)
	assert.Contains(t, calls[1].Response, fmt.Sprint(fake.CodeTokenInvalid))
	assert.Equal(t, calls[1].Body, calls[2].Body, "the retry resends the same body")
	for _, c := range calls {
		assert.Equal(t, "CX", c.Headers["User-Agent"])
		assert.Contains(t, c.Query, "access_token=")
		assert.NotContains(t, c.Query, "sbx-", "the recorder hides the token")
	}
}

func TestFaultsBecomeAPIErrorKinds(t *testing.T) {
	e := start(t, 300*time.Millisecond)
	ctx := context.Background()
	req := SameDataRequest{ShowOnAllEnterprise: true, AccountIDs: []string{"a1"}, Data: kd()}
	_, err := e.c.ListTemplates(ctx) // holds a token before faults start
	require.NoError(t, err)

	cases := []struct {
		fault sandbox.Fault
		kind  upstream.ErrorKind
		code  string
	}{
		{sandbox.Fault{Kind: sandbox.FaultEnvelope}, upstream.KindAPI, fmt.Sprint(fake.CodeSystem)},
		{sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "40001", Message: "token expired"}, upstream.KindAuth, "40001"},
		{sandbox.Fault{Kind: sandbox.FaultHTTP500}, upstream.KindHTTP, ""},
		{sandbox.Fault{Kind: sandbox.FaultMalformed}, upstream.KindMalformed, ""},
		{sandbox.Fault{Kind: sandbox.FaultHang}, upstream.KindTimeout, ""},
	}
	for _, tc := range cases {
		t.Run(string(tc.fault.Kind)+tc.fault.Code, func(t *testing.T) {
			e.srv.Recorder.Reset()
			tc.fault.Path = PathBatchSetSameData
			e.srv.Faults.Set(fake.Name, tc.fault)
			defer e.srv.Faults.Clear()
			err := e.c.BatchSetSameData(ctx, req)
			ae, ok := upstream.AsAPIError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.kind, ae.Kind)
			assert.Equal(t, tc.code, ae.Code)
			assert.Equal(t, upstream.Chengxun, ae.Platform)
			want := 1
			if tc.kind == upstream.KindAuth {
				want = 2 // the framework's one auth retry, with a fresh token
			}
			recorded := func() int { return len(e.srv.Recorder.Requests(fake.Name, PathBatchSetSameData)) }
			if tc.fault.Kind == sandbox.FaultHang {
				// The sandbox records a hung call once it sees the client give up.
				require.Eventually(t, func() bool { return recorded() >= want }, 5*time.Second, 5*time.Millisecond)
			}
			assert.Equal(t, want, recorded(), "writes are not retried")
		})
	}

	t.Run("list retries after one 500", func(t *testing.T) {
		e.srv.Recorder.Reset()
		e.srv.Faults.Set(fake.Name, sandbox.Fault{Kind: sandbox.FaultHTTP500, Path: PathListTemplates, Times: 1})
		defer e.srv.Faults.Clear()
		ts, err := e.c.ListTemplates(ctx)
		require.NoError(t, err)
		assert.Len(t, ts.Templates, 4)
		assert.Len(t, e.srv.Recorder.Requests(fake.Name, PathListTemplates), 2)
	})
}

func TestConcurrentPushesAreSafe(t *testing.T) {
	e := start(t, 5*time.Second)
	ctx := context.Background()
	all := ids(1000)
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for b := 0; b < 5; b++ {
		wg.Go(func() {
			errs <- e.c.BatchSetSameData(ctx, SameDataRequest{EnterpriseID: "e", AccountIDs: all[b*200 : (b+1)*200],
				Data: ListCard(ListItem{Text: "通知", Timestamp: 1})})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.Len(t, e.fake.AccountIDs(), 1000)
	assert.Equal(t, 1, e.tokens.IssuedCount(), "concurrent callers share one token fetch")
}
