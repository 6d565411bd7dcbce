package forms

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/orgconsole/console/internal/sheet"
)

// MaxUploadBytes bounds one uploaded file (the console's choice; the platform
// takes no files). 100,000 accounts with four tiles each fit in about 9 MB of
// CSV and far less as .xlsx. CONSOLE_BODY_LIMIT bounds a whole request on top.
const MaxUploadBytes = 10 << 20

// MaxUploadRows bounds the rows of an uploaded CSV or sheet besides a header
// row: as many as accounts a push takes.
const MaxUploadRows = MaxAccountsPerPush

// uploadLimits is what internal/sheet enforces while reading an upload.
var uploadLimits = sheet.Limits{MaxBytes: MaxUploadBytes, MaxRows: MaxUploadRows + 1}

// Message keys of uploaded files (translations in internal/i18n/uploads.go).
const (
	ErrUploadNotText     = "upload.err.not_text"
	ErrUploadXLSX        = "upload.err.xlsx"
	ErrUploadOldExcel    = "upload.err.old_excel"
	ErrUploadTooLarge    = "upload.err.too_large"     // args: the limit, e.g. "10 MB"
	ErrUploadTooManyRows = "upload.err.too_many_rows" // args: max rows
	ErrUploadCSVSyntax   = "upload.err.csv_syntax"    // args: line
	ErrUploadProblems    = "upload.err.problems"      // args: count (the cells are listed apart)
)

// UploadMsg is the field message of a file that could not be read (an error
// of internal/sheet, or a *csv.ParseError), or false when err is none of those.
func UploadMsg(err error) (Msg, bool) {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, sheet.ErrNotText):
		return Msg{Key: ErrUploadNotText}, true
	case errors.Is(err, sheet.ErrOldExcel):
		return Msg{Key: ErrUploadOldExcel}, true
	case errors.Is(err, sheet.ErrTooLarge):
		return Msg{Key: ErrUploadTooLarge, Args: []any{SizeText(MaxUploadBytes)}}, true
	case errors.Is(err, sheet.ErrTooManyRows):
		return Msg{Key: ErrUploadTooManyRows, Args: []any{MaxUploadRows}}, true
	case errors.Is(err, sheet.ErrXLSX):
		return Msg{Key: ErrUploadXLSX}, true
	case errors.As(err, &pe):
		return Msg{Key: ErrUploadCSVSyntax, Args: []any{pe.Line}}, true
	}
	return Msg{}, false
}

// SizeText writes a byte count the way the limits are stated: "10 MB",
// "512 KB". Sizes are written as they were set: CONSOLE_BODY_LIMIT=12M is
// 12,000,000 bytes ("12 MB"), MaxUploadBytes is 10 MiB ("10 MB").
func SizeText(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 20, " MB"}, {1e6, " MB"}, {1 << 10, " KB"}, {1e3, " KB"}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	if n >= 1e6 {
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// ParseAccountUpload reads an uploaded id list: an .xlsx workbook or a .csv
// file by its first column (see ParseAccountRows), anything else as text like
// ParseAccountIDs — in UTF-8 or GB18030 either way. err is an upload error
// (UploadMsg) or ctx's error.
func ParseAccountUpload(ctx context.Context, filename string, b []byte) (AccountList, error) {
	if sheet.Sniff(b, filename) == sheet.FormatText {
		if int64(len(b)) > MaxUploadBytes {
			return AccountList{}, sheet.ErrTooLarge
		}
		r, err := sheet.Decode(b)
		if err != nil {
			return AccountList{}, err
		}
		var text strings.Builder
		if _, err := io.Copy(&text, r); err != nil {
			return AccountList{}, err
		}
		return ParseAccountIDs(ctx, text.String())
	}
	// No row bound: the list's own bound counts distinct ids, and repeats
	// and blank rows are cheap (the byte bound holds).
	rows, err := sheet.Open(b, filename, sheet.Limits{MaxBytes: MaxUploadBytes})
	if err != nil {
		return AccountList{}, err
	}
	defer rows.Close()
	return ParseAccountRows(ctx, rows)
}

// ParseDiffUpload reads an uploaded different-data file (.xlsx, or CSV in
// UTF-8 or GB18030) for card type typ, row by row as it is decoded, like
// ParseDiffDataCSV: rows keep the file's row numbers. err is an upload error
// (UploadMsg) or ctx's error.
func ParseDiffUpload(ctx context.Context, filename string, b []byte, typ string) (rows []DiffRow, errs CSVErrors, err error) {
	r, err := sheet.Open(b, filename, uploadLimits)
	if err != nil {
		return nil, CSVErrors{}, err
	}
	defer r.Close()
	return parseDiffRows(ctx, r, typ)
}

// UploadTemplate is a template file of an upload: its header row and one
// example row that passes the checks (tests upload it again).
type UploadTemplate struct {
	Name    string // file name without extension
	Header  []string
	Example []string
}

// AccountsTemplate is the template of an account list.
func AccountsTemplate() UploadTemplate {
	return UploadTemplate{Name: "accounts", Header: []string{"account_id"}, Example: []string{"zhangsan01"}}
}

// DiffTemplate is the template of a different-data file of card type typ
// (KEYDATA or LIST): every column, the first item filled in.
func DiffTemplate(typ string) UploadTemplate {
	h := DiffHeader(typ)
	ex := make([]string, len(h))
	ex[0] = "zhangsan01"
	first := map[string]string{"key1": "出勤率", "data1": "98%", "text1": "期中考试安排已发布", "time1": "2025-04-01 08:00",
		"jump_url1": "https://school.example/notice"}
	for i, col := range h {
		if v, ok := first[col]; ok {
			ex[i] = v
		}
	}
	return UploadTemplate{Name: "diff-" + strings.ToLower(typ), Header: h, Example: ex}
}
