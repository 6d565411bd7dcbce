package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func encode(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

// readAll reads every record with its line.
func readAll(t *testing.T, r *Rows) ([][]string, []int, error) {
	t.Helper()
	var recs [][]string
	var lines []int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return recs, lines, r.Close()
		}
		if err != nil {
			return recs, lines, err
		}
		recs = append(recs, append([]string(nil), rec...))
		lines = append(lines, r.Line())
	}
}

// xlsxOf is a workbook made with excelize: one sheet per map entry, in order.
func xlsxOf(t *testing.T, sheets ...[][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, rows := range sheets {
		name := "Sheet" + string(rune('1'+i))
		if i > 0 {
			_, err := f.NewSheet(name)
			require.NoError(t, err)
		}
		for r, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			require.NoError(t, f.SetSheetRow(name, cell, &row))
		}
	}
	var buf bytes.Buffer
	_, err := f.WriteTo(&buf)
	require.NoError(t, err)
	return buf.Bytes()
}

const chinese = "account_id,key1,data1\nzhangsan,出勤率,98%\nlisi,𠀀字,王喆\n" // 𠀀 (U+20000) is a four-byte GB18030 sequence

func TestOpenDecodesWhatExcelWrites(t *testing.T) {
	want := [][]string{{"account_id", "key1", "data1"}, {"zhangsan", "出勤率", "98%"}, {"lisi", "𠀀字", "王喆"}}
	gb18030 := encode(t, simplifiedchinese.GB18030, chinese)
	require.True(t, bytes.Contains(gb18030, []byte{0x95, 0x32, 0x82, 0x36}), "U+20000 is encoded in four bytes")
	gbkText := "account_id,key1,data1\nzhangsan,出勤率,98%\nlisi,学校,王喆\n"
	for _, tc := range []struct {
		name string
		file []byte
		want [][]string
	}{
		{"UTF-8", []byte(chinese), want},
		{"UTF-8 with BOM (Excel: CSV UTF-8)", append([]byte("\uFEFF"), chinese...), want},
		{"GB18030 with a four-byte character", gb18030, want},
		{"GBK (Excel on Chinese Windows)", encode(t, simplifiedchinese.GBK, gbkText),
			[][]string{{"account_id", "key1", "data1"}, {"zhangsan", "出勤率", "98%"}, {"lisi", "学校", "王喆"}}},
		{"CRLF and a quoted cell with a comma", encode(t, simplifiedchinese.GBK, "account_id,text1\r\nu1,\"放假,通知\"\r\n"),
			[][]string{{"account_id", "text1"}, {"u1", "放假,通知"}}},
		{"xlsx made with excelize", xlsxOf(t, [][]any{{"account_id", "key1", "data1"}, {"zhangsan", "出勤率", "98%"}, {"lisi", "𠀀字", "王喆"}}), want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Open(tc.file, "upload.csv", Limits{MaxBytes: 1 << 20})
			require.NoError(t, err)
			got, lines, err := readAll(t, r)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, []int{1, 2, 3}[:len(got)], lines)
		})
	}
}

