// Package sheet turns an uploaded file into rows of UTF-8 text. It is the one
// place that knows about encodings and file formats; the parsers in
// internal/forms read rows and never see bytes.
//
// Staff work with Excel: a CSV saved by Excel on Chinese Windows is GB18030
// (GBK) without a byte-order mark, one saved as "CSV UTF-8" has a BOM, and a
// workbook is .xlsx. The rules:
//
//   - a file starting with the zip signature (or named .xlsx) is a workbook:
//     its first sheet is read, with the unzipped size bounded (zip bombs);
//   - a file that is valid UTF-8 after an optional BOM is UTF-8;
//   - otherwise it is decoded as GB18030, and accepted only when that yields
//     plausible text (no replacement characters, no control or private-use
//     characters, and not mostly the byte pairs a Latin-1 file makes);
//   - anything else is refused with ErrNotText — never passed on as mojibake.
package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Errors of Open and of Rows.Read; test with errors.Is.
var (
	ErrNotText     = errors.New("sheet: neither UTF-8 nor GB18030 text")
	ErrXLSX        = errors.New("sheet: not a readable .xlsx workbook")
	ErrOldExcel    = errors.New("sheet: an .xls (Excel 97–2003) or encrypted workbook")
	ErrTooLarge    = errors.New("sheet: file too large")
	ErrTooManyRows = errors.New("sheet: too many rows")
)

// Limits bound one file.
type Limits struct {
	MaxBytes int64 // the file as uploaded
	MaxRows  int   // records read, a header and blank rows included (0 = no bound)
}

// Format is how a file is read.
type Format int

const (
	FormatText Format = iota // plain text (a pasted-style list)
	FormatCSV
	FormatXLSX
)

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1} // .xls and encrypted .xlsx
	utf8BOM  = []byte("\uFEFF")
)

// Sniff tells how to read a file: by its content first (a zip is a workbook
// whatever its name), then by its name (.xlsx, .csv); anything else is text.
func Sniff(b []byte, name string) Format {
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(b, zipMagic) || bytes.HasPrefix(b, oleMagic) || ext == ".xlsx":
		return FormatXLSX
	case ext == ".csv":
		return FormatCSV
	}
	return FormatText
}

// Rows reads records one at a time. Make it with Open (an upload) or NewCSV
// (UTF-8 CSV text), and Close it: a large workbook's sheet is read from a
// temporary file.
type Rows struct {
	next    func() ([]string, error) // the next record or io.EOF
	line    func() int
	close   func() error
	maxRows int
	n       int
}

