package scrm

// Integration tests: the client against the real SCRM fake on loopback. The
// expected answers are computed here from the fake's seed, by brute force,
// following the filter semantics the contract and the fake document.

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/upstream"
	"github.com/orgconsole/console/internal/config"
	"github.com/orgconsole/console/internal/sandbox"
	fake "github.com/orgconsole/console/internal/sandbox/scrm"
)

func configSCRM(algo string) config.SCRM {
	return config.SCRM{BaseURL: "https://scrm.example/open", AppID: "a", AppKey: "k", Secret: "s", SignAlgo: algo}
}

type env struct {
	srv  *sandbox.Server
	fake *fake.Fake
}

var sbxCreds = fake.Credentials{AppID: "app-1", AppKey: "key-1", Secret: "s3cret", SignAlgo: fake.SignHMAC}

func startSandbox(t testing.TB, creds fake.Credentials, opts ...fake.Option) env {
	t.Helper()
	s := sandbox.New(nil)
	f := fake.New(creds, nil, opts...)
	s.Add(f)
	require.NoError(t, s.Start("127.0.0.1:0"))
	t.Cleanup(func() { _ = s.Close() })
	return env{s, f}
}

func (e env) client(t testing.TB, algo, secret string, opts ...Option) *Client {
	t.Helper()
	signer, err := NewSigner(algo, secret)
	require.NoError(t, err)
	return New(upstream.Config{BaseURL: e.srv.BaseURL("scrm"), Timeout: 5 * time.Second, Backoff: time.Millisecond},
		Credentials{AppID: "app-1", AppKey: "key-1"}, signer, opts...)
}

func walkAll(t *testing.T, c *Client, req ListRequest) []ChannelCode {
	t.Helper()
	var out []ChannelCode
	require.NoError(t, c.Walk(context.Background(), req, func(code ChannelCode) error {
		out = append(out, code)
		return nil
	}))
	return out
}

func idsOf(codes []ChannelCode) []int64 {
	out := make([]int64, len(codes))
	for i, c := range codes {
		out[i] = c.ID
	}
	return out
}

func expect(codes []fake.Code, keep func(fake.Code) bool) []int64 {
	out := []int64{}
	for _, c := range codes {
		if keep(c) {
			out = append(out, c.ID)
		}
	}
	return out
}

func TestSandboxFullWalkReturnsEachCodeOnce(t *testing.T) {
	e := startSandbox(t, sbxCreds)
	c := e.client(t, AlgoHMACSHA256, "s3cret")
	for _, size := range []int{0, 7, 100} {
		got := walkAll(t, c, ListRequest{Size: size})
		want := expect(e.fake.Codes(), func(fake.Code) bool { return true })
		assert.Equal(t, want, idsOf(got), "size %d: every code once, newest first", size)
		assert.Contains(t, idsOf(got), int64(527448137486400))
		assert.Contains(t, idsOf(got), int64(9007199254740993))
	}
}

