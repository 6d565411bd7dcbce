package chengxun

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/sandbox"
)

type answer struct {
	ErrCode     int    `json:"err_code"`
	ErrMsg      string `json:"err_msg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

func call(t *testing.T, f *Fake, method, target, body string) (int, answer) {
	t.Helper()
	rec := httptest.NewRecorder()
	f.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
	var a answer
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &a), rec.Body.String())
	return rec.Code, a
}

func newFake(t *testing.T) (*Fake, string) {
	f := New(sandbox.NewTokens(time.Hour), Options{})
	_, a := call(t, f, "GET", PathToken+"?app_key="+SandboxAppKey+"&app_secret="+SandboxAppSecret, "")
	require.Equal(t, 0, a.ErrCode)
	require.NotEmpty(t, a.AccessToken)
	assert.Equal(t, int64(3600), a.ExpiresIn)
	return f, a.AccessToken
}

func TestRawBodiesTheClientCannotSend(t *testing.T) {
	f, tok := newFake(t)
	same := PathBatchSetSameData + "?access_token=" + tok
	cases := []struct {
		name, target, body string
		code               int
		field              string
	}{
		{"the doc example's data artefact", same, `{"enterprise_id":"string","show_on_all_enterprise":true,"account_id_list":["string"],"type":"KEYDATA","data":{"err_code":null,"err_msg":null}}`, CodeRequired, "data.items"},
		{"show_on_all_enterprise missing", same, `{"enterprise_id":"e","account_id_list":["a"],"type":"KEYDATA","data":{"items":[]}}`, CodeRequired, "show_on_all_enterprise"},
		{"account_id_list missing", same, `{"show_on_all_enterprise":true,"type":"KEYDATA","data":{"items":[]}}`, CodeRequired, "account_id_list"},
		{"type missing", same, `{"show_on_all_enterprise":true,"account_id_list":["a"],"data":{"items":[]}}`, CodeRequired, "type"},
		{"type not in the enum", same, `{"show_on_all_enterprise":true,"account_id_list":["a"],"type":"CHART","data":{"items":[]}}`, CodeTypeInvalid, "CHART"},
		{"data missing", same, `{"show_on_all_enterprise":true,"account_id_list":["a"],"type":"LIST"}`, CodeRequired, "data"},
		{"timestamp a string", same, `{"show_on_all_enterprise":true,"account_id_list":["a"],"type":"LIST","data":{"items":[{"text":"t","timestamp":"0"}]}}`, CodeTimestamp, "data.items[0].timestamp"},
		{"timestamp a fraction", same, `{"show_on_all_enterprise":true,"account_id_list":["a"],"type":"LIST","data":{"items":[{"text":"t","timestamp":1.5}]}}`, CodeTimestamp, "data.items[0].timestamp"},
		{"boolean as string", same, `{"show_on_all_enterprise":"yes","account_id_list":["a"],"type":"LIST","data":{"items":[]}}`, CodeBadBody, "show_on_all_enterprise"},
		{"key as number", same, `{"show_on_all_enterprise":true,"account_id_list":["a"],"type":"KEYDATA","data":{"items":[{"key":5}]}}`, CodeBadBody, "data.items[0].key"},
		{"not JSON", same, `{`, CodeBadBody, "JSON"},
		{"no token", PathBatchSetSameData, `{}`, CodeTokenMissing, "access_token"},
		{"unknown token", PathBatchSetSameData + "?access_token=nope", `{}`, CodeTokenInvalid, "access_token"},
		{"template name 51", PathAddTemplate + "?access_token=" + tok, `{"name":"` + strings.Repeat("a", 51) + `","type":"LIST"}`, CodeTooLong, "name length 51 exceeds 50"},
		{"template name missing", PathAddTemplate + "?access_token=" + tok, `{"type":"LIST"}`, CodeRequired, "name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if strings.HasPrefix(tc.target, PathAddTemplate) {
				method = "PUT"
			}
			status, a := call(t, f, method, tc.target, tc.body)
			assert.Equal(t, http.StatusOK, status, "errors travel in the envelope")
			assert.Equal(t, tc.code, a.ErrCode)
			assert.Contains(t, a.ErrMsg, tc.field)
		})
	}
	assert.Empty(t, f.AccountIDs())
}

func TestRoutingAndCredentials(t *testing.T) {
	f, tok := newFake(t)
	status, a := call(t, f, "GET", PathBatchSetSameData+"?access_token="+tok, "")
	assert.Equal(t, http.StatusMethodNotAllowed, status)
	assert.Equal(t, CodeMethod, a.ErrCode)
	status, a = call(t, f, "GET", "/apps/v1/card/nope", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, CodeNotFound, a.ErrCode)
	_, a = call(t, f, "GET", PathToken+"?app_key="+SandboxAppKey+"&app_secret=wrong", "")
	assert.Equal(t, CodeAppCredentials, a.ErrCode)
	assert.Empty(t, a.AccessToken)
}

func TestStateShowsWhatAnAccountSeesNow(t *testing.T) {
	now := time.Date(2025, 4, 1, 10, 0, 0, 0, time.UTC)
	f := New(sandbox.NewTokens(time.Hour), Options{Now: func() time.Time { now = now.Add(time.Minute); return now }})
	tok, _ := f.tokens.Issue()
	q := "?access_token=" + tok
	_, a := call(t, f, "POST", PathBatchSetSameData+q, `{"enterprise_id":"e1","show_on_all_enterprise":false,"account_id_list":["u1","u2"],"type":"KEYDATA","data":{"items":[{"key":"待办","data":"3"}]}}`)
	require.Equal(t, 0, a.ErrCode, a.ErrMsg)
	_, a = call(t, f, "POST", PathBatchSetDiffData+q, `{"show_on_all_enterprise":true,"type":"LIST","account_data_list":[{"account_id":"u1","data":{"items":[{"text":"放假","timestamp":1743465600000}]}}]}`)
	require.Equal(t, 0, a.ErrCode, a.ErrMsg)

	card, ok := f.AccountCard("u1")
	require.True(t, ok)
	assert.Equal(t, TypeList, card.Type)
	assert.True(t, card.AllEnterprises)
	assert.Equal(t, []ListItem{{Text: "放假", Timestamp: 1743465600000}}, card.List)
	assert.Len(t, f.AccountCards("u1"), 2, "one per organisation")
	card, _ = f.AccountCard("u2")
	assert.Equal(t, "e1", card.EnterpriseID)
	assert.Equal(t, "batch-set-same-data", card.Op)
	assert.Equal(t, []string{"u1", "u2"}, f.AccountIDs())
	_, ok = f.OrgCard("e1")
	assert.False(t, ok)
}

func TestErrorEnvelopeForFaults(t *testing.T) {
	f := New(sandbox.NewTokens(time.Hour), Options{NoSeed: true})
	assert.JSONEq(t, `{"err_code":50000,"err_msg":"系统繁忙,请稍后再试"}`, string(f.ErrorEnvelope("", "")))
	assert.JSONEq(t, `{"err_code":40001,"err_msg":"expired"}`, string(f.ErrorEnvelope("40001", "expired")))
	assert.Empty(t, f.Templates())
}
