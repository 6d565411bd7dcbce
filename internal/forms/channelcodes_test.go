package forms

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ccParse(t *testing.T, query string) ChannelCodeFilter {
	t.Helper()
	v, err := url.ParseQuery(query)
	require.NoError(t, err)
	return ParseChannelCodeFilter(v)
}

func TestChannelCodeFilterBadInput(t *testing.T) {
	ids101 := make([]string, 101)
	for i := range ids101 {
		ids101[i] = strconv.Itoa(1000 + i)
	}
	cases := []struct {
		name  string
		query url.Values
		field string
		key   string
		args  []any
	}{
		{"non-numeric staff id", url.Values{CCStaff: {"389394161352768, 张三"}}, CCStaff, ErrChannelCodeBadID, []any{"张三"}},
		{"negative dept id", url.Values{CCDept: {"-5"}}, CCDept, ErrChannelCodeBadID, []any{"-5"}},
		{"plus sign", url.Values{CCDept: {"+5"}}, CCDept, ErrChannelCodeBadID, []any{"+5"}},
		{"zero id", url.Values{CCGroup: {"0"}}, CCGroup, ErrChannelCodeBadID, []any{"0"}},
		{"beyond int64", url.Values{CCGroup: {"9223372036854775808"}}, CCGroup, ErrChannelCodeBadID, []any{"9223372036854775808"}},
		{"decimal id", url.Values{CCGroup: {"5.27448137486400e14"}}, CCGroup, ErrChannelCodeBadID, []any{"5.27448137486400e14"}},
		{"101 ids", url.Values{CCStaff: {strings.Join(ids101, ",")}}, CCStaff, ErrListTooLong, []any{100}},
		{"sub-groups with no group", url.Values{CCSub: {"1"}}, CCSub, ErrChannelCodeSubGroups, []any{0}},
		{"sub-groups with two groups", url.Values{CCSub: {"1"}, CCGroup: {"527448137486400 389394161352768"}}, CCSub, ErrChannelCodeSubGroups, []any{2}},
		{"end before start", url.Values{CCFrom: {"2026-03-01T17:37"}, CCTo: {"2026-03-01T17:36"}}, CCTo, ErrChannelCodeEndBeforeStart, nil},
		{"end a second before start", url.Values{CCFrom: {"2026-03-01T17:37:12"}, CCTo: {"2026-03-01T17:37:11"}}, CCTo, ErrChannelCodeEndBeforeStart, nil},
		{"unparseable from", url.Values{CCFrom: {"yesterday"}}, CCFrom, ErrChannelCodeDateTime, []any{"yesterday"}},
		{"impossible date", url.Values{CCTo: {"2026-02-30T10:00"}}, CCTo, ErrChannelCodeDateTime, []any{"2026-02-30T10:00"}},
		{"date without time", url.Values{CCFrom: {"2026-03-01"}}, CCFrom, ErrChannelCodeDateTime, []any{"2026-03-01"}},
		{"size 0", url.Values{CCSize: {"0"}}, CCSize, ErrChannelCodeSize, []any{1, 100}},
		{"size 101", url.Values{CCSize: {"101"}}, CCSize, ErrChannelCodeSize, []any{1, 100}},
		{"size not a number", url.Values{CCSize: {"ten"}}, CCSize, ErrNumber, nil},
		{"name one over 100", url.Values{CCName: {strings.Repeat("码", 101)}}, CCName, ErrTooLong, []any{100, 101}},
		{"name emoji over (99+2)", url.Values{CCName: {strings.Repeat("码", 99) + "😀"}}, CCName, ErrTooLong, []any{100, 101}},
		{"altered cursor", url.Values{CCCursor: {"abc"}}, CCCursor, ErrChannelCodeCursor, nil},
		{"altered history", url.Values{CCCursor: {"5"}, CCPrev: {"0,x"}}, CCPrev, ErrChannelCodeCursor, nil},
		{"history too long", url.Values{CCCursor: {"5"}, CCPrev: {strings.Repeat("1,", MaxCursorHistory) + "1"}}, CCPrev, ErrChannelCodeCursor, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := ParseChannelCodeFilter(c.query)
			errs := f.Validate()
			require.Len(t, errs, 1, "%v", errs)
			m := errs.Get(c.field)
			require.NotNil(t, m, "error on %s, got %v", c.field, errs)
			assert.Equal(t, c.key, m.Key)
			assert.Equal(t, c.args, m.Args)
			// The filters are kept: the rebuilt URL still holds what was typed
			// (bad values verbatim) and gives the same error again.
			for k, v := range c.query {
				assert.NotEmpty(t, f.Query().Get(k), k)
				if k == c.field && c.key != ErrChannelCodeSubGroups {
					assert.Equal(t, v[0], f.Query().Get(k))
				}
			}
			assert.Equal(t, errs, ParseChannelCodeFilter(f.Query()).Validate())
		})
	}
}

