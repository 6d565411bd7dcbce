package forms

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/sheet"
)

// MaxAccountIDLength bounds an account id. §A documents no format for
// account_id; the console accepts 1–64 characters of [A-Za-z0-9_-@.] (an
// assumption the README lists), which rejects names and stray punctuation
// pasted by mistake.
const MaxAccountIDLength = 64

// Message keys of push targets and uploads (translations in internal/i18n/cards.go).
const (
	ErrAccountID          = "cards.err.account_id"          // CSV cell: not a valid account id
	ErrBadAccountIDs      = "cards.err.bad_account_ids"     // args: count, line of the first
	ErrEnterpriseRequired = "cards.err.enterprise_required" //
	ErrDuplicateAccount   = "cards.err.duplicate_account"   // args: row where it appeared first
	ErrCSVMissingColumn   = "cards.err.csv_missing_column"  // args: column
	ErrCSVUnknownColumn   = "cards.err.csv_unknown_column"  // args: column
	ErrCSVDuplicateColumn = "cards.err.csv_duplicate_column"
	ErrCSVExtraCells      = "cards.err.csv_extra_cells"
	ErrCSVSyntax          = "cards.err.csv_syntax"
	ErrCSVEmpty           = "cards.err.csv_empty"
)

// ValidAccountID reports whether s is 1–64 characters of [A-Za-z0-9_-@.].
func ValidAccountID(s string) bool {
	if len(s) == 0 || len(s) > MaxAccountIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '_' || c == '-' || c == '@' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// BadID is an invalid account id and the 1-based line it was on.
type BadID struct {
	Line  int
	Value string // shortened for display when very long
}

// BadIDs are the invalid ids of a list: the first MaxBadIDsKept, and how
// many there were.
type BadIDs struct {
	First []BadID
	Count int
}

// AccountList is a parsed list of account ids.
type AccountList struct {
	IDs  []string // valid, distinct, in first-seen order
	Bad  BadIDs
	Over bool // more than MaxAccountsPerPush distinct ids: reading stopped there
}

// accountCollector keeps account ids in first-seen order without duplicates.
type accountCollector struct {
	u   *uniqueList[string]
	bad BadIDs
}

func newAccountCollector(ctx context.Context) *accountCollector {
	return &accountCollector{u: newUniqueList[string](ctx, MaxAccountsPerPush)}
}

// add takes one id; false means stop reading.
func (c *accountCollector) add(line int, v string) bool {
	if !ValidAccountID(v) {
		if c.bad.Count++; len(c.bad.First) < MaxBadIDsKept {
			c.bad.First = append(c.bad.First, BadID{Line: line, Value: TruncateUTF16(v, MaxAccountIDLength)})
		}
		return c.u.tick()
	}
	return c.u.add(v)
}

// addText takes the ids of a pasted list; false means reading stopped.
func (c *accountCollector) addText(text string) bool {
	for line, v := range listTokens(text) {
		if !c.add(line, v) {
			return false
		}
	}
	return true
}

func (c *accountCollector) list() (AccountList, error) {
	return AccountList{IDs: c.u.items, Bad: c.bad, Over: c.u.over}, c.u.err
}

// ParseAccountIDs reads pasted account ids (or a TXT upload): separated by
// newlines, commas (also ，), spaces, tabs, semicolons or 、; de-duplicated
// keeping the first occurrence. Invalid ids come back in Bad with their line
// numbers. err is ctx's error when it ended while reading.
func ParseAccountIDs(ctx context.Context, text string) (AccountList, error) {
	c := newAccountCollector(ctx)
	c.addText(text)
	return c.list()
}

// isAccountHeader recognises the header cell of an account id column.
func isAccountHeader(cell string) bool {
	switch strings.ToLower(strings.TrimSpace(cell)) {
	case "account_id", "accountid", "account id", "account", "id", "user_id", "userid",
		"账号", "帐号", "账号id", "帐号id", "用户id", "用户账号", "用户":
		return true
	}
	return false
}

// ParseAccountRows reads account ids from the first column of an uploaded
// sheet or CSV (sheet.Open). A header row is recognised by its first cell
// (account_id, id, 账号, 用户ID …); bad ids keep their row numbers. err is
// an upload error (UploadMsg: broken CSV, too many rows …) or ctx's error.
func ParseAccountRows(ctx context.Context, rows *sheet.Rows) (AccountList, error) {
	c := newAccountCollector(ctx)
	for first := true; ; first = false {
		rec, err := rows.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			l, _ := c.list()
			return l, err
		}
		cell := strings.TrimSpace(rec[0])
		if first && isAccountHeader(cell) {
			continue
		}
		if cell == "" {
			continue // an id column with gaps: the row holds other data
		}
		if !c.add(rows.Line(), cell) {
			break
		}
	}
	return c.list()
}

