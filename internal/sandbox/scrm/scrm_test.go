package scrm

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/sandbox"
)

var testCreds = Credentials{AppID: "app-1", AppKey: "key-1", Secret: "s3cret", SignAlgo: SignHMAC}

// fixedNow is the fake's clock in these tests.
var fixedNow = time.Date(2026, 4, 1, 10, 0, 0, 0, shanghai)

type answer struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// call posts body to the fake with correct headers unless edit changes them.
func call(t *testing.T, f *Fake, body string, edit func(h http.Header)) (answer, listData) {
	t.Helper()
	ts := strconv.FormatInt(fixedNow.UnixMilli(), 10)
	sign, _ := Sign(testCreds.SignAlgo, testCreds.Secret, testCreds.AppID, testCreds.AppKey, ts, []byte(body))
	req, _ := http.NewRequest(http.MethodPost, "http://sandbox.test"+ListPath, strings.NewReader(body))
	req.Header.Set("appId", testCreds.AppID)
	req.Header.Set("appKey", testCreds.AppKey)
	req.Header.Set("timestamp", ts)
	req.Header.Set("sign", sign)
	if edit != nil {
		edit(req.Header)
	}
	rec := &recorder{h: http.Header{}}
	f.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.status(), rec.buf.String())
	var a answer
	require.NoError(t, json.Unmarshal(rec.buf.Bytes(), &a), rec.buf.String())
	var d listData
	if a.Code == CodeOK {
		require.NoError(t, json.Unmarshal(a.Data, &d))
	}
	return a, d
}

type recorder struct {
	h    http.Header
	code int
	buf  bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { return r.buf.Write(b) }
func (r *recorder) WriteHeader(c int)           { r.code = c }
func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

func newFake() *Fake { return New(testCreds, func() time.Time { return fixedNow }) }

func TestSeedShape(t *testing.T) {
	f := newFake()
	codes := f.Codes()
	require.GreaterOrEqual(t, len(codes), 520)
	ids := map[int64]bool{}
	levels := map[int]bool{}
	groupLevel := map[int64]int{}
	for _, g := range f.Groups() {
		groupLevel[g.ID] = g.Level
		assert.GreaterOrEqual(t, len(strconv.FormatInt(g.ID, 10)), 15)
	}
	for i, c := range codes {
		assert.False(t, ids[c.ID], "duplicate id %d", c.ID)
		ids[c.ID] = true
		assert.GreaterOrEqual(t, len(strconv.FormatInt(c.ID, 10)), 15)
		assert.GreaterOrEqual(t, len(strconv.FormatInt(c.CreatorID, 10)), 15)
		assert.NotEmpty(t, c.Users)
		assert.NotEmpty(t, c.DeptIDs)
		levels[groupLevel[c.GroupID]] = true
		if i > 0 {
			prev := codes[i-1]
			assert.True(t, prev.CreateTime.After(c.CreateTime) || prev.CreateTime.Equal(c.CreateTime) && prev.ID > c.ID, "order at %d", i)
		}
	}
	assert.True(t, ids[WellKnownCodeID] && ids[BeyondFloatID])
	assert.Equal(t, map[int]bool{1: true, 2: true, 3: true}, levels, "codes on every level")
	span := codes[0].CreateTime.Sub(codes[len(codes)-1].CreateTime)
	assert.Greater(t, span, 600*24*time.Hour)
	assert.Equal(t, codes, New(testCreds, nil).Codes(), "deterministic")
	assert.Len(t, New(testCreds, nil, WithCodes(10000)).Codes(), 10000)
}

func TestSignatureChecks(t *testing.T) {
	f := newFake()
	cases := []struct {
		name string
		edit func(h http.Header)
		code int
		msg  string
	}{
		{"good", nil, CodeOK, "success"},
		{"wrong appId", func(h http.Header) { h.Set("appId", "other") }, CodeBadCredentials, "appId"},
		{"missing appKey", func(h http.Header) { h.Del("appKey") }, CodeBadCredentials, "appKey"},
		{"tampered sign", func(h http.Header) { h.Set("sign", strings.Repeat("0", 64)) }, CodeBadSignature, "签名"},
		{"missing sign", func(h http.Header) { h.Del("sign") }, CodeBadSignature, "sign"},
		{"upper-case sign accepted", func(h http.Header) { h.Set("sign", strings.ToUpper(h.Get("sign"))) }, CodeOK, "success"},
		{"seconds not millis", func(h http.Header) { h.Set("timestamp", strconv.FormatInt(fixedNow.Unix(), 10)) }, CodeBadTimestamp, "timestamp"},
		{"not a number", func(h http.Header) { h.Set("timestamp", "now") }, CodeBadTimestamp, "timestamp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _ := call(t, f, `{"size":1}`, c.edit)
			assert.Equal(t, c.code, a.Code, a.Message)
			assert.Contains(t, a.Message, c.msg)
		})
	}
}

