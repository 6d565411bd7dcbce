package forms

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Channel-code list filters (upstreams.md §B, seed channelcode-list.txt). The
// filters live in the URL query, so a filtered page is bookmarkable and the
// browser's back/forward buttons work.
//
// URL scheme (the same names are the inputs' names and the Errors keys):
//
//	name    活码名称 (sent as state, substring match)
//	staff   适用员工 ids  (userIds)   } lists of ids separated by commas (also ，、;；),
//	dept    适用部门 ids  (deptIds)   } spaces or new lines
//	group   活码分组 ids  (groupIds)  }
//	sub     "1" = include sub-groups (returnChildren 1; exactly one group)
//	from    created from, datetime-local "2006-01-02T15:04" (seconds optional)
//	to      created to, same format; without seconds it means the end of that minute
//	size    page size 1–100, default 20
//	cursor  the nextId the shown page was fetched with ("" or 0 = first page)
//	prev    the cursors of the earlier pages, oldest first, comma-separated,
//	        "0" standing for the first page: Previous pops the last one
//
// Example, third page: ?group=527448137486400&sub=1&cursor=9007199254740993&prev=0,389394161352768
const (
	CCName   = "name"
	CCStaff  = "staff"
	CCDept   = "dept"
	CCGroup  = "group"
	CCSub    = "sub"
	CCFrom   = "from"
	CCTo     = "to"
	CCSize   = "size"
	CCCursor = "cursor"
	CCPrev   = "prev"
)

// Limits of the filters. §B documents none of them; each is the console's choice.
const (
	ChannelCodeSizeMin     = 1   // §B size: no bound documented
	ChannelCodeSizeMax     = 100 // §B size: the console's sane maximum
	ChannelCodeSizeDefault = 20
	MaxChannelCodeIDs      = 100 // ids per list (userIds/deptIds/groupIds): keeps URLs and bodies sane
	MaxCursorHistory       = 200 // pages Previous can go back (URL length)
)

// ChannelCodeName bounds the name filter (state): undocumented, the console's choice.
var ChannelCodeName = Text{Max: 100, Doc: "§B state: no length documented; console's choice"}

// ChannelCodeTimeLayout is how §B sends startTime/endTime (YYYY-MM-DD HH:mm:ss).
const ChannelCodeTimeLayout = "2006-01-02 15:04:05"

// Message keys of the channel-code filters (translations in internal/i18n/channelcodes.go).
const (
	ErrChannelCodeBadID          = "channelcodes.err.bad_id"           // args: the bad value
	ErrChannelCodeSubGroups      = "channelcodes.err.sub_groups"       // args: how many groups were given
	ErrChannelCodeDateTime       = "channelcodes.err.datetime"         // args: the bad value
	ErrChannelCodeEndBeforeStart = "channelcodes.err.end_before_start" //
	ErrChannelCodeSize           = "channelcodes.err.size"             // args: min, max
	ErrChannelCodeCursor         = "channelcodes.err.cursor"           // a page link was altered
)

// ChannelCodeFilter is the filter form as typed (kept verbatim, so a rejected
// filter re-renders unchanged), plus the cursor history.
type ChannelCodeFilter struct {
	Name      string
	Staff     string
	Depts     string
	Groups    string
	SubGroups bool
	From      string
	To        string
	Size      string
	Cursor    string
	Prev      string
}

// ChannelCodeParams are the validated values for the list request, in the
// platform's terms (the handler copies them into the client's request).
type ChannelCodeParams struct {
	State          string
	UserIDs        []int64
	DeptIDs        []int64
	GroupIDs       []int64
	ReturnChildren bool
	StartTime      string // ChannelCodeTimeLayout, or "" for no bound
	EndTime        string // ChannelCodeTimeLayout, or "" for no bound
	NextID         int64  // 0 = first page
	Size           int
}