func TestSandboxFilters(t *testing.T) {
	e := startSandbox(t, sbxCreds)
	c := e.client(t, AlgoHMACSHA256, "s3cret")
	all := e.fake.Codes()
	staff := e.fake.Staff()[3].ID
	dept := e.fake.Departments()[2].ID
	var mid fake.Group // a second-level group: it has codes and sub-groups
	for _, g := range e.fake.Groups() {
		if g.Level == 2 && len(e.fake.SubGroups(g.ID)) > 0 {
			mid = g
			break
		}
	}
	subtree := map[int64]bool{mid.ID: true}
	for _, s := range e.fake.SubGroups(mid.ID) {
		subtree[s] = true
	}
	// Bounds equal to two codes' createTime: both must be included.
	newer, older := all[40], all[120]
	from, to := older.CreateTime.Format(TimeLayout), newer.CreateTime.Format(TimeLayout)

	cases := []struct {
		name string
		req  ListRequest
		keep func(fake.Code) bool
	}{
		{"state substring", ListRequest{State: "上海徐汇校区"}, func(c fake.Code) bool { return strings.Contains(c.State, "上海徐汇校区") }},
		{"staff in users or backend users", ListRequest{UserIDs: []int64{staff}}, func(c fake.Code) bool {
			return slices.Contains(c.Users, staff) || slices.Contains(c.BackendUsers, staff)
		}},
		{"department any-match", ListRequest{DeptIDs: []int64{dept, 1}}, func(c fake.Code) bool { return slices.Contains(c.DeptIDs, dept) }},
		{"group only", ListRequest{GroupIDs: []int64{mid.ID}}, func(c fake.Code) bool { return c.GroupID == mid.ID }},
		{"group and sub-groups", ListRequest{GroupIDs: []int64{mid.ID}, ReturnChildren: true}, func(c fake.Code) bool { return subtree[c.GroupID] }},
		{"inclusive time range", ListRequest{StartTime: from, EndTime: to}, func(c fake.Code) bool {
			return !c.CreateTime.Before(older.CreateTime) && !c.CreateTime.After(newer.CreateTime)
		}},
		{"filters combine", ListRequest{State: "招生", GroupIDs: []int64{mid.ID}, ReturnChildren: true, UserIDs: []int64{staff}}, func(c fake.Code) bool {
			return strings.Contains(c.State, "招生") && subtree[c.GroupID] && (slices.Contains(c.Users, staff) || slices.Contains(c.BackendUsers, staff))
		}},
		{"unknown group", ListRequest{GroupIDs: []int64{123456789012345}}, func(fake.Code) bool { return false }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := expect(all, tc.keep)
			got := walkAll(t, c, tc.req)
			assert.Equal(t, want, idsOf(got))
			if tc.name != "unknown group" && tc.name != "filters combine" {
				assert.NotEmpty(t, got, "the seed makes this filter meaningful")
			}
		})
	}
	t.Run("boundaries included", func(t *testing.T) {
		got := idsOf(walkAll(t, c, ListRequest{StartTime: from, EndTime: to}))
		assert.Contains(t, got, newer.ID)
		assert.Contains(t, got, older.ID)
	})
	t.Run("sub-groups add codes", func(t *testing.T) {
		only := walkAll(t, c, ListRequest{GroupIDs: []int64{mid.ID}})
		with := walkAll(t, c, ListRequest{GroupIDs: []int64{mid.ID}, ReturnChildren: true})
		assert.Greater(t, len(with), len(only))
	})
}

func TestSandboxRejectsBadRequests(t *testing.T) {
	e := startSandbox(t, sbxCreds)
	c := e.client(t, AlgoHMACSHA256, "s3cret")
	g := e.fake.Groups()
	for name, req := range map[string]ListRequest{
		"sub-groups with no group":       {ReturnChildren: true},
		"sub-groups with 2 groups":       {ReturnChildren: true, GroupIDs: []int64{g[0].ID, g[1].ID}},
		"size 101":                       {Size: 101},
		"date without time":              {StartTime: "2025-01-01"},
		"cursor the platform never gave": {NextID: 42},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.List(context.Background(), req)
			e, ok := upstream.AsAPIError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, upstream.KindAPI, e.Kind)
			assert.Equal(t, "40004", e.Code)
			assert.NotEmpty(t, e.Message)
			assert.False(t, IsSignatureRejected(err))
		})
	}
	page, err := c.List(context.Background(), ListRequest{Size: 100})
	require.NoError(t, err)
	assert.Len(t, page.Codes, 100, "size 100 is the limit and passes")
}