// Batches splits items into calls of at most size (≤ 0 means
// chengxun.MaxAccountsPerCall). The batches share items' memory and cannot grow into
// each other.
func Batches[T any](items []T, size int) [][]T {
	if size <= 0 {
		size = chengxun.MaxAccountsPerCall
	}
	out := make([][]T, 0, (len(items)+size-1)/size)
	for i := 0; i < len(items); i += size {
		j := min(i+size, len(items))
		out = append(out, items[i:j:j])
	}
	return out
}

// Push targets of the card push form.
const (
	TargetOrg      = "org"      // set-org-data: one organisation
	TargetAccounts = "accounts" // batch-set-same-data: the same data for listed accounts
	TargetDiff     = "diff"     // batch-set-diff-data: per-account data from a CSV
)

// PushTargetForm is where card data goes. Fields: target (org|accounts|diff),
// enterprise_id, show_on_all_enterprise (checkbox), account_ids (textarea),
// and fields (hidden): the target whose fields the page showed — a targets
// page shows only the chosen target's fields, so the others keep their
// values. FileIDs are the valid ids of an uploaded list, kept by the draft.
type PushTargetForm struct {
	Target              string
	EnterpriseID        string
	ShowOnAllEnterprise bool
	AccountIDs          string
	FileIDs             []string
}

// Apply updates f with a targets page's post: the target chosen, and the
// fields of the target that page showed (an unchecked box it showed is false).
func (f *PushTargetForm) Apply(v url.Values) {
	f.Target = strings.TrimSpace(v.Get("target"))
	shown := strings.TrimSpace(v.Get("fields"))
	switch shown {
	case TargetOrg, TargetAccounts, TargetDiff:
		f.EnterpriseID = strings.TrimSpace(v.Get("enterprise_id"))
	default:
		return
	}
	if shown != TargetOrg {
		show := strings.ToLower(strings.TrimSpace(v.Get("show_on_all_enterprise")))
		f.ShowOnAllEnterprise = show == "on" || show == "true" || show == "1"
	}
	if shown == TargetAccounts {
		f.AccountIDs = v.Get("account_ids")
	}
}

// Accounts is the pasted list followed by the uploaded ids it lacks, at most
// MaxAccountsPerPush in all; Bad are the pasted list's invalid ids (an
// uploaded list is checked when uploaded). err is ctx's error when it ended
// while reading.
func (f PushTargetForm) Accounts(ctx context.Context) (AccountList, error) {
	c := newAccountCollector(ctx)
	if c.addText(f.AccountIDs) {
		for _, id := range f.FileIDs {
			if !c.u.add(id) {
				break
			}
		}
	}
	return c.list()
}

// Validate applies §A's target rules: enterprise_id always for the
// organisation level, and for accounts unless show_on_all_enterprise; for
// the accounts target, accounts (f.Accounts) must hold
// at least one id, no invalid ones and at most MaxAccountsPerPush.
func (f PushTargetForm) Validate(accounts AccountList) Errors {
	errs := Errors{}
	switch f.Target {
	case TargetOrg:
		EnterpriseID.Check(errs, "enterprise_id", f.EnterpriseID)
		return errs
	case TargetAccounts, TargetDiff:
	case "":
		errs.Add("target", ErrRequired)
		return errs
	default:
		errs.Add("target", ErrInvalid)
		return errs
	}
	if !f.ShowOnAllEnterprise && f.EnterpriseID == "" {
		errs.Add("enterprise_id", ErrEnterpriseRequired)
	}
	if f.Target == TargetAccounts {
		accounts.Check(errs, "account_ids")
	}
	return errs
}

// Check reports under field what is wrong with a list for a push — too
// long, invalid ids, or no id at all — and whether it is fine.
func (l AccountList) Check(errs Errors, field string) bool {
	switch {
	case l.Over:
		errs.Add(field, ErrListTooLong, MaxAccountsPerPush)
	case l.Bad.Count > 0:
		errs.Add(field, ErrBadAccountIDs, l.Bad.Count, l.Bad.First[0].Line)
	case len(l.IDs) == 0:
		errs.Add(field, ErrRequired)
	default:
		return true
	}
	return false
}

// DiffRow is one valid row of a different-data CSV: the account and its items
// (KEYDATA or LIST fields filled as in CardItemForm; When as typed). The
// JSON names are how a card push draft keeps an uploaded file's rows.
type DiffRow struct {
	Line      int            `json:"line"`
	AccountID string         `json:"account_id"`
	Items     []CardItemForm `json:"items"`
}

// CSVError is a problem at a row (1 = the header) and column (its header
// name; "" for the whole row).
type CSVError struct {
	Row    int
	Column string
	Msg    Msg
}