func TestTimestampWindowIsInclusive(t *testing.T) {
	for _, c := range []struct {
		skew time.Duration
		code int
	}{{MaxSkew, CodeOK}, {-MaxSkew, CodeOK}, {MaxSkew + time.Millisecond, CodeBadTimestamp}, {-MaxSkew - time.Millisecond, CodeBadTimestamp}} {
		f := New(testCreds, func() time.Time { return fixedNow.Add(c.skew) })
		a, _ := call(t, f, `{}`, nil)
		assert.Equal(t, c.code, a.Code, "skew %s", c.skew)
	}
}

func TestSignChangesWithEveryInput(t *testing.T) {
	base, _ := Sign(SignMD5, "s", "a", "k", "1", []byte("{}"))
	assert.Len(t, base, 32)
	for _, s := range []func() (string, bool){
		func() (string, bool) { return Sign(SignMD5, "S", "a", "k", "1", []byte("{}")) },
		func() (string, bool) { return Sign(SignMD5, "s", "b", "k", "1", []byte("{}")) },
		func() (string, bool) { return Sign(SignMD5, "s", "a", "K", "1", []byte("{}")) },
		func() (string, bool) { return Sign(SignMD5, "s", "a", "k", "2", []byte("{}")) },
		func() (string, bool) { return Sign(SignMD5, "s", "a", "k", "1", []byte("{ }")) },
		func() (string, bool) { return Sign(SignHMAC, "s", "a", "k", "1", []byte("{}")) },
	} {
		got, ok := s()
		assert.True(t, ok)
		assert.NotEqual(t, base, got)
	}
	_, ok := Sign("sha1", "s", "a", "k", "1", nil)
	assert.False(t, ok)
}

func TestBadParameters(t *testing.T) {
	f := newFake()
	g := f.Groups()
	for _, body := range []string{
		`{"size":0}`, `{"size":101}`, `{"size":-1}`,
		`{"returnChildren":2}`, `{"returnChildren":1}`,
		`{"returnChildren":1,"groupIds":[` + strconv.FormatInt(g[0].ID, 10) + `,` + strconv.FormatInt(g[1].ID, 10) + `]}`,
		`{"startTime":"2025-01-01"}`, `{"endTime":"2025/01/01 00:00:00"}`,
		`{"nextId":123}`, `{"userIds":["1"]}`, `{"userIds":[1.5]}`, `not json`,
	} {
		a, _ := call(t, f, body, nil)
		assert.Equal(t, CodeBadParam, a.Code, body)
	}
	for _, body := range []string{`{"size":1}`, `{"size":100}`, `{"returnChildren":0}`, `{}`} {
		a, d := call(t, f, body, nil)
		require.Equal(t, CodeOK, a.Code, body)
		assert.NotEmpty(t, d.ChannelCodes)
	}
}