// ParseChannelCodeFilter reads the filter from the URL query.
func ParseChannelCodeFilter(v url.Values) ChannelCodeFilter {
	sub := strings.TrimSpace(v.Get(CCSub))
	return ChannelCodeFilter{
		Name:      strings.TrimSpace(v.Get(CCName)),
		Staff:     strings.TrimSpace(v.Get(CCStaff)),
		Depts:     strings.TrimSpace(v.Get(CCDept)),
		Groups:    strings.TrimSpace(v.Get(CCGroup)),
		SubGroups: sub == "1" || sub == "on" || sub == "true",
		From:      strings.TrimSpace(v.Get(CCFrom)),
		To:        strings.TrimSpace(v.Get(CCTo)),
		Size:      strings.TrimSpace(v.Get(CCSize)),
		Cursor:    strings.TrimSpace(v.Get(CCCursor)),
		Prev:      strings.TrimSpace(v.Get(CCPrev)),
	}
}

// Validate checks every field and returns one error per wrong field.
func (f ChannelCodeFilter) Validate() Errors {
	errs := Errors{}
	ChannelCodeName.Check(errs, CCName, f.Name)
	ccIDs(errs, CCStaff, f.Staff)
	ccIDs(errs, CCDept, f.Depts)
	groups, ok := ccIDs(errs, CCGroup, f.Groups)
	if ok && f.SubGroups && len(groups) != 1 {
		errs.Add(CCSub, ErrChannelCodeSubGroups, len(groups))
	}
	from, fromOK := ccTime(errs, CCFrom, f.From, false)
	to, toOK := ccTime(errs, CCTo, f.To, true)
	if fromOK && toOK && !from.IsZero() && !to.IsZero() && to.Before(from) {
		errs.Add(CCTo, ErrChannelCodeEndBeforeStart)
	}
	if f.Size != "" {
		if n, err := strconv.Atoi(f.Size); err != nil {
			errs.Add(CCSize, ErrNumber)
		} else if n < ChannelCodeSizeMin || n > ChannelCodeSizeMax {
			errs.Add(CCSize, ErrChannelCodeSize, ChannelCodeSizeMin, ChannelCodeSizeMax)
		}
	}
	if _, ok := ccCursor(f.Cursor); !ok {
		errs.Add(CCCursor, ErrChannelCodeCursor)
	}
	if stack, ok := f.prevStack(); !ok || len(stack) > MaxCursorHistory {
		errs.Add(CCPrev, ErrChannelCodeCursor)
	}
	return errs
}

// Params returns the request values. Call it after Validate found no error;
// a field that does not parse is left at its zero value.
func (f ChannelCodeFilter) Params() ChannelCodeParams {
	none := Errors{}
	p := ChannelCodeParams{State: f.Name, ReturnChildren: f.SubGroups, Size: f.size()}
	p.UserIDs, _ = ccIDs(none, CCStaff, f.Staff)
	p.DeptIDs, _ = ccIDs(none, CCDept, f.Depts)
	p.GroupIDs, _ = ccIDs(none, CCGroup, f.Groups)
	if t, ok := ccTime(none, CCFrom, f.From, false); ok && !t.IsZero() {
		p.StartTime = t.Format(ChannelCodeTimeLayout)
	}
	if t, ok := ccTime(none, CCTo, f.To, true); ok && !t.IsZero() {
		p.EndTime = t.Format(ChannelCodeTimeLayout)
	}
	p.NextID, _ = ccCursor(f.Cursor)
	return p
}

func (f ChannelCodeFilter) size() int {
	if n, err := strconv.Atoi(f.Size); err == nil && n >= ChannelCodeSizeMin && n <= ChannelCodeSizeMax {
		return n
	}
	return ChannelCodeSizeDefault
}

// HasFilters reports whether any filter is set, so an empty result can say
// "nothing matches these filters" rather than "there are no codes".
func (f ChannelCodeFilter) HasFilters() bool {
	return f.Name != "" || f.Staff != "" || f.Depts != "" || f.Groups != "" || f.SubGroups || f.From != "" || f.To != ""
}

// FilterQuery is the URL query of the filters alone: the first page, and the
// export link. Id lists are written comma-separated when they parse; anything
// else is kept as typed. Empty fields are left out.
func (f ChannelCodeFilter) FilterQuery() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	ids := func(k, raw string) {
		if list, ok := ccIDs(Errors{}, k, raw); ok {
			raw = ccJoin(list)
		}
		set(k, raw)
	}
	set(CCName, f.Name)
	ids(CCStaff, f.Staff)
	ids(CCDept, f.Depts)
	ids(CCGroup, f.Groups)
	if f.SubGroups {
		q.Set(CCSub, "1")
	}
	set(CCFrom, f.From)
	set(CCTo, f.To)
	set(CCSize, f.Size)
	return q
}