// CSVErrors are the problems of a file: every bad cell is counted, the first
// MaxCSVErrorsShown are kept to be listed (a bad 100,000-row file must not
// make a page of 100,000 lines).
type CSVErrors struct {
	First []CSVError
	Count int
}

// MaxCSVErrorsShown is how many problems of a file are listed.
const MaxCSVErrorsShown = 100

// OK reports whether there was no problem.
func (e CSVErrors) OK() bool { return e.Count == 0 }

func (e *CSVErrors) add(row int, col, key string, args ...any) {
	if e.Count++; len(e.First) < MaxCSVErrorsShown {
		e.First = append(e.First, CSVError{Row: row, Column: col, Msg: Msg{Key: key, Args: args}})
	}
}

// Columns of a different-data CSV, n = 1…limit:
//
//	KEYDATA: account_id, key<n>, data<n>, jump_url<n>, action<n>   (n ≤ 4)
//	LIST:    account_id, text<n>, time<n>, jump_url<n>, action<n>  (n ≤ 3)
//
// time<n> is a local date-time "2006-01-02 15:04" (or with T / seconds).
// Header names are case-insensitive and may come in any order; a column may
// be left out; unknown columns are errors (a typo must not drop data silently),
// except the ResultColumns a download of a push's failed accounts adds.
func diffColumns(typ string) (fields []string, limit int) {
	if typ == CardKeyData {
		return []string{"key", "data", "jump_url", "action"}, MaxKeyDataItems
	}
	return []string{"text", "time", "jump_url", "action"}, MaxListItems
}

// DiffHeader is the full header of a different-data CSV of type typ, in the
// documented order (the template files have it).
func DiffHeader(typ string) []string {
	fields, limit := diffColumns(typ)
	h := []string{"account_id"}
	for n := 1; n <= limit; n++ {
		for _, f := range fields {
			h = append(h, f+strconv.Itoa(n))
		}
	}
	return h
}

// ResultColumns are the columns a download of a push's failed and unknown
// accounts adds after account_id (the call's outcome and the platform's
// code and message). An upload ignores them, so that file uploads again as a
// different-data file or an account list.
var ResultColumns = []string{"outcome", "upstream_code", "upstream_message"}

// DiffCells are the cells of one account's items under DiffHeader(typ)
// after account_id, as an upload reads them back (LIST times as
// "2006-01-02 15:04").
func DiffCells(typ string, items []CardItemForm) []string {
	fields, limit := diffColumns(typ)
	out := make([]string, 0, limit*len(fields))
	for n := range limit {
		var it CardItemForm
		if n < len(items) {
			it = items[n]
		}
		for _, f := range fields {
			out = append(out, it.cell(f))
		}
	}
	return out
}

// cell is the value of a different-data column's field (Set's inverse).
func (it CardItemForm) cell(field string) string {
	switch field {
	case "key":
		return it.Key
	case "data":
		return it.Data
	case "text":
		return it.Text
	case "jump_url":
		return it.JumpURL
	case "action":
		return it.Action
	case "time":
		return strings.Replace(it.When, "T", " ", 1)
	}
	return ""
}

// column is what one CSV column holds: the account id (item < 0) or a field of an item.
type column struct {
	name  string
	item  int // 0-based
	field string
}

// ParseDiffDataCSV reads a different-data CSV (UTF-8 text) for card type
// typ (KEYDATA or LIST) like ParseDiffUpload reads an uploaded file.
func ParseDiffDataCSV(ctx context.Context, r io.Reader, typ string) (rows []DiffRow, errs CSVErrors, err error) {
	return parseDiffRows(ctx, sheet.NewCSV(r, uploadLimits.MaxRows), typ)
}

