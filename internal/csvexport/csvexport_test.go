package csvexport_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/csvexport"
	"github.com/orgconsole/console/internal/csvexport/csvtest"
	"github.com/orgconsole/console/internal/i18n"
)

// What a spreadsheet would run, and what it must show unchanged.
func TestTextDefusesFormulas(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"第一中学", "第一中学"},
		{"a=b", "a=b"},
		{"1+1", "1+1"},
		{"#!", "#!"},
		{"'quoted", "'quoted"},
		{"=1+2", "'=1+2"},
		{`=1+2+cmd|'/C'!A`, `'=1+2+cmd|'/C'!A`},
		{"+86 138", "'+86 138"},
		{"-2", "'-2"},
		{"-", "'-"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\tplain", "'\tplain"},
		{"\r=1", "'\r=1"},
		{"\n=1", "'\n=1"},
		{" =1+2", "' =1+2"},
		{"   @x", "'   @x"},
		{"\u00a0=1", "'\u00a0=1"},         // no-break space
		{"\u3000=1", "'\u3000=1"},         // ideographic space
		{"\ufeff=1", "'\ufeff=1"},         // BOM inside a cell
		{"\u200b+1", "'\u200b+1"},         // zero-width space
		{"＝HYPERLINK()", "'＝HYPERLINK()"}, // full-width equals
		{"＋1", "'＋1"},
		{"  text", "  text"},
		{"\u3000中文", "\u3000中文"},
	} {
		var buf bytes.Buffer
		w, err := csvexport.New(&buf, i18n.ZH, "h", "end")
		require.NoError(t, err)
		require.NoError(t, w.Row(csvexport.Text(tc.in), csvexport.Text("end")))
		assert.Equal(t, csvexport.Complete, w.Finish(context.Background(), nil))
		rows := csvtest.Read(t, buf.String())
		assert.Equal(t, tc.want, rows[1][0], "cell %q", tc.in)
	}
}

// Ids keep every digit in Excel and come back exactly; the wrapper cannot
// be broken out of.
func TestIDCells(t *testing.T) {
	for _, id := range []string{"0", "007", "527448137486400", "9007199254740993", "1;2", `a"b`, `""`,
		`=cmd|' /C calc'!A0`, `"),HYPERLINK("x`, "中文", "a,b\nc"} {
		var buf bytes.Buffer
		w, err := csvexport.New(&buf, i18n.ZH, "id")
		require.NoError(t, err)
		require.NoError(t, w.Row(csvexport.ID(id)))
		w.Finish(context.Background(), nil)
		cell := csvtest.Read(t, buf.String())[1][0]
		assert.True(t, strings.HasPrefix(cell, `="`) && strings.HasSuffix(cell, `"`), "%q", cell)
		assert.NotContains(t, strings.ReplaceAll(cell[2:len(cell)-1], `""`, ""), `"`, "no unescaped quote ends the literal early")
		assert.Equal(t, id, csvtest.ID(cell))
	}
	var buf bytes.Buffer
	w, _ := csvexport.New(&buf, i18n.ZH, "id", "n")
	require.NoError(t, w.Row(csvexport.ID(""), csvexport.Int(-3)))
	w.Finish(context.Background(), nil)
	assert.Equal(t, "\ufeffid,n\n,-3\n", buf.String(), "no id: an empty cell; numbers as they are")
}

func TestHeaderIsTextToo(t *testing.T) {
	var buf bytes.Buffer
	w, err := csvexport.New(&buf, i18n.ZH, "=id", "名称")
	require.NoError(t, err)
	w.Finish(context.Background(), nil)
	assert.Equal(t, "\ufeff'=id,名称\n", buf.String())
	assert.Zero(t, w.Rows())
}

// A cut-off export ends with a row that says so, as wide as the header.
func TestFinishMarksAnIncompleteExport(t *testing.T) {
	for _, tc := range []struct {
		name string
		lang i18n.Lang
		err  error
		want []string
	}{
		{"platform code", i18n.ZH, &upstream.APIError{Platform: upstream.SCRM, Kind: upstream.KindAPI, Code: "=50000", Message: "+系统繁忙"},
			[]string{"已写入 2 行", "=50000", "+系统繁忙"}},
		{"http status", i18n.EN, &upstream.APIError{Platform: upstream.SCRM, Kind: upstream.KindHTTP, HTTPStatus: 500},
			[]string{"EXPORT INCOMPLETE", "after 2 rows", "HTTP 500"}},
		{"anything else", i18n.ZH, errors.New("database is locked"), []string{"已写入 2 行", "发生了意外错误"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := csvexport.New(&buf, tc.lang, "a", "b", "c")
			require.NoError(t, err)
			require.NoError(t, w.Row(csvexport.Text("x"), csvexport.Text("y"), csvexport.Text("z")))
			require.NoError(t, w.Row(csvexport.Text("x"), csvexport.Text("y"), csvexport.Text("z")))
			assert.Equal(t, csvexport.Incomplete, w.Finish(context.Background(), tc.err))
			rows := csvtest.Read(t, buf.String()) // strict: every row as wide as the header
			require.Len(t, rows, 4)
			last := rows[3]
			assert.True(t, strings.HasPrefix(last[0], csvexport.IncompleteMark+" "), last[0])
			for _, s := range tc.want {
				assert.Contains(t, last[0], s)
			}
			assert.NotContains(t, last[0], "database is locked", "never a Go error string")
			assert.Equal(t, []string{"", ""}, last[1:])
			assert.Equal(t, 2, w.Rows())
		})
	}
}

// Once the client went away nothing more is written: nobody would read it.
func TestFinishAfterTheClientLeft(t *testing.T) {
	var buf bytes.Buffer
	w, err := csvexport.New(&buf, i18n.ZH, "a")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.Equal(t, csvexport.Abandoned, w.Finish(ctx, context.Canceled))
	assert.NotContains(t, buf.String(), csvexport.IncompleteMark)

	fw := &failingWriter{}
	w, err = csvexport.New(fw, i18n.ZH, "a")
	require.NoError(t, err) // buffered: nothing reached the writer yet
	var rowErr error
	for i := 0; rowErr == nil && i < 100000; i++ {
		rowErr = w.Row(csvexport.Text(strings.Repeat("x", 100)))
	}
	require.ErrorIs(t, rowErr, csvexport.ErrWrite)
	assert.Equal(t, csvexport.Abandoned, w.Finish(context.Background(), rowErr))
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestStartSendsTheDownloadAtOnce(t *testing.T) {
	rec := httptest.NewRecorder()
	w, err := csvexport.Start(rec, i18n.ZH, `org-"a/b\c".csv`, "id")
	require.NoError(t, err)
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "text/csv; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, `attachment; filename="org-_a_b_c_.csv"`, rec.Header().Get("Content-Disposition"))
	assert.True(t, rec.Flushed, "the header row is flushed before any row")
	assert.Equal(t, "\ufeffid\n", rec.Body.String())
	assert.Equal(t, csvexport.Complete, w.Finish(context.Background(), nil))
}