// Query is the URL query of the page shown: filters, cursor and history.
func (f ChannelCodeFilter) Query() url.Values {
	q := f.FilterQuery()
	if n, ok := ccCursor(f.Cursor); !ok || n != 0 {
		q.Set(CCCursor, f.Cursor)
	}
	if f.Prev != "" {
		q.Set(CCPrev, f.Prev)
	}
	return q
}

// NextQuery is the URL query of the page after this one, fetched from nextID:
// the current cursor goes on the history stack (the oldest entries are
// dropped beyond MaxCursorHistory).
func (f ChannelCodeFilter) NextQuery(nextID int64) url.Values {
	stack, _ := f.prevStack()
	cur, _ := ccCursor(f.Cursor)
	stack = append(stack, cur)
	if len(stack) > MaxCursorHistory {
		stack = stack[len(stack)-MaxCursorHistory:]
	}
	q := f.FilterQuery()
	q.Set(CCCursor, strconv.FormatInt(nextID, 10))
	q.Set(CCPrev, ccJoin(stack))
	return q
}

// PrevQuery is the URL query of the page before this one; ok is false on the
// first page.
func (f ChannelCodeFilter) PrevQuery() (q url.Values, ok bool) {
	if f.Page() == 1 {
		return nil, false
	}
	stack, _ := f.prevStack()
	q = f.FilterQuery()
	if len(stack) == 0 { // history lost (trimmed or edited): back to the start
		return q, true
	}
	last := stack[len(stack)-1]
	if last != 0 {
		q.Set(CCCursor, strconv.FormatInt(last, 10))
	}
	if len(stack) > 1 {
		q.Set(CCPrev, ccJoin(stack[:len(stack)-1]))
	}
	return q, true
}

// Page is the 1-based number of the page shown (from the history's length).
func (f ChannelCodeFilter) Page() int {
	cur, _ := ccCursor(f.Cursor)
	stack, _ := f.prevStack()
	if cur == 0 {
		return 1
	}
	return max(len(stack), 1) + 1
}

func (f ChannelCodeFilter) prevStack() ([]int64, bool) {
	if f.Prev == "" {
		return nil, true
	}
	var out []int64
	for _, s := range strings.Split(f.Prev, ",") {
		n, ok := ccCursor(strings.TrimSpace(s))
		if !ok || s == "" {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// ccCursor reads a cursor: "" and "0" are the first page.
func ccCursor(s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || !ccDigits(s) {
		return 0, false
	}
	return n, true
}

// ccIDs parses an id list (separated as every pasted list is, see
// listTokens), dropping repeats, and records the first bad value or a list
// longer than MaxChannelCodeIDs. The list comes from the URL query, which the
// server's header limit bounds, so it reads without a context.
func ccIDs(errs Errors, field, raw string) ([]int64, bool) {
	u := newUniqueList[int64](context.Background(), MaxChannelCodeIDs)
	for _, tok := range listTokens(raw) {
		n, err := strconv.ParseInt(tok, 10, 64)
		if err != nil || n <= 0 || !ccDigits(tok) {
			errs.Add(field, ErrChannelCodeBadID, TruncateUTF16(tok, 30))
			return nil, false
		}
		if !u.add(n) {
			errs.Add(field, ErrListTooLong, MaxChannelCodeIDs)
			return nil, false
		}
	}
	return u.items, true
}

// ccDigits rejects the signs and the leading "+" strconv accepts.
func ccDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func ccJoin(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// ccTime reads a datetime-local value (seconds optional; a space instead of
// the T is accepted too). The wall-clock time is passed on unchanged: the
// platform reads it in its own zone (Asia/Shanghai). endOfMinute makes a
// value without seconds cover its whole minute, so "to 17:37" includes a code
// created at 17:37:12. "" is no bound (zero time, ok).
func ccTime(errs Errors, field, s string, endOfMinute bool) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			if endOfMinute {
				t = t.Add(59 * time.Second)
			}
			return t, true
		}
	}
	errs.Add(field, ErrChannelCodeDateTime, TruncateUTF16(s, 30))
	return time.Time{}, false
}
