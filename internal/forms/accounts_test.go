package forms

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidAccountID(t *testing.T) {
	for s, ok := range map[string]bool{
		"zhangsan": true, "u_01-a@school.cn": true, rep("a", 64): true,
		"": false, rep("a", 65): false, "张三": false, "a b": false, "a/b": false, "a'b": false, "<x>": false,
	} {
		assert.Equal(t, ok, ValidAccountID(s), s)
	}
}

func TestParseAccountIDs(t *testing.T) {
	text := "\uFEFFu1, u2\tu3\r\n" + // BOM, comma, tab, CRLF
		"u2，u4 u5;u6、u7\n" + // duplicate u2, Chinese comma, space, semicolons, 、
		"\n" +
		"张三 u8\n" + // line 4: invalid
		"  u1  \n" + // duplicate after trimming
		rep("x", 65) + "\n" // line 6: too long
	ids, bad := ParseAccountIDs(text)
	assert.Equal(t, []string{"u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"}, ids)
	assert.Equal(t, []BadID{{Line: 4, Value: "张三"}, {Line: 6, Value: rep("x", 64) + "…"}}, bad)

	ids, bad = ParseAccountIDs("")
	assert.Empty(t, ids)
	assert.Empty(t, bad)
}

func TestParseAccountIDsCSV(t *testing.T) {
	in := "\uFEFFaccount_id,name\nu1,张三\n\"u2\",李四\n\nu1,dup\nbad id,x\n,blank\n"
	ids, bad, err := ParseAccountIDsCSV(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, []string{"u1", "u2"}, ids)
	assert.Equal(t, []BadID{{Line: 6, Value: "bad id"}}, bad)

	ids, _, err = ParseAccountIDsCSV(strings.NewReader("u9\nu10\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"u9", "u10"}, ids, "no header row: the first row is data")

	ids, _, err = ParseAccountUpload("list.CSV", strings.NewReader("账号,姓名\nu1,张三\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"u1"}, ids)
	ids, bad, err = ParseAccountUpload("list.txt", strings.NewReader("u1,张三\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"u1"}, ids)
	assert.Equal(t, []BadID{{Line: 1, Value: "张三"}}, bad)

	_, _, err = ParseAccountIDsCSV(strings.NewReader("u1\n\"u2\n"))
	assert.Error(t, err, "broken quoting is reported, not guessed")
}

func TestBatches(t *testing.T) {
	mk := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint("u", i)
		}
		return out
	}
	for _, tc := range []struct{ n, calls, last int }{{0, 0, 0}, {1, 1, 1}, {200, 1, 200}, {201, 2, 1}, {450, 3, 50}, {10000, 50, 200}} {
		b := Batches(mk(tc.n), MaxAccountsPerCall)
		require.Len(t, b, tc.calls, "%d accounts", tc.n)
		total := 0
		for _, batch := range b {
			assert.LessOrEqual(t, len(batch), 200)
			total += len(batch)
		}
		assert.Equal(t, tc.n, total)
		if tc.calls > 0 {
			assert.Len(t, b[len(b)-1], tc.last)
		}
	}
	ids := mk(201)
	b := Batches(ids, 0)
	_ = append(b[0], "x")
	assert.Equal(t, "u200", b[1][0], "appending to one batch never overwrites the next")
}

func TestPushTargetForm(t *testing.T) {
	cases := []struct {
		name string
		v    url.Values
		want map[string]string
	}{
		{"org needs enterprise_id", url.Values{"target": {"org"}}, map[string]string{"enterprise_id": ErrRequired}},
		{"org ok", url.Values{"target": {"org"}, "enterprise_id": {"ent-1"}}, nil},
		{"accounts without enterprise or show-all", url.Values{"target": {"accounts"}, "account_ids": {"u1"}},
			map[string]string{"enterprise_id": ErrEnterpriseRequired}},
		{"accounts shown everywhere", url.Values{"target": {"accounts"}, "show_on_all_enterprise": {"on"}, "account_ids": {"u1"}}, nil},
		{"accounts in one enterprise", url.Values{"target": {"accounts"}, "enterprise_id": {"e"}, "account_ids": {"u1 u2"}}, nil},
		{"no accounts", url.Values{"target": {"accounts"}, "enterprise_id": {"e"}, "account_ids": {" \n "}},
			map[string]string{"account_ids": ErrRequired}},
		{"bad accounts", url.Values{"target": {"accounts"}, "enterprise_id": {"e"}, "account_ids": {"u1\nu2\n张三"}},
			map[string]string{"account_ids": ErrBadAccountIDs}},
		{"diff shown everywhere", url.Values{"target": {"diff"}, "show_on_all_enterprise": {"true"}}, nil},
		{"unknown target", url.Values{"target": {"all"}}, map[string]string{"target": ErrInvalid}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := ParsePushTargetForm(tc.v).Validate()
			got := map[string]string{}
			for k, m := range errs {
				got[k] = m.Key
			}
			if tc.want == nil {
				tc.want = map[string]string{}
			}
			assert.Equal(t, tc.want, got)
		})
	}
	errs := ParsePushTargetForm(url.Values{"target": {"accounts"}, "show_on_all_enterprise": {"1"}, "account_ids": {"u1\nu2\n张三"}}).Validate()
	assert.Equal(t, []any{1, 3}, errs["account_ids"].Args, "count and line of the first bad id")
}

func csvErrs(errs []CSVError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = fmt.Sprintf("%d:%s:%s", e.Row, e.Column, e.Msg.Key)
	}
	return out
}

func TestParseDiffDataCSVKeyData(t *testing.T) {
	in := "\uFEFFaccount_id,key1,data1,jump_url1,action1,key2,data2,key3,data3,key4,data4\n" +
		"u1,待办,3,https://x.cn/todo,open,积分,120,,,,\n" +
		"u2," + rep("键", 20) + "," + rep("😀", 10) + ",,,,,,,k4,d4\n"
	rows, errs := ParseDiffDataCSV(strings.NewReader(in), CardKeyData)
	require.Empty(t, csvErrs(errs))
	require.Len(t, rows, 2)
	assert.Equal(t, DiffRow{Line: 2, AccountID: "u1", Items: []CardItemForm{
		{Key: "待办", Data: "3", JumpURL: "https://x.cn/todo", Action: "open"}, {Key: "积分", Data: "120"},
	}}, rows[0])
	assert.Equal(t, 3, rows[1].Line)
	assert.Len(t, rows[1].Items, 2, "empty items between filled ones are skipped")
}

func TestParseDiffDataCSVErrors(t *testing.T) {
	cases := []struct {
		name, typ, in string
		want          []string
	}{
		{"key 21 and emoji data 21", CardKeyData, "account_id,key1,data1\nu1,k,d\nu2," + rep("a", 21) + "," + rep("😀", 10) + "x\n",
			[]string{"3:key1:" + ErrTooLong, "3:data1:" + ErrTooLong}},
		{"javascript: jump_url", CardKeyData, "account_id,key1,data1,jump_url1\nu1,k,d,javascript:alert(1)\n",
			[]string{"2:jump_url1:" + ErrURL}},
		{"invalid and duplicate accounts", CardKeyData, "account_id,key1,data1\nu1,k,d\n张三,k,d\nu1,k,d\n,k,d\n",
			[]string{"3:account_id:" + ErrAccountID, "4:account_id:" + ErrDuplicateAccount, "5:account_id:" + ErrRequired}},
		{"row without items", CardKeyData, "account_id,key1,data1\nu1,,\n", []string{"2:key1:" + ErrRequired}},
		{"half-filled tile", CardKeyData, "account_id,key1,data1,key2,data2\nu1,k,d,,5\n", []string{"2:key2:" + ErrRequired}},
		{"fifth tile column", CardKeyData, "account_id,key1,data1,key5\n", []string{"1:key5:" + ErrTooMany}},
		{"LIST column in a KEYDATA file", CardKeyData, "account_id,key1,text1\n", []string{"1:text1:" + ErrCSVUnknownColumn}},
		{"no account column", CardKeyData, "key1,data1\nk,d\n", []string{"1:account_id:" + ErrCSVMissingColumn}},
		{"duplicate column", CardKeyData, "account_id,key1,KEY1\n", []string{"1:key1:" + ErrCSVDuplicateColumn}},
		{"extra cells", CardKeyData, "account_id,key1,data1\nu1,k,d,surprise\n", []string{"2::" + ErrCSVExtraCells}},
		{"empty file", CardKeyData, "", []string{"1::" + ErrCSVEmpty}},
		{"header only", CardKeyData, "account_id,key1,data1\n", []string{"2::" + ErrCSVEmpty}},
		{"broken quotes", CardKeyData, "account_id,key1,data1\nu1,\"k,d\n", []string{"2::" + ErrCSVSyntax}},
		{"LIST text 101 and bad time", CardList, "account_id,text1,time1,text2\nu1," + rep("文", 100) + ",2025-04-01 08:00,ok\nu2," + rep("文", 101) + ",tomorrow,\n",
			[]string{"3:text1:" + ErrTooLong, "3:time1:" + ErrCardDateTime}},
		{"fourth LIST row column", CardList, "account_id,text4\n", []string{"1:text4:" + ErrTooMany}},
		{"IMAGE cannot be pushed", CardImage, "account_id\n", []string{"0:type:" + ErrCardTypeNotSupported}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rows, errs := ParseDiffDataCSV(strings.NewReader(tc.in), tc.typ)
			assert.Equal(t, tc.want, csvErrs(errs))
			assert.Empty(t, rows, "nothing to send while there are errors")
		})
	}
}

func TestParseDiffDataCSVList(t *testing.T) {
	in := "account_id,text1,jump_url1,action1,time1,text2,text3\nu1,放假通知,https://x.cn/n,open,2025-04-01 08:00,第二条,第三条\n"
	rows, errs := ParseDiffDataCSV(strings.NewReader(in), CardList)
	require.Empty(t, errs)
	require.Len(t, rows, 1)
	require.Len(t, rows[0].Items, 3)
	ms, err := rows[0].Items[0].Timestamp(time.FixedZone("Beijing", 8*3600))
	require.NoError(t, err)
	assert.Equal(t, int64(1743465600000), ms)
}

func TestParseDiffDataCSVStopsAfterTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("account_id,key1,data1\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "u%d,%s,d\n", i, rep("a", 21))
	}
	_, errs := ParseDiffDataCSV(strings.NewReader(b.String()), CardKeyData)
	require.Len(t, errs, MaxCSVErrors+1)
	assert.Equal(t, ErrCSVTooManyErrors, errs[MaxCSVErrors].Msg.Key)
}

func BenchmarkParseDiffDataCSV10k(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("account_id,key1,data1,jump_url1,key2,data2\n")
	for i := range 10000 {
		fmt.Fprintf(&sb, "acct%05d,待办,%d,https://x.cn/todo,积分,%d\n", i, i%100, i)
	}
	in := sb.String()
	b.ReportAllocs()
	for b.Loop() {
		if _, errs := ParseDiffDataCSV(strings.NewReader(in), CardKeyData); len(errs) > 0 {
			b.Fatal(errs)
		}
	}
}