// Read returns the next record (the slice may be reused by the next call),
// io.EOF after the last, ErrTooManyRows past the bound, a *csv.ParseError for
// broken CSV, or an error wrapping ErrXLSX.
// Rows whose cells are all blank are skipped (Excel writes a cleared row as
// ",,,"; nobody means data there), but count towards the bound.
func (r *Rows) Read() ([]string, error) {
	for {
		rec, err := r.next()
		if err != nil {
			return nil, err
		}
		if r.n++; r.maxRows > 0 && r.n > r.maxRows {
			return nil, fmt.Errorf("%w: more than %d", ErrTooManyRows, r.maxRows)
		}
		if !blank(rec) {
			return rec, nil
		}
	}
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// Line is the 1-based line (CSV) or row (workbook) the last record started on.
func (r *Rows) Line() int { return r.line() }

// Close releases what the reader holds.
func (r *Rows) Close() error {
	if r.close == nil {
		return nil
	}
	return r.close()
}

// Open reads an uploaded file's rows: a workbook's first sheet, or CSV in
// UTF-8 or GB18030 (see the package comment). Errors wrap ErrTooLarge,
// ErrNotText, ErrXLSX or ErrOldExcel.
func Open(b []byte, name string, lim Limits) (*Rows, error) {
	if lim.MaxBytes > 0 && int64(len(b)) > lim.MaxBytes {
		return nil, ErrTooLarge
	}
	if Sniff(b, name) == FormatXLSX {
		return openXLSX(b, lim)
	}
	r, err := Decode(b)
	if err != nil {
		return nil, err
	}
	return NewCSV(r, lim.MaxRows), nil
}

// Decode returns a reader of b as UTF-8 text: b itself after its BOM when it
// is valid UTF-8, else its GB18030 decoding when that is plausible text. The
// whole file is checked before anything is returned, so a file is refused
// before a single row is read (ErrNotText). Nothing is copied: the decoded
// text streams from b.
func Decode(b []byte) (io.Reader, error) {
	if rest, ok := bytes.CutPrefix(b, utf8BOM); ok {
		if !utf8.Valid(rest) || !plainUTF8(rest) {
			return nil, ErrNotText // a BOM says UTF-8: no second guess
		}
		return bytes.NewReader(rest), nil
	}
	if utf8.Valid(b) {
		if !plainUTF8(b) {
			return nil, ErrNotText
		}
		return bytes.NewReader(b), nil
	}
	if !looksGB18030(b) {
		return nil, ErrNotText
	}
	if err := checkDecoded(transform.NewReader(bytes.NewReader(b), simplifiedchinese.GB18030.NewDecoder())); err != nil {
		return nil, err
	}
	return transform.NewReader(bytes.NewReader(b), simplifiedchinese.GB18030.NewDecoder()), nil
}

// plainUTF8 reports whether valid UTF-8 text holds no control characters
// besides tab, CR and LF (a binary file that happens to be valid UTF-8 has
// NULs), no U+FFFD (the file already is mojibake) and no private-use ones.
func plainUTF8(b []byte) bool {
	for i := 0; i < len(b); {
		if c := b[i]; c < utf8.RuneSelf {
			if !textByte(c) {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if !textRune(r) {
			return false
		}
		i += n
	}
	return true
}

func textByte(c byte) bool { return c >= 0x20 && c != 0x7F || c == '\t' || c == '\n' || c == '\r' }

// textRune is false for what no spreadsheet of names and messages holds:
// the replacement character, C1 controls and private-use characters (the
// GB18030 user-defined areas decode to those).
func textRune(r rune) bool {
	switch {
	case r == utf8.RuneError, r >= 0x80 && r <= 0x9F, r >= 0xE000 && r <= 0xF8FF, r >= 0xF0000:
		return false
	}
	return true
}

// looksGB18030 checks the byte structure before decoding: no control bytes,
// and not mostly pairs of a high byte and an ASCII letter or sign. Every
// GB2312 character (the common simplified ones) has two bytes ≥ 0xA1; a
// Latin-1 file ("Müller", "Köln") makes pairs whose second byte is ASCII,
// which GBK maps to rare characters. A real Chinese file has far more of the
// first kind than of the second.
func looksGB18030(b []byte) bool {
	common, asciiTrail := 0, 0
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			if !textByte(c) {
				return false
			}
			i++
		case c == 0x80 || c == 0xFF || i+1 == len(b):
			return false
		case b[i+1] >= '0' && b[i+1] <= '9': // four-byte sequence
			i += 4
		default:
			t := b[i+1]
			if c >= 0xA1 && t >= 0xA1 {
				common++
			} else if t < 0x80 {
				asciiTrail++
			}
			i += 2
		}
	}
	return asciiTrail <= common
}

// checkDecoded reads decoded text to its end and refuses it at the first
// implausible character (a replacement character is an invalid sequence).
func checkDecoded(r io.Reader) error {
	br := bufio.NewReaderSize(r, 32<<10)
	for {
		c, _, err := br.ReadRune()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNotText, err)
		}
		if c < utf8.RuneSelf && !textByte(byte(c)) || c >= utf8.RuneSelf && !textRune(c) {
			return ErrNotText
		}
	}
}

// NewCSV reads comma-separated records of UTF-8 text of any width, skipping a
// BOM, at most maxRows of them (0 = no bound). A cell written as ="…" (how
// exports keep long ids as text in Excel) reads as what is inside the quotes,
// as a spreadsheet shows it.
func NewCSV(r io.Reader, maxRows int) *Rows {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(utf8BOM)); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return &Rows{
		next: func() ([]string, error) {
			rec, err := cr.Read()
			if err != nil {
				return nil, err
			}
			for i, cell := range rec {
				rec[i] = unwrapTextFormula(cell)
			}
			return rec, nil
		},
		line:    func() int { l, _ := cr.FieldPos(0); return l },
		maxRows: maxRows,
	}
}

// unwrapTextFormula turns ="…" (quotes inside doubled) into its text.
func unwrapTextFormula(s string) string {
	inner, ok := strings.CutPrefix(s, `="`)
	if !ok || !strings.HasSuffix(inner, `"`) || len(inner) < 1 {
		return s
	}
	inner = inner[:len(inner)-1]
	if strings.Count(inner, `"`) != 2*strings.Count(inner, `""`) {
		return s // a lone quote inside: a real formula, shown as typed
	}
	return strings.ReplaceAll(inner, `""`, `"`)
}