func TestOpenRefusesWhatIsNotText(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	for _, tc := range []struct {
		name string
		file []byte
		want error
	}{
		{"Latin-1 with accents before punctuation", encode(t, charmap.ISO8859_1, "name,city\nJosé,café\nRené,crème\n"), ErrNotText},
		{"Latin-1 that GBK would decode", encode(t, charmap.ISO8859_1, "name,city\nMüller,Zürich\nKöhler,Köln\n"), ErrNotText},
		{"a PNG", png, ErrNotText},
		{"UTF-8 with NUL bytes", []byte("a,b\x00\x00c\n"), ErrNotText},
		{"a BOM on bytes that are not UTF-8", append([]byte("\uFEFF"), encode(t, simplifiedchinese.GBK, "出勤")...), ErrNotText},
		{"a truncated GBK character", append(encode(t, simplifiedchinese.GBK, "出勤"), 0xB3), ErrNotText},
		{"UTF-16 (Excel: Unicode text)", []byte{0xFF, 0xFE, 'a', 0, ',', 0, 'b', 0, '\n', 0}, ErrNotText},
		{"already mojibake (U+FFFD)", []byte("account_id,key1\nu1,\uFFFD\uFFFD\n"), ErrNotText},
		{"an .xls workbook", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), ErrOldExcel},
		{"a zip that is no workbook", zipOf(t, map[string]string{"hello.txt": "hi"}), ErrXLSX},
		{"named .xlsx but text", []byte("account_id\nu1\n"), ErrXLSX},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name := "upload.csv"
			if strings.HasPrefix(tc.name, "named .xlsx") {
				name = "upload.xlsx"
			}
			_, err := Open(tc.file, name, Limits{MaxBytes: 1 << 20})
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, _ = w.Write([]byte(body))
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestXLSXReadsTheFirstSheetOnly(t *testing.T) {
	file := xlsxOf(t,
		[][]any{{"account_id", "text1"}, {"u1", "第一张表"}, nil, {"u3", 13800138000}},
		[][]any{{"说明"}, {"这张表不是数据"}},
	)
	r, err := Open(file, "whatever.csv", Limits{MaxBytes: 1 << 20}) // the content decides, not the name
	require.NoError(t, err)
	got, lines, err := readAll(t, r)
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"account_id", "text1"}, {"u1", "第一张表"}, {"u3", "13800138000"}}, got)
	assert.Equal(t, []int{1, 2, 4}, lines, "rows keep their numbers across a blank row")
}

func TestLimits(t *testing.T) {
	csv := []byte("a\n1\n2\n3\n")
	_, err := Open(csv, "x.csv", Limits{MaxBytes: 4})
	assert.ErrorIs(t, err, ErrTooLarge)

	r, err := Open(csv, "x.csv", Limits{MaxBytes: 100, MaxRows: 3})
	require.NoError(t, err)
	got, _, err := readAll(t, r)
	assert.ErrorIs(t, err, ErrTooManyRows)
	assert.Len(t, got, 3)

	rows := make([][]any, 10)
	for i := range rows {
		rows[i] = []any{i}
	}
	r, err = Open(xlsxOf(t, rows), "x.xlsx", Limits{MaxBytes: 1 << 20, MaxRows: 5})
	require.NoError(t, err)
	got, _, err = readAll(t, r)
	assert.ErrorIs(t, err, ErrTooManyRows)
	assert.Len(t, got, 5)
}

// A zip bomb: a small file whose sheet unpacks past MaxUnzipped is refused
// before anything is unpacked.
func TestXLSXBomb(t *testing.T) {
	base := xlsxOf(t, [][]any{{"account_id"}, {"u1"}})
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	require.NoError(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		body, err := io.ReadAll(rc)
		require.NoError(t, err)
		w, err := zw.Create(f.Name)
		require.NoError(t, err)
		_, _ = w.Write(body)
		if f.Name == "xl/styles.xml" { // a part kept in memory, padded far past the bound
			_, _ = w.Write(bytes.Repeat([]byte(" "), maxInMemory+1))
		}
	}
	require.NoError(t, zw.Close())
	require.Less(t, buf.Len(), 1<<20, "the bomb is small")
	_, err = Open(buf.Bytes(), "bomb.xlsx", Limits{MaxBytes: 10 << 20})
	assert.ErrorIs(t, err, ErrTooLarge)
}

func TestSniff(t *testing.T) {
	assert.Equal(t, FormatXLSX, Sniff([]byte("PK\x03\x04…"), "ids.txt"))
	assert.Equal(t, FormatXLSX, Sniff([]byte("u1"), "IDS.XLSX"))
	assert.Equal(t, FormatCSV, Sniff([]byte("u1"), "ids.Csv"))
	assert.Equal(t, FormatText, Sniff([]byte("u1"), "ids.txt"))
}

// NewCSV reads ="…" cells (how exports write ids) as their text, and only
// those: a real formula stays as typed.
func TestTextFormulaCells(t *testing.T) {
	r := NewCSV(strings.NewReader("\uFEFF\"=\"\"13800138000\"\"\",\"=\"\"a\"\"\"\"b\"\"\",=SUM(A1),\"=\"\"x\"\" & \"\"y\"\"\"\n"), 0)
	got, _, err := readAll(t, r)
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"13800138000", `a"b`, "=SUM(A1)", `="x" & "y"`}}, got)
}
