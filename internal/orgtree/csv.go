package orgtree

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
)

// CSV export of a subtree, for Excel first:
//   - UTF-8 with a BOM, or Excel shows the Chinese names as mojibake;
//   - id cells are written as the formula ="<id>" (quotes inside doubled), so Excel
//     keeps 19-digit ids and leading zeros as text instead of 1.23E+18; CSV readers
//     see the wrapper, and ParseCSVID takes it off again exactly;
//   - free-text cells (name, type, path) that start with = + - @ tab or CR get a
//     leading ' so a spreadsheet never runs them as formulas (CSV injection). The
//     id wrapper is safe as is: the id sits inside a string literal.

// CSVColumns is the number of columns WriteCSV writes.
const CSVColumns = 6

// DefaultCSVHeader is the header row used when WriteCSV gets none; the handler
// passes translated labels in the same order.
func DefaultCSVHeader() []string {
	return []string{"id", "name", "type", "parent id", "path", "order"}
}

// CSVPathSeparator joins the names of the path column.
const CSVPathSeparator = " / "

// WriteCSV streams id's subtree (id included, preorder) as CSV with the columns
// id, name, type, parent id, path (names from the root, joined with
// CSVPathSeparator), order. header must have CSVColumns labels, or be empty for
// DefaultCSVHeader. An unknown id gives an error wrapping ErrNotFound and writes
// nothing.
func (x *Index) WriteCSV(w io.Writer, id string, header []string) error {
	p, ok := x.find(id)
	if !ok {
		return &lookupError{id: id}
	}
	if len(header) == 0 {
		header = DefaultCSVHeader()
	}
	if len(header) != CSVColumns {
		return errors.New("orgtree: CSV header needs " + strconv.Itoa(CSVColumns) + " labels")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw) // reuses bw: it is already a large enough bufio.Writer
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	row := make([]string, CSVColumns)
	for i, h := range header {
		row[i] = csvText(h)
	}
	if err := cw.Write(row); err != nil {
		return err
	}

	// names of the open path: ancestors of p, then the walk's own stack
	var names []string
	for q := x.parent[p]; q >= 0; q = x.parent[q] {
		names = append(names, x.nameTab[x.nameRef[q]])
	}
	slices.Reverse(names)
	base := len(names)
	err := x.Walk(id, func(n Node, depth int) error {
		names = append(names[:base+depth], n.Name)
		row[0] = CSVID(n.ID)
		row[1] = csvText(n.Name)
		row[2] = csvText(n.Type)
		row[3] = ""
		if n.ParentID != "" {
			row[3] = CSVID(n.ParentID)
		}
		row[4] = csvText(strings.Join(names, CSVPathSeparator))
		row[5] = strconv.Itoa(n.Order)
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// CSVID wraps an id as the Excel text formula ="<id>".
func CSVID(id string) string {
	return `="` + strings.ReplaceAll(id, `"`, `""`) + `"`
}

// ParseCSVID undoes CSVID on a cell read back by a CSV parser; other cells are
// returned unchanged.
func ParseCSVID(cell string) string {
	if len(cell) >= 3 && strings.HasPrefix(cell, `="`) && strings.HasSuffix(cell, `"`) {
		return strings.ReplaceAll(cell[2:len(cell)-1], `""`, `"`)
	}
	return cell
}

// csvText defuses cells a spreadsheet would read as a formula.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
