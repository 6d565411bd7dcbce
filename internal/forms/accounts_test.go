package forms

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/chengxun"
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
	l, err := ParseAccountIDs(context.Background(), text)
	require.NoError(t, err)
	assert.Equal(t, []string{"u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"}, l.IDs)
	assert.Equal(t, BadIDs{First: []BadID{{Line: 4, Value: "张三"}, {Line: 6, Value: rep("x", 64) + "…"}}, Count: 2}, l.Bad)
	assert.False(t, l.Over)

	l, err = ParseAccountIDs(context.Background(), "")
	require.NoError(t, err)
	assert.Empty(t, l.IDs)
	assert.Zero(t, l.Bad.Count)
}

// parseAccountCSV reads an account list uploaded as a .csv file.
func parseAccountCSV(ctx context.Context, s string) (AccountList, error) {
	return ParseAccountUpload(ctx, "list.csv", []byte(s))
}

func TestParseAccountUploadCSV(t *testing.T) {
	ctx := context.Background()
	in := "\uFEFFaccount_id,name\nu1,张三\n\"u2\",李四\n\nu1,dup\nbad id,x\n,blank\n\"=\"\"u3\"\"\",公式\n"
	l, err := parseAccountCSV(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, []string{"u1", "u2", "u3"}, l.IDs, `="u3" (how exports write ids) reads as u3`)
	assert.Equal(t, BadIDs{First: []BadID{{Line: 6, Value: "bad id"}}, Count: 1}, l.Bad)

	l, err = parseAccountCSV(ctx, "u9\nu10\n")
	require.NoError(t, err)
	assert.Equal(t, []string{"u9", "u10"}, l.IDs, "no header row: the first row is data")

	l, err = ParseAccountUpload(ctx, "list.CSV", []byte("账号,姓名\nu1,张三\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"u1"}, l.IDs)
	l, err = ParseAccountUpload(ctx, "list.txt", []byte("u1,张三\n"))
	require.NoError(t, err)
	assert.Equal(t, []string{"u1"}, l.IDs)
	assert.Equal(t, []BadID{{Line: 1, Value: "张三"}}, l.Bad.First)

	_, err = parseAccountCSV(ctx, "u1\n\"u2\n")
	var pe *csv.ParseError
	assert.ErrorAs(t, err, &pe, "broken quoting is reported, not guessed")
	m, ok := UploadMsg(err)
	assert.True(t, ok)
	assert.Equal(t, Msg{Key: ErrUploadCSVSyntax, Args: []any{2}}, m)
}

// accountLines is n distinct account ids, one per line, plus a repeat of
// each of the first ten (repeats never count against the bound).
func accountLines(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "acct%06d\n", i)
	}
	for i := range min(n, 10) {
		fmt.Fprintf(&b, "acct%06d\n", i)
	}
	return b.String()
}

// The bound of a push, at the boundary, for every way a list arrives.
func TestAccountListBound(t *testing.T) {
	ctx := context.Background()
	parse := map[string]func(string) (AccountList, error){
		"pasted": func(s string) (AccountList, error) { return ParseAccountIDs(ctx, s) },
		"csv":    func(s string) (AccountList, error) { return parseAccountCSV(ctx, s) },
	}
	for name, p := range parse {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				n    int
				over bool
			}{{MaxAccountsPerPush - 1, false}, {MaxAccountsPerPush, false}, {MaxAccountsPerPush + 1, true}} {
				l, err := p(accountLines(tc.n))
				require.NoError(t, err)
				assert.Equal(t, tc.over, l.Over, "%d ids", tc.n)
				assert.Len(t, l.IDs, min(tc.n, MaxAccountsPerPush), "reading stops at the bound")
				errs := Errors{}
				assert.Equal(t, !tc.over, l.Check(errs, "account_ids"))
				if tc.over {
					assert.Equal(t, Msg{Key: ErrListTooLong, Args: []any{MaxAccountsPerPush}}, *errs.Get("account_ids"))
				}
			}
		})
	}
}