// parseDiffRows reads the rows of a different-data file for card type typ
// (KEYDATA or LIST), checking every cell of every row against the limits of
// §A, and at most MaxUploadRows rows. rows holds the rows when there is no
// error; nothing should be sent while errs is not OK. The rows are read one
// by one, and once a row is bad no more rows are kept, so memory stays
// bounded by the valid rows. err is ctx's error when it ended while reading,
// or a workbook that could not be read (UploadMsg); rows and errs are then
// empty.
func parseDiffRows(ctx context.Context, cr *sheet.Rows, typ string) (rows []DiffRow, errs CSVErrors, err error) {
	if !PushableCardType(typ) {
		errs.add(0, "type", ErrCardTypeNotSupported)
		return nil, errs, nil
	}
	fields, limit := diffColumns(typ)
	report := errs.add
	// unreadable reports a record that could not be read: broken CSV, or
	// past the row bound. Reading stops there. Anything else (a broken
	// workbook) is the file's error, returned.
	unreadable := func(err error) error {
		var pe *csv.ParseError
		switch {
		case errors.Is(err, sheet.ErrTooManyRows):
			report(cr.Line(), "", ErrUploadTooManyRows, MaxUploadRows)
		case errors.As(err, &pe):
			report(pe.Line, "", ErrCSVSyntax)
		default:
			return err
		}
		return nil
	}

	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			report(1, "", ErrCSVEmpty)
		} else if err := unreadable(err); err != nil {
			return nil, CSVErrors{}, err
		}
		return nil, errs, nil
	}
	header = slices.Clone(header) // the reader reuses its record slice
	cols := make([]column, len(header))
	seen := map[string]bool{}
	var named []string // the named columns, in order
	hasAccount := false
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		cols[i] = column{name: name, item: -1}
		switch {
		case name == "":
			continue // an unnamed trailing column from a spreadsheet
		case seen[name]:
			report(1, name, ErrCSVDuplicateColumn)
			continue
		}
		seen[name] = true
		named = append(named, name)
		if name == "account_id" {
			hasAccount = true
			continue
		}
		if slices.Contains(ResultColumns, name) {
			continue // a failed-accounts download's own columns
		}
		base := strings.TrimRight(name, "0123456789")
		n, err := strconv.Atoi(name[len(base):])
		switch {
		case err != nil || !slices.Contains(fields, base):
			report(1, name, ErrCSVUnknownColumn, name)
		case n < 1:
			report(1, name, ErrCSVUnknownColumn, name)
		case n > limit:
			report(1, name, ErrTooMany, limit, n)
		default:
			cols[i].item, cols[i].field = n-1, base
		}
	}
	if !hasAccount {
		report(1, "account_id", ErrCSVMissingColumn, "account_id")
	}
	if !errs.OK() {
		return nil, errs, nil // the rows cannot be read without their columns
	}

	form := CardDataForm{Type: typ}
	firstRow := map[string]int{} // account → the row it was first on: one lookup per row
	t := ticker{ctx: ctx}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if err := unreadable(err); err != nil {
				return nil, CSVErrors{}, err
			}
			return nil, errs, nil
		}
		if !t.tick() {
			return nil, CSVErrors{}, t.err
		}
		line := cr.Line()
		items := make([]CardItemForm, limit)
		var account string
		rowErrs := Errors{}
		for i, cell := range rec {
			cell = strings.TrimSpace(cell)
			if i >= len(cols) {
				if cell != "" {
					rowErrs.Add("", ErrCSVExtraCells)
				}
				continue
			}
			c := cols[i]
			if c.name == "account_id" {
				account = cell
				continue
			}
			if c.item < 0 {
				continue
			}
			items[c.item].Set(c.field, cell)
		}
		switch {
		case account == "":
			rowErrs.Add("account_id", ErrRequired)
		case !ValidAccountID(account):
			rowErrs.Add("account_id", ErrAccountID)
		case firstRow[account] != 0:
			rowErrs.Add("account_id", ErrDuplicateAccount, firstRow[account])
		default:
			firstRow[account] = line
		}
		var kept []CardItemForm
		for n, it := range items {
			if it.Empty() {
				continue
			}
			form.checkItem(rowErrs, it, func(f string) string {
				if f == "when" {
					f = "time"
				}
				return f + strconv.Itoa(n+1)
			})
			kept = append(kept, it)
		}
		if len(kept) == 0 {
			rowErrs.Add(fields[0]+"1", ErrRequired)
		}
		if len(rowErrs) == 0 {
			if errs.OK() {
				rows = append(rows, DiffRow{Line: line, AccountID: account, Items: kept})
			}
			continue
		}
		rows = nil // nothing will be sent: the rest is only checked
		for _, col := range sortedErrorColumns(rowErrs, named) {
			m := rowErrs[col]
			report(line, col, m.Key, m.Args...)
		}
	}
	if len(rows) == 0 && errs.OK() {
		report(2, "", ErrCSVEmpty)
	}
	if !errs.OK() {
		return nil, errs, nil
	}
	return rows, errs, nil
}

// sortedErrorColumns orders a row's errors as its columns appear in the
// file; named are the header's named columns, in order (once the header
// passed, at most the account column and the item fields, however wide the
// file).
func sortedErrorColumns(rowErrs Errors, named []string) []string {
	out := make([]string, 0, len(rowErrs))
	if _, ok := rowErrs[""]; ok {
		out = append(out, "")
	}
	for _, name := range named {
		if _, ok := rowErrs[name]; ok {
			out = append(out, name)
		}
	}
	var rest []string // errors on columns the file lacks (e.g. key1 when no key column)
	for col := range rowErrs {
		if !slices.Contains(out, col) {
			rest = append(rest, col)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}