func TestSandboxSigning(t *testing.T) {
	for _, algo := range []string{fake.SignMD5, fake.SignHMAC} {
		creds := sbxCreds
		creds.SignAlgo = algo
		e := startSandbox(t, creds, fake.WithCodes(30))
		other := map[string]string{AlgoMD5: AlgoHMACSHA256, AlgoHMACSHA256: AlgoMD5}[algo]
		cases := []struct {
			name   string
			c      *Client
			cause  error
			accept bool
		}{
			{"matching algorithm and secret", e.client(t, algo, "s3cret"), nil, true},
			{"wrong secret", e.client(t, algo, "guess"), ErrSignatureRejected, false},
			{"other algorithm", e.client(t, other, "s3cret"), ErrSignatureRejected, false},
			{"wrong appKey", New(upstream.Config{BaseURL: e.srv.BaseURL("scrm")}, Credentials{AppID: "app-1", AppKey: "nope"}, MD5Signer{"s3cret"}), ErrCredentialsRejected, false},
			{"clock 4m59s ahead", e.client(t, algo, "s3cret", WithClock(func() time.Time { return time.Now().Add(4*time.Minute + 59*time.Second) })), nil, true},
			{"clock 4m59s behind", e.client(t, algo, "s3cret", WithClock(func() time.Time { return time.Now().Add(-4*time.Minute - 59*time.Second) })), nil, true},
			{"clock 5m01s ahead", e.client(t, algo, "s3cret", WithClock(func() time.Time { return time.Now().Add(5*time.Minute + time.Second) })), ErrTimestampRejected, false},
			{"clock 5m01s behind", e.client(t, algo, "s3cret", WithClock(func() time.Time { return time.Now().Add(-5*time.Minute - time.Second) })), ErrTimestampRejected, false},
		}
		for _, tc := range cases {
			t.Run(algo+"/"+tc.name, func(t *testing.T) {
				before := len(e.srv.Recorder.Requests("scrm", ListPath))
				page, err := tc.c.List(context.Background(), ListRequest{Size: 5})
				if tc.accept {
					require.NoError(t, err)
					assert.Len(t, page.Codes, 5)
					return
				}
				require.ErrorIs(t, err, tc.cause)
				ae, _ := upstream.AsAPIError(err)
				assert.Equal(t, upstream.KindAuth, ae.Kind)
				assert.NotEmpty(t, ae.Message, "the platform's message reaches the user")
				assert.Len(t, e.srv.Recorder.Requests("scrm", ListPath), before+1, "a rejected signature is not retried")
			})
		}
	}
}

func TestSandboxFaults(t *testing.T) {
	e := startSandbox(t, sbxCreds, fake.WithCodes(30))
	cases := []struct {
		fault sandbox.Fault
		kind  upstream.ErrorKind
		code  string
	}{
		{sandbox.Fault{Kind: sandbox.FaultHTTP500}, upstream.KindHTTP, ""},
		{sandbox.Fault{Kind: sandbox.FaultMalformed}, upstream.KindMalformed, ""},
		{sandbox.Fault{Kind: sandbox.FaultHang}, upstream.KindTimeout, ""},
		{sandbox.Fault{Kind: sandbox.FaultEnvelope}, upstream.KindAPI, "50000"},
		{sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: "40002", Message: "签名错误"}, upstream.KindAuth, "40002"},
	}
	for _, tc := range cases {
		t.Run(tc.fault.String(), func(t *testing.T) {
			e.srv.Faults.Set("scrm", tc.fault)
			defer e.srv.Faults.Clear()
			signer, _ := NewSigner(AlgoHMACSHA256, "s3cret")
			c := New(upstream.Config{BaseURL: e.srv.BaseURL("scrm"), Timeout: 150 * time.Millisecond, Retries: -1},
				Credentials{AppID: "app-1", AppKey: "key-1"}, signer)
			_, err := c.List(context.Background(), ListRequest{})
			ae, ok := upstream.AsAPIError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, tc.kind, ae.Kind, "%v", err)
			assert.Equal(t, tc.code, ae.Code)
		})
	}
	t.Run("a 500 then success is retried to success", func(t *testing.T) {
		e.srv.Faults.Set("scrm", sandbox.Fault{Kind: sandbox.FaultHTTP500, Times: 1})
		defer e.srv.Faults.Clear()
		page, err := e.client(t, AlgoHMACSHA256, "s3cret").List(context.Background(), ListRequest{Size: 3})
		require.NoError(t, err)
		assert.Len(t, page.Codes, 3)
	})
}

// BenchmarkWalk walks every code of a seed of 1,000 and 10,000 codes at the
// maximum page size: the upstream half of the CSV export.
func BenchmarkWalk(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			e := startSandbox(b, sbxCreds, fake.WithCodes(n))
			c := e.client(b, AlgoHMACSHA256, "s3cret")
			b.ReportAllocs()
			for b.Loop() {
				count := 0
				if err := c.Walk(context.Background(), ListRequest{}, func(ChannelCode) error { count++; return nil }); err != nil || count != n {
					b.Fatalf("walked %d of %d: %v", count, n, err)
				}
			}
		})
	}
}

// BenchmarkListPage is one default page through client and sandbox.
func BenchmarkListPage(b *testing.B) {
	e := startSandbox(b, sbxCreds)
	c := e.client(b, AlgoHMACSHA256, "s3cret")
	for b.Loop() {
		if _, err := c.List(context.Background(), ListRequest{}); err != nil {
			b.Fatal(err)
		}
	}
}