func TestAccountListKeepsSomeBadIDsAndCountsAll(t *testing.T) {
	l, err := ParseAccountIDs(context.Background(), "u1\n"+strings.Repeat("张三\n", 5000))
	require.NoError(t, err)
	assert.Equal(t, 5000, l.Bad.Count)
	assert.Len(t, l.Bad.First, MaxBadIDsKept)
	assert.Equal(t, 2, l.Bad.First[0].Line)
}

// A client that left stops the parse: it returns the context's error
// instead of reading on.
func TestParsersStopWhenTheRequestIsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := accountLines(50_000)
	_, err := ParseAccountIDs(ctx, big)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = parseAccountCSV(ctx, big)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = MessageForm{AccountIDs: strings.Repeat("u1 ", 50_000)}.UserIDs(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	rows, errs, err := ParseDiffDataCSV(ctx, strings.NewReader(diffCSV(50_000)), CardKeyData)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, rows)
	assert.Zero(t, errs)
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
		b := Batches(mk(tc.n), chengxun.MaxAccountsPerCall)
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
			f := parseTargets(tc.v)
			errs := f.Validate(mustAccounts(t, f))
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
	f := parseTargets(url.Values{"target": {"accounts"}, "show_on_all_enterprise": {"1"}, "account_ids": {"u1\nu2\n张三"}})
	errs := f.Validate(mustAccounts(t, f))
	assert.Equal(t, []any{1, 3}, errs["account_ids"].Args, "count and line of the first bad id")

	// An uploaded list counts: pasted ids first, then the file's new ones.
	f = parseTargets(url.Values{"target": {"accounts"}, "enterprise_id": {"e"}})
	f.FileIDs = []string{"c1", "c2"}
	assert.True(t, f.Validate(mustAccounts(t, f)).OK())
	f.AccountIDs = "p1, c2"
	assert.Equal(t, []string{"p1", "c2", "c1"}, mustAccounts(t, f).IDs)

	// The bound counts pasted and uploaded ids together.
	f.AccountIDs, f.FileIDs = "p1", strings.Fields(ids(MaxAccountsPerPush))
	l := mustAccounts(t, f)
	assert.True(t, l.Over)
	assert.Len(t, l.IDs, MaxAccountsPerPush)
	assert.Equal(t, ErrListTooLong, f.Validate(l)["account_ids"].Key)
}

// parseTargets reads a post of a page that showed the fields of its target.
func parseTargets(v url.Values) PushTargetForm {
	var f PushTargetForm
	v.Set("fields", v.Get("target"))
	f.Apply(v)
	return f
}

// A targets page shows one target's fields: the fields it did not show keep
// their values, and a box it showed unchecked is cleared.
func TestPushTargetFormKeepsFieldsNotShown(t *testing.T) {
	f := PushTargetForm{Target: "accounts", EnterpriseID: "e1", ShowOnAllEnterprise: true, AccountIDs: "a1\na2"}
	f.Apply(url.Values{"target": {"diff"}, "fields": {"org"}, "enterprise_id": {"e2"}})
	assert.Equal(t, PushTargetForm{Target: "diff", EnterpriseID: "e2", ShowOnAllEnterprise: true, AccountIDs: "a1\na2"}, f)
	f.Apply(url.Values{"target": {"diff"}, "fields": {"diff"}, "enterprise_id": {"e2"}})
	assert.False(t, f.ShowOnAllEnterprise, "unchecked on the page that showed it")
	assert.Equal(t, "a1\na2", f.AccountIDs)
	f.Apply(url.Values{"target": {"accounts"}, "fields": {"accounts"}, "account_ids": {"b1"}, "show_on_all_enterprise": {"on"}})
	assert.Equal(t, PushTargetForm{Target: "accounts", ShowOnAllEnterprise: true, AccountIDs: "b1"}, f)
	f.Apply(url.Values{"target": {"org"}})
	assert.Equal(t, PushTargetForm{Target: "org", ShowOnAllEnterprise: true, AccountIDs: "b1"}, f, "a post without fields only chooses")
}

