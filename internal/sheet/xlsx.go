package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Bounds of a workbook, whatever its compressed size. archive/zip refuses an
// entry that unpacks to more than its header says, so the declared sizes
// checked here are the real ones.
const (
	// MaxUnzipped bounds all the workbook's parts together once unzipped.
	// 100,000 rows of 17 columns are about 60 MB of sheet XML.
	MaxUnzipped = 128 << 20
	// xmlInMemory: a sheet or shared-string table larger than this is
	// unzipped to a temporary file and streamed from there (excelize's
	// UnzipXMLSizeLimit).
	xmlInMemory = 8 << 20
	// maxInMemory bounds the parts excelize keeps in memory together
	// (styles, workbook, small sheets …), so a bomb hidden in a part that is
	// never streamed cannot fill the memory.
	maxInMemory = 24 << 20
)

// checkZip refuses a workbook whose parts unpack to more than the bounds.
func checkZip(b []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrXLSX, err)
	}
	var total, inMemory uint64
	for _, f := range zr.File {
		n := f.UncompressedSize64
		total += n
		name := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		streamed := n > xmlInMemory && (strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml")
		if !streamed {
			inMemory += n
		}
		if total > MaxUnzipped || inMemory > maxInMemory {
			return fmt.Errorf("%w: unzipped over %d MB", ErrTooLarge, MaxUnzipped>>20)
		}
	}
	return nil
}

// openXLSX reads the first sheet (in the workbook's tab order) as records.
func openXLSX(b []byte, lim Limits) (*Rows, error) {
	if bytes.HasPrefix(b, oleMagic) {
		return nil, ErrOldExcel
	}
	if err := checkZip(b); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: xmlInMemory})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrXLSX, err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		_ = f.Close()
		return nil, ErrXLSX
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%w: %w", ErrXLSX, err)
	}
	row := 0
	return &Rows{
		next: func() ([]string, error) {
			if !rows.Next() {
				if err := rows.Error(); err != nil {
					return nil, fmt.Errorf("%w: %w", ErrXLSX, err)
				}
				return nil, io.EOF
			}
			row++ // Next steps through every row number, empty ones included
			cells, err := rows.Columns()
			if err != nil {
				return nil, fmt.Errorf("%w: row %d: %w", ErrXLSX, row, err)
			}
			return cells, nil
		},
		line:    func() int { return row },
		close:   func() error { return errors.Join(rows.Close(), f.Close()) },
		maxRows: lim.MaxRows,
	}, nil
}

// WriteXLSX writes a workbook of one sheet holding rows, every cell as text
// (so an id such as 13800138000 stays as typed).
func WriteXLSX(w io.Writer, sheetName string, rows ...[]string) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return err
	}
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = v
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(sheetName, cell, &cells); err != nil {
			return err
		}
	}
	if len(rows) > 0 && len(rows[0]) > 0 {
		last, _ := excelize.ColumnNumberToName(len(rows[0]))
		if err := f.SetColWidth(sheetName, "A", last, 18); err != nil {
			return err
		}
	}
	_, err := f.WriteTo(w)
	return err
}
