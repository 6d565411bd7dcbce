package orgtree

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readCSV parses an export the way a script would: strip the BOM, encoding/csv.
func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	require.True(t, bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")), "UTF-8 BOM for Excel")
	rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	require.NoError(t, err)
	return rows
}

func TestWriteCSV(t *testing.T) {
	nodes := []Node{
		{ID: "0012345678901234567", Name: "第一中学", ParentID: root, Type: "2", Order: 1},
		{ID: "9", Name: "=HYPERLINK(\"http://evil\",\"x\")", ParentID: "0012345678901234567", Type: "4", Order: -1},
		{ID: `we"ird,id`, Name: "+1班, \"quoted\"\nnewline", ParentID: "0012345678901234567", Type: "-7", Order: 2},
		{ID: "=1+1", Name: "@SUM(A1)", ParentID: `we"ird,id`, Type: "7", Order: 0},
		{ID: "o", Name: "-孤儿", ParentID: "gone", Type: "\t4", Order: 3},
	}
	x := Build(root, nodes, WithRoot("教育局", "1"))

	var buf bytes.Buffer
	require.NoError(t, x.WriteCSV(&buf, root, nil))
	rows := readCSV(t, buf.Bytes())
	assert.Equal(t, [][]string{
		{"id", "name", "type", "parent id", "path", "order"},
		{`="100"`, "教育局", "1", "", "教育局", "0"},
		{`="0012345678901234567"`, "第一中学", "2", `="100"`, "教育局 / 第一中学", "1"},
		{`="9"`, `'=HYPERLINK("http://evil","x")`, "4", `="0012345678901234567"`, `教育局 / 第一中学 / =HYPERLINK("http://evil","x")`, "-1"},
		{`="we""ird,id"`, "'+1班, \"quoted\"\nnewline", "'-7", `="0012345678901234567"`, "教育局 / 第一中学 / +1班, \"quoted\"\nnewline", "2"},
		{`="=1+1"`, "'@SUM(A1)", "7", `="we""ird,id"`, "教育局 / 第一中学 / +1班, \"quoted\"\nnewline / @SUM(A1)", "0"},
		{`="~unattached"`, UnattachedName, "", `="100"`, "教育局 / " + UnattachedName, "0"},
		{`="o"`, "'-孤儿", "'\t4", `="gone"`, "教育局 / " + UnattachedName + " / -孤儿", "3"},
	}, rows)

	// every id comes back exactly
	for i, r := range rows[1:] {
		n, ok := x.Node(ParseCSVID(r[0]))
		require.True(t, ok, "row %d id %q", i+1, r[0])
		if n.ParentID != "" {
			assert.Equal(t, n.ParentID, ParseCSVID(r[3]))
		}
	}
	// and no free-text cell starts like a formula
	for _, r := range rows[1:] {
		for _, c := range []string{r[1], r[2], r[4]} {
			if c != "" {
				assert.NotContains(t, "=+-@\t\r", c[:1], "cell %q", c)
			}
		}
	}
}

func TestWriteCSVSubtreeAndHeader(t *testing.T) {
	x := Build(root, []Node{nd("s", "学校", root, 1), nd("g", "一年级", "s", 1), nd("c", "1班", "g", 1), nd("t", "其他", root, 2)})
	var buf bytes.Buffer
	require.NoError(t, x.WriteCSV(&buf, "g", []string{"编号", "名称", "类型", "上级编号", "路径", "排序"}))
	rows := readCSV(t, buf.Bytes())
	assert.Equal(t, [][]string{
		{"编号", "名称", "类型", "上级编号", "路径", "排序"},
		{`="g"`, "一年级", "4", `="s"`, "100 / 学校 / 一年级", "1"},
		{`="c"`, "1班", "4", `="g"`, "100 / 学校 / 一年级 / 1班", "1"},
	}, rows, "path from the org root, subtree only")

	buf.Reset()
	err := x.WriteCSV(&buf, "nope", nil)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Zero(t, buf.Len(), "nothing written for an unknown node")

	err = x.WriteCSV(&buf, root, []string{"only", "three", "labels"})
	assert.Error(t, err)
	assert.Zero(t, buf.Len())
}

func TestCSVIDRoundTrip(t *testing.T) {
	for _, id := range []string{"", "0", "007", "1600000000000000001", `a"b`, `""`, "=cmd|' /C calc'!A0", "中文", "a,b\nc"} {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		require.NoError(t, w.Write([]string{CSVID(id)}))
		w.Flush()
		got, err := csv.NewReader(strings.NewReader(buf.String())).Read()
		require.NoError(t, err)
		assert.Equal(t, id, ParseCSVID(got[0]))
	}
	assert.Equal(t, "plain", ParseCSVID("plain"), "cells that are not wrapped pass through")
	assert.Equal(t, `="`, ParseCSVID(`="`))
}

type failWriter struct{ after int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after -= len(p); f.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteCSVReportsWriteErrors(t *testing.T) {
	x := Build(districtRootID, genDistrict(3000, 3))
	err := x.WriteCSV(&failWriter{after: 100 << 10}, x.RootID(), nil)
	assert.EqualError(t, err, "disk full")
}