func mustAccounts(t *testing.T, f PushTargetForm) AccountList {
	t.Helper()
	l, err := f.Accounts(context.Background())
	require.NoError(t, err)
	return l
}

func csvErrs(errs CSVErrors) []string {
	out := make([]string, len(errs.First))
	for i, e := range errs.First {
		out[i] = fmt.Sprintf("%d:%s:%s", e.Row, e.Column, e.Msg.Key)
	}
	return out
}

func TestParseDiffDataCSVKeyData(t *testing.T) {
	in := "\uFEFFaccount_id,key1,data1,jump_url1,action1,key2,data2,key3,data3,key4,data4\n" +
		"u1,待办,3,https://x.cn/todo,open,积分,120,,,,\n" +
		"u2," + rep("键", 20) + "," + rep("😀", 10) + ",,,,,,,k4,d4\n"
	rows, errs, err := ParseDiffDataCSV(context.Background(), strings.NewReader(in), CardKeyData)
	require.NoError(t, err)
	require.Empty(t, csvErrs(errs))
	require.Len(t, rows, 2)
	assert.Equal(t, DiffRow{Line: 2, AccountID: "u1", Items: []CardItemForm{
		{Key: "待办", Data: "3", JumpURL: "https://x.cn/todo", Action: "open"}, {Key: "积分", Data: "120"},
	}}, rows[0])
	assert.Equal(t, 3, rows[1].Line)
	assert.Len(t, rows[1].Items, 2, "empty items between filled ones are skipped")
}

// A download of a push's failed accounts (its ResultColumns, each
// account's items as DiffCells writes them) uploads again as the same rows;
// any other unknown column is still an error.
func TestDiffCellsUploadAgain(t *testing.T) {
	for _, tc := range []struct {
		typ         string
		items, want []CardItemForm
	}{
		{CardKeyData, []CardItemForm{{Key: "待办", Data: "3", JumpURL: "https://x.cn/todo", Action: "open"}, {Key: "积分", Data: "=1+1"}}, nil},
		{CardList, []CardItemForm{{Text: "期中考试", When: "2025-04-01T08:00"}, {Text: "家长会", JumpURL: "https://x.cn/m"}},
			[]CardItemForm{{Text: "期中考试", When: "2025-04-01 08:00"}, {Text: "家长会", JumpURL: "https://x.cn/m"}}}, // the same time, as a CSV cell has it
	} {
		t.Run(tc.typ, func(t *testing.T) {
			var buf strings.Builder
			w := csv.NewWriter(&buf)
			require.NoError(t, w.Write(append(append([]string{"account_id"}, ResultColumns...), DiffHeader(tc.typ)[1:]...)))
			require.NoError(t, w.Write(append([]string{"u1", "失败", "50000", "系统繁忙"}, DiffCells(tc.typ, tc.items)...)))
			w.Flush()
			rows, errs, err := ParseDiffDataCSV(context.Background(), strings.NewReader(buf.String()), tc.typ)
			require.NoError(t, err)
			require.Empty(t, csvErrs(errs))
			want := tc.want
			if want == nil {
				want = tc.items
			}
			assert.Equal(t, []DiffRow{{Line: 2, AccountID: "u1", Items: want}}, rows)
		})
	}
	_, errs, err := ParseDiffDataCSV(context.Background(), strings.NewReader("account_id,outcomes,key1,data1\nu1,x,k,d\n"), CardKeyData)
	require.NoError(t, err)
	assert.Equal(t, []string{"1:outcomes:" + ErrCSVUnknownColumn}, csvErrs(errs))
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
			rows, errs, err := ParseDiffDataCSV(context.Background(), strings.NewReader(tc.in), tc.typ)
			require.NoError(t, err)
			assert.Equal(t, tc.want, csvErrs(errs))
			assert.Empty(t, rows, "nothing to send while there are errors")
		})
	}
}

