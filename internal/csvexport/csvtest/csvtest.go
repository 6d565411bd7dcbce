// Package csvtest reads csvexport files back in tests, the way a script
// would: the byte-order mark is required and stripped, ids are unwrapped.
package csvtest

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Read parses a whole export; it fails the test without the UTF-8 BOM or
// when the file is not strict CSV (every row as wide as the header).
func Read(t testing.TB, body string) [][]string {
	t.Helper()
	rest, ok := strings.CutPrefix(body, "\uFEFF")
	require.True(t, ok, "UTF-8 byte-order mark for Excel")
	rows, err := csv.NewReader(strings.NewReader(rest)).ReadAll()
	require.NoError(t, err)
	return rows
}

// ID undoes csvexport.ID on a cell read back (="123" → 123, quotes inside
// undoubled); other cells come back unchanged.
func ID(cell string) string {
	if len(cell) >= 3 && strings.HasPrefix(cell, `="`) && strings.HasSuffix(cell, `"`) {
		return strings.ReplaceAll(cell[2:len(cell)-1], `""`, `"`)
	}
	return cell
}
