// Package csvexport is the one CSV writer behind every download the console
// offers (channel codes, organisation subtree, audit log). Files are made for
// Excel first and for people who open them without thinking twice:
//
//   - UTF-8 with a byte-order mark, or Excel shows Chinese text as mojibake.
//   - Every text cell is formula-safe: a cell that starts with = + - @ (also
//     their full-width forms, also after leading white space or invisible
//     characters), or with a tab, CR or LF, gets a leading ' so a spreadsheet
//     shows it instead of running it (CSV injection, OWASP). Cells are typed
//     (Text, ID, Int), so no caller can write a raw string.
//   - Ids are written as the text formula ="527448137486400" (quotes inside
//     doubled): Excel keeps every digit instead of showing 5.27E+14. The id
//     sits inside a string literal, so the wrapper cannot carry a formula.
//   - An export cut off mid-way (the platform or the database failed after N
//     rows) ends with one row, as wide as the header, whose first cell starts
//     with IncompleteMark and says how many rows were written and why: a short
//     file never looks complete. An error page is no option once the download
//     has started.
package csvexport

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/i18n"
)

// IncompleteMark starts the first cell of the last row of a cut-off export.
const IncompleteMark = "#!"

// ErrWrite wraps a failed write to the client: it went away, and nobody is
// left to read an explanation.
var ErrWrite = errors.New("csv export: writing to the client")

// bufferSize is how much a Writer collects before writing to the client.
const bufferSize = 64 << 10

// Cell is one encoded cell; make it with Text, ID or Int.
type Cell struct{ v string }

// Text is a free-text cell (names, messages, codes from a platform, times),
// defused when a spreadsheet would read it as a formula.
func Text(s string) Cell {
	if formulaLike(s) {
		return Cell{"'" + s}
	}
	return Cell{s}
}

// ID is an id cell, written as ="<id>" so Excel keeps it as text; "" stays an
// empty cell.
func ID(id string) Cell {
	if id == "" {
		return Cell{}
	}
	return Cell{`="` + strings.ReplaceAll(id, `"`, `""`) + `"`}
}

// Int is a number cell (a count, an order): digits and a sign only.
func Int(n int64) Cell { return Cell{strconv.FormatInt(n, 10)} }

// formulaLike reports whether a spreadsheet could take s for a formula: it
// starts with a tab, CR or LF, or its first visible character is one of
// = + - @ (ASCII or full-width). Excel and LibreOffice skip leading blanks
// before deciding, so " =1+2" counts too.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '\t', '\r', '\n':
		return true
	}
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == '=' || r == '+' || r == '-' || r == '@' || r == '＝' || r == '＋' || r == '－' || r == '＠':
			return true
		case unicode.IsSpace(r) || r == '\uFEFF' || r == '\u200B' || r == '\u200C' || r == '\u200D' || r == '\u2060':
			s = s[size:] // blank or invisible: look further
		default:
			return false
		}
	}
	return false
}

// Writer writes one export. Make it with New or Start, write rows with Row,
// end with Finish.
type Writer struct {
	out  io.Writer
	bw   *bufio.Writer
	cw   *csv.Writer
	lang i18n.Lang
	cols int
	rows int
	row  []string // reused between rows
}

// New writes the byte-order mark and the header row (labels in lang, which
// is also the language of the incomplete row) to w.
func New(w io.Writer, lang i18n.Lang, header ...string) (*Writer, error) {
	bw := bufio.NewWriterSize(w, bufferSize)
	x := &Writer{out: w, bw: bw, cw: csv.NewWriter(bw), lang: lang, cols: len(header)}
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWrite, err)
	}
	cells := make([]Cell, len(header))
	for i, h := range header {
		cells[i] = Text(h)
	}
	if err := x.write(cells); err != nil {
		return nil, err
	}
	return x, nil
}

// Start begins a download on an HTTP response: 200, text/csv, attachment
// with filename, then the byte-order mark and the header row, flushed so the
// browser shows the download at once even when the first rows take a while.
// Characters of filename other than A-Z a-z 0-9 . - _ become _ (it may hold
// an id from a platform).
func Start(w http.ResponseWriter, lang i18n.Lang, filename string, header ...string) (*Writer, error) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+safeFileName(filename)+`"`)
	w.WriteHeader(http.StatusOK)
	x, err := New(w, lang, header...)
	if err != nil {
		return nil, err
	}
	return x, x.Flush()
}

func safeFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

// Row writes one row. An error wraps ErrWrite.
func (w *Writer) Row(cells ...Cell) error {
	if err := w.write(cells); err != nil {
		return err
	}
	w.rows++
	return nil
}

func (w *Writer) write(cells []Cell) error {
	w.row = w.row[:0]
	for _, c := range cells {
		w.row = append(w.row, c.v)
	}
	if err := w.cw.Write(w.row); err != nil {
		return fmt.Errorf("%w: %w", ErrWrite, err)
	}
	return nil
}

// Rows is the number of rows written after the header.
func (w *Writer) Rows() int { return w.rows }

// Flush sends what is buffered to the client now (and through an HTTP
// response's own buffer). An error wraps ErrWrite.
func (w *Writer) Flush() error {
	w.cw.Flush()
	if err := w.cw.Error(); err != nil {
		return fmt.Errorf("%w: %w", ErrWrite, err)
	}
	if err := w.bw.Flush(); err != nil {
		return fmt.Errorf("%w: %w", ErrWrite, err)
	}
	if rw, ok := w.out.(http.ResponseWriter); ok {
		if err := http.NewResponseController(rw).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return fmt.Errorf("%w: %w", ErrWrite, err)
		}
	}
	return nil
}

// Outcome is how an export ended.
type Outcome int

const (
	Complete   Outcome = iota // every row was written
	Abandoned                 // the client went away; nothing more was written
	Incomplete                // cut off: the file ends with the IncompleteMark row
)

// Finish ends the export whose rows stopped with err (nil: all written).
// When the client went away (a write failed, or ctx ended) nothing more is
// written. Any other error ends the file with the incomplete row, which names
// the rows written and the cause in the user's words (the platform, its code
// and message for an upstream error). Handlers log by the outcome.
func (w *Writer) Finish(ctx context.Context, err error) Outcome {
	switch {
	case err == nil:
		if w.Flush() != nil {
			return Abandoned
		}
		return Complete
	case errors.Is(err, ErrWrite) || ctx.Err() != nil:
		return Abandoned
	}
	last := make([]Cell, max(w.cols, 1)) // as wide as the header, so strict readers accept the file
	last[0] = Text(IncompleteMark + " " + i18n.Tr(w.lang, "export.incomplete", w.rows, describe(w.lang, err)))
	if w.write(last) != nil || w.Flush() != nil {
		return Abandoned
	}
	return Incomplete
}

// describe says what failed in words a user can act on, never a Go error
// string: the platform with its code and message, or the kind of failure.
func describe(lang i18n.Lang, err error) string {
	e, ok := upstream.AsAPIError(err)
	if !ok {
		return i18n.Tr(lang, "error.unexpected")
	}
	s := e.Platform
	if e.Code != "" {
		s += " " + i18n.Tr(lang, "upstream.code") + " " + e.Code
		if e.Message != "" {
			s += ": " + e.Message
		}
		return s
	}
	s += ": " + i18n.Tr(lang, "upstream.kind."+string(e.Kind))
	if e.Kind == upstream.KindHTTP && e.HTTPStatus != 0 {
		s += " (HTTP " + strconv.Itoa(e.HTTPStatus) + ")"
	}
	return s
}