func TestDefaultSizeCursorAndLastPage(t *testing.T) {
	f := New(testCreds, func() time.Time { return fixedNow }, WithCodes(45))
	_, d := call(t, f, `{}`, nil)
	require.Len(t, d.ChannelCodes, DefaultSize)
	assert.Equal(t, d.ChannelCodes[DefaultSize-1].ID, d.NextID)
	seen := len(d.ChannelCodes)
	for len(d.ChannelCodes) == DefaultSize {
		_, d = call(t, f, `{"nextId":`+strconv.FormatInt(d.NextID, 10)+`}`, nil)
		seen += len(d.ChannelCodes)
	}
	assert.Equal(t, 45, seen)
	assert.Len(t, d.ChannelCodes, 5, "a short page ends the listing")

	a, d := call(t, f, `{"nextId":`+strconv.FormatInt(f.Codes()[44].ID, 10)+`}`, nil)
	assert.Equal(t, CodeOK, a.Code)
	assert.Empty(t, d.ChannelCodes)
	assert.Contains(t, string(a.Data), `"channelcodes":[]`, "empty page is an empty array, not null")
}

func TestBigIdsAreExactOnTheWire(t *testing.T) {
	f := newFake()
	var raw bytes.Buffer
	next := ""
	for {
		a, d := call(t, f, `{"size":100`+next+`}`, nil)
		raw.Write(a.Data)
		if len(d.ChannelCodes) < 100 {
			break
		}
		next = `,"nextId":` + strconv.FormatInt(d.NextID, 10)
	}
	assert.Contains(t, raw.String(), `"id":527448137486400,`)
	assert.Contains(t, raw.String(), `"id":9007199254740993,`)
	assert.Contains(t, raw.String(), `"creatorId":389394161352768`)
	assert.NotContains(t, raw.String(), `e+`)
}

func TestStartAfterEndMatchesNothing(t *testing.T) {
	// The doc's own example sends an end before its start.
	a, d := call(t, newFake(), `{"startTime":"1997-07-16 13:19:53","endTime":"1977-10-27 16:56:14"}`, nil)
	assert.Equal(t, CodeOK, a.Code)
	assert.Empty(t, d.ChannelCodes)
}

func TestQRImagesAndCodeURLOnLoopback(t *testing.T) {
	s := sandbox.New(nil)
	f := New(testCreds, nil)
	s.Add(f)
	require.NoError(t, s.Start("127.0.0.1:0"))
	defer s.Close()

	body := []byte(`{"size":3}`)
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	sign, _ := Sign(testCreds.SignAlgo, testCreds.Secret, testCreds.AppID, testCreds.AppKey, ts, body)
	req, _ := http.NewRequest(http.MethodPost, s.BaseURL("scrm")+ListPath, bytes.NewReader(body))
	for k, v := range map[string]string{"appId": testCreds.AppID, "appKey": testCreds.AppKey, "timestamp": ts, "sign": sign} {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var a struct {
		Code int      `json:"code"`
		Data listData `json:"data"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	resp.Body.Close()
	require.Equal(t, CodeOK, a.Code)
	c := a.Data.ChannelCodes[0]
	assert.Equal(t, s.BaseURL("scrm")+"/qr/"+strconv.FormatInt(c.ID, 10)+".png", c.CodeURL)

	img, err := http.Get(c.CodeURL)
	require.NoError(t, err)
	defer img.Body.Close()
	assert.Equal(t, "image/png", img.Header.Get("Content-Type"))
	b, _ := io.ReadAll(img.Body)
	decoded, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Greater(t, decoded.Bounds().Dx(), 100)

	miss, err := http.Get(s.BaseURL("scrm") + "/qr/1.png")
	require.NoError(t, err)
	miss.Body.Close()
	assert.Equal(t, http.StatusNotFound, miss.StatusCode)

	f2 := New(testCreds, nil, WithBaseURL(func() string { return "https://cdn.example/scrm/" }))
	assert.Equal(t, "https://cdn.example/scrm/qr/1.png", f2.wire(&Code{ID: 1}, f2.base(nil)).CodeURL)
}

func TestErrorEnvelope(t *testing.T) {
	f := newFake()
	assert.JSONEq(t, `{"code":50000,"message":"系统繁忙，请稍后再试","data":null}`, string(f.ErrorEnvelope("", "")))
	assert.JSONEq(t, `{"code":40002,"message":"x","data":null}`, string(f.ErrorEnvelope("40002", "x")))
}