func TestChannelCodeFilterGoodInput(t *testing.T) {
	cases := []struct {
		name  string
		query url.Values
		want  ChannelCodeParams
	}{
		{"empty: first page of 20", url.Values{}, ChannelCodeParams{Size: 20}},
		{"every filter", url.Values{
			CCName: {" 招生 "}, CCStaff: {"389394161352768，34535、91\n91"}, CCDept: {"91;92；93"},
			CCGroup: {"527448137486400"}, CCSub: {"on"}, CCFrom: {"2025-09-01T08:00"}, CCTo: {"2025-09-30T18:30"},
			CCSize: {"100"}, CCCursor: {"9007199254740993"}, CCPrev: {"0"},
		}, ChannelCodeParams{
			State: "招生", UserIDs: []int64{389394161352768, 34535, 91}, DeptIDs: []int64{91, 92, 93},
			GroupIDs: []int64{527448137486400}, ReturnChildren: true,
			StartTime: "2025-09-01 08:00:00", EndTime: "2025-09-30 18:30:59", NextID: 9007199254740993, Size: 100,
		}},
		{"seconds kept; start equal to end", url.Values{CCFrom: {"2026-03-01T17:37:12"}, CCTo: {"2026-03-01 17:37:12"}, CCSize: {"1"}},
			ChannelCodeParams{StartTime: "2026-03-01 17:37:12", EndTime: "2026-03-01 17:37:12", Size: 1}},
		{"several groups without sub-groups", url.Values{CCGroup: {"59 74\t42"}},
			ChannelCodeParams{GroupIDs: []int64{59, 74, 42}, Size: 20}},
		{"name at 100", url.Values{CCName: {strings.Repeat("码", 98) + "😀"}},
			ChannelCodeParams{State: strings.Repeat("码", 98) + "😀", Size: 20}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := ParseChannelCodeFilter(c.query)
			assert.Empty(t, f.Validate())
			assert.Equal(t, c.want, f.Params())
		})
	}
	ids100 := make([]string, 100)
	for i := range ids100 {
		ids100[i] = strconv.Itoa(1000 + i)
	}
	f := ParseChannelCodeFilter(url.Values{CCDept: {strings.Join(ids100, " ")}})
	assert.Empty(t, f.Validate(), "100 ids is the limit and passes")
	assert.Len(t, f.Params().DeptIDs, 100)
}

func TestChannelCodeFilterURLRoundTrip(t *testing.T) {
	f := ccParse(t, "name=%E6%8B%9B%E7%94%9F&staff=1%2C+2%0A3&group=527448137486400&sub=1&from=2025-09-01T08%3A00&to=2025-09-30T18%3A30&size=50")
	q := f.Query()
	assert.Equal(t, "1,2,3", q.Get(CCStaff), "id lists are normalised")
	back := ParseChannelCodeFilter(q)
	assert.Equal(t, f.Params(), back.Params())
	assert.Equal(t, q, back.Query())
	assert.False(t, q.Has(CCCursor) || q.Has(CCPrev) || q.Has(CCDept), "empty fields stay out of the URL")
	assert.True(t, f.HasFilters())
	assert.False(t, ccParse(t, "size=50").HasFilters())
}

func TestChannelCodeCursorHistory(t *testing.T) {
	first := ccParse(t, "group=527448137486400&sub=1")
	assert.Equal(t, 1, first.Page())
	_, ok := first.PrevQuery()
	assert.False(t, ok, "no Previous on the first page")

	second := ParseChannelCodeFilter(first.NextQuery(527448137486400))
	assert.Equal(t, "cursor=527448137486400&group=527448137486400&prev=0&sub=1", ccDecoded(second.Query()))
	assert.Equal(t, 2, second.Page())
	assert.Equal(t, int64(527448137486400), second.Params().NextID)

	third := ParseChannelCodeFilter(second.NextQuery(9007199254740993))
	assert.Equal(t, "cursor=9007199254740993&group=527448137486400&prev=0,527448137486400&sub=1", ccDecoded(third.Query()))
	assert.Equal(t, 3, third.Page())
	assert.Empty(t, third.Validate())

	backQ, ok := third.PrevQuery()
	require.True(t, ok)
	back := ParseChannelCodeFilter(backQ)
	assert.Equal(t, second.Query(), back.Query(), "Previous from page 3 is page 2 exactly")

	backQ, ok = back.PrevQuery()
	require.True(t, ok)
	assert.Equal(t, first.Query(), ParseChannelCodeFilter(backQ).Query(), "and then page 1, with no cursor")

	assert.Equal(t, first.FilterQuery(), third.FilterQuery(), "the export link carries the filters only")

	// A long journey keeps at most MaxCursorHistory entries and stays valid.
	f := first
	for i := range MaxCursorHistory + 5 {
		f = ParseChannelCodeFilter(f.NextQuery(int64(1000 + i)))
	}
	assert.Empty(t, f.Validate())
	assert.Equal(t, MaxCursorHistory+1, f.Page())
}

// ccDecoded is the query as a reader sees it in the address bar (keys sorted).
func ccDecoded(q url.Values) string {
	s, _ := url.QueryUnescape(q.Encode())
	return s
}