func TestParseDiffDataCSVList(t *testing.T) {
	in := "account_id,text1,jump_url1,action1,time1,text2,text3\nu1,放假通知,https://x.cn/n,open,2025-04-01 08:00,第二条,第三条\n"
	rows, errs, err := ParseDiffDataCSV(context.Background(), strings.NewReader(in), CardList)
	require.NoError(t, err)
	require.True(t, errs.OK())
	require.Len(t, rows, 1)
	require.Len(t, rows[0].Items, 3)
	ms, err := rows[0].Items[0].Timestamp(time.FixedZone("Beijing", 8*3600))
	require.NoError(t, err)
	assert.Equal(t, int64(1743465600000), ms)
}

// Every bad cell is counted, also several in one row, also past the ones
// listed; only the first MaxCSVErrorsShown are kept.
func TestParseDiffDataCSVCountsEveryBadCell(t *testing.T) {
	in := "account_id,key1,data1,jump_url1\n" + "bad id!," + rep("a", 21) + ",d,javascript:x\n"
	_, errs, err := ParseDiffDataCSV(context.Background(), strings.NewReader(in), CardKeyData)
	require.NoError(t, err)
	assert.Equal(t, []string{"2:account_id:" + ErrAccountID, "2:key1:" + ErrTooLong, "2:jump_url1:" + ErrURL}, csvErrs(errs))
	assert.Equal(t, 3, errs.Count)

	var b strings.Builder
	b.WriteString("account_id,key1,data1\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "u%d,%s,%s\n", i, rep("a", 21), rep("d", 21))
	}
	rows, errs, err := ParseDiffDataCSV(context.Background(), strings.NewReader(b.String()), CardKeyData)
	require.NoError(t, err)
	assert.Empty(t, rows)
	assert.Equal(t, 2000, errs.Count, "every bad cell of every row is counted")
	require.Len(t, errs.First, MaxCSVErrorsShown)
	assert.Equal(t, CSVError{Row: 51, Column: "data1", Msg: Msg{Key: ErrTooLong, Args: []any{20, 21}}}, errs.First[MaxCSVErrorsShown-1])

	// a header of a million unknown columns: counted, a hundred kept
	wide := "account_id" + strings.Repeat(",x", 1_000_000) + "\n"
	_, errs, err = ParseDiffDataCSV(context.Background(), strings.NewReader(wide), CardKeyData)
	require.NoError(t, err)
	assert.Equal(t, 1_000_000, errs.Count)
	require.Len(t, errs.First, MaxCSVErrorsShown)
}

// diffCSV is a valid KEYDATA different-data CSV of n accounts.
func diffCSV(n int) string {
	var sb strings.Builder
	sb.WriteString("account_id,key1,data1,jump_url1,key2,data2\n")
	for i := range n {
		fmt.Fprintf(&sb, "acct%06d,待办,%d,https://x.cn/todo,积分,%d\n", i, i%100, i)
	}
	return sb.String()
}

func TestParseDiffDataCSVBound(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 100,001 rows")
	}
	rows, errs, err := ParseDiffDataCSV(context.Background(), strings.NewReader(diffCSV(MaxAccountsPerPush)), CardKeyData)
	require.NoError(t, err)
	assert.True(t, errs.OK())
	assert.Len(t, rows, MaxAccountsPerPush, "at the bound: every row")

	rows, errs, err = ParseDiffDataCSV(context.Background(), strings.NewReader(diffCSV(MaxAccountsPerPush+1)), CardKeyData)
	require.NoError(t, err)
	assert.Empty(t, rows)
	assert.Equal(t, CSVErrors{First: []CSVError{{Row: MaxAccountsPerPush + 2, Msg: Msg{Key: ErrUploadTooManyRows, Args: []any{MaxUploadRows}}}}, Count: 1}, errs,
		"one over: the row past the bound is named")
}

func BenchmarkParseDiffDataCSV10k(b *testing.B) {
	in := diffCSV(10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, errs, _ := ParseDiffDataCSV(context.Background(), strings.NewReader(in), CardKeyData); !errs.OK() {
			b.Fatal(errs)
		}
	}
}
