package scrm

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/clients/upstream"
)

var clock = time.Date(2026, 4, 1, 10, 0, 0, 0, time.UTC)

// seen is what the httptest server received.
type seen struct {
	method, path, ct string
	appID, appKey    string
	timestamp, sign  string
	body             string
}

// stub answers every call with status and answer, recording the requests.
func stub(t *testing.T, status int, answer string) (*httptest.Server, *[]seen, *sync.Mutex) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("appId"), r.Header.Get("appKey"),
			r.Header.Get("timestamp"), r.Header.Get("sign"), string(b)})
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, &got, &mu
}

func newClient(base string, signer Signer, opts ...Option) *Client {
	return New(upstream.Config{BaseURL: base, Timeout: 2 * time.Second, Backoff: time.Millisecond},
		Credentials{AppID: "app-1", AppKey: "key-1"}, signer, append([]Option{WithClock(func() time.Time { return clock })}, opts...)...)
}

const okEmpty = `{"code":0,"message":"success","data":{"channelcodes":[],"nextId":0}}`

func TestListSendsSignedExactBody(t *testing.T) {
	cases := []struct {
		name string
		req  ListRequest
		body string
	}{
		{"no filters: only the default size", ListRequest{}, `{"size":20}`},
		{"every filter", ListRequest{State: "招生", UserIDs: []int64{389394161352768}, DeptIDs: []int64{91},
			GroupIDs: []int64{527448137486400}, ReturnChildren: true, StartTime: "2025-01-01 00:00:00",
			EndTime: "2025-12-31 23:59:59", NextID: 9007199254740993, Size: 100},
			`{"state":"招生","userIds":[389394161352768],"deptIds":[91],"groupIds":[527448137486400],"returnChildren":1,` +
				`"startTime":"2025-01-01 00:00:00","endTime":"2025-12-31 23:59:59","nextId":9007199254740993,"size":100}`},
		{"groups without children send returnChildren 0", ListRequest{GroupIDs: []int64{59, 74, 42}, Size: 73},
			`{"groupIds":[59,74,42],"returnChildren":0,"size":73}`},
		{"empty lists are left out", ListRequest{UserIDs: []int64{}, DeptIDs: []int64{}, Size: 1}, `{"size":1}`},
	}
	for _, algo := range []string{AlgoMD5, AlgoHMACSHA256} {
		for _, c := range cases {
			t.Run(algo+"/"+c.name, func(t *testing.T) {
				srv, got, _ := stub(t, 200, okEmpty)
				signer, err := NewSigner(algo, "s3cret")
				require.NoError(t, err)
				page, err := newClient(srv.URL, signer).List(context.Background(), c.req)
				require.NoError(t, err)
				assert.True(t, page.End)
				require.Len(t, *got, 1)
				r := (*got)[0]
				assert.Equal(t, http.MethodPost, r.method)
				assert.Equal(t, "/api/v3/channelcode/list", r.path)
				assert.Contains(t, r.ct, "application/json")
				assert.Equal(t, c.body, r.body)
				assert.Equal(t, "app-1", r.appID)
				assert.Equal(t, "key-1", r.appKey)
				assert.Equal(t, "1775037600000", r.timestamp, "epoch milliseconds")
				// The sign, recomputed here by hand from the documented recipe.
				bodySum := sha256.Sum256([]byte(r.body))
				canonical := "app-1\nkey-1\n1775037600000\n" + hex.EncodeToString(bodySum[:])
				var want string
				if algo == AlgoMD5 {
					s := md5.Sum([]byte(canonical + "s3cret"))
					want = hex.EncodeToString(s[:])
				} else {
					m := hmac.New(sha256.New, []byte("s3cret"))
					m.Write([]byte(canonical))
					want = hex.EncodeToString(m.Sum(nil))
				}
				assert.Equal(t, want, r.sign)
			})
		}
	}
}

func TestNewSignerRejectsUnknownAlgorithm(t *testing.T) {
	_, err := NewSigner("sha1", "x")
	assert.Error(t, err)
}

func TestBigIDsSurviveExactly(t *testing.T) {
	for name, answer := range map[string]string{
		"numbers": `{"code":0,"message":"success","data":{"channelcodes":[{"id":527448137486400,"state":"分组_1_1_活码02",` +
			`"description":"d","codeUrl":"https://q/0","createTime":"2023-03-01 17:37:12","groupId":9007199254740993,` +
			`"groupName":"分组_1_1","creatorId":389394161352768,"users":[9007199254740993,34535],"backendUsers":[]}],"nextId":527448137486400}}`,
		"strings": `{"code":"0","message":"success","data":{"channelcodes":[{"id":"527448137486400","state":"分组_1_1_活码02",` +
			`"description":"d","codeUrl":"https://q/0","createTime":"2023-03-01 17:37:12","groupId":"9007199254740993",` +
			`"groupName":"分组_1_1","creatorId":"389394161352768","users":["9007199254740993",34535],"backendUsers":[]}],"nextId":"527448137486400"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv, _, _ := stub(t, 200, answer)
			page, err := newClient(srv.URL, MD5Signer{"s"}).List(context.Background(), ListRequest{Size: 1})
			require.NoError(t, err)
			require.Len(t, page.Codes, 1)
			c := page.Codes[0]
			assert.Equal(t, int64(527448137486400), c.ID)
			assert.Equal(t, int64(9007199254740993), c.GroupID)
			assert.Equal(t, int64(389394161352768), c.CreatorID)
			assert.Equal(t, []int64{9007199254740993, 34535}, c.Users)
			assert.Equal(t, []int64{}, c.BackendUsers)
			assert.Equal(t, int64(527448137486400), page.NextID)
			assert.False(t, page.End, "a full page (size 1) is not the end")
		})
	}
}

func TestErrorsBecomeAPIErrors(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		answer   string
		kind     upstream.ErrorKind
		code     string
		cause    error
		sigFix   bool
		attempts int
	}{
		{"bad signature", 200, `{"code":40002,"message":"签名校验失败","data":null}`, upstream.KindAuth, CodeBadSignature, ErrSignatureRejected, true, 1},
		{"bad credentials", 200, `{"code":40001,"message":"appId 或 appKey 无效"}`, upstream.KindAuth, CodeBadCredentials, ErrCredentialsRejected, true, 1},
		{"clock skew", 200, `{"code":40003,"message":"timestamp 已过期"}`, upstream.KindAuth, CodeBadTimestamp, ErrTimestampRejected, false, 1},
		{"bad parameter", 200, `{"code":40004,"message":"参数错误: size"}`, upstream.KindAPI, "40004", nil, false, 1},
		{"envelope with 502", 502, `{"code":50000,"message":"系统繁忙"}`, upstream.KindAPI, "50000", nil, false, 1},
		{"html 500 is retried", 500, `<html><body>500</body></html>`, upstream.KindHTTP, "", nil, false, 3},
		{"truncated json", 200, `{"code": 0, "data": {"list": [`, upstream.KindMalformed, "", nil, false, 1},
		{"no code", 200, `{}`, upstream.KindMalformed, "", nil, false, 1},
		{"no data", 200, `{"code":0,"message":"success"}`, upstream.KindMalformed, "", nil, false, 1},
		{"float id", 200, `{"code":0,"data":{"channelcodes":[{"id":5.27448137486400e14}],"nextId":1}}`, upstream.KindMalformed, "", nil, false, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, got, _ := stub(t, c.status, c.answer)
			_, err := newClient(srv.URL, MD5Signer{"s"}).List(context.Background(), ListRequest{})
			e, ok := upstream.AsAPIError(err)
			require.True(t, ok, "%v", err)
			assert.Equal(t, c.kind, e.Kind)
			assert.Equal(t, c.code, e.Code)
			assert.Equal(t, upstream.SCRM, e.Platform)
			if c.cause != nil {
				assert.ErrorIs(t, err, c.cause)
			}
			assert.Equal(t, c.sigFix, IsSignatureRejected(err))
			assert.Len(t, *got, c.attempts)
		})
	}
}

func TestWalkStopsOnAStuckCursor(t *testing.T) {
	// Always a full page of one with the same cursor: an endless listing.
	srv, got, _ := stub(t, 200, `{"code":0,"message":"success","data":{"channelcodes":[{"id":527448137486400}],"nextId":527448137486400}}`)
	n := 0
	err := newClient(srv.URL, MD5Signer{"s"}).Walk(context.Background(), ListRequest{Size: 1}, func(ChannelCode) error { n++; return nil })
	assert.ErrorIs(t, err, ErrCursorStuck)
	assert.Equal(t, 1, n, "the repeated page is not handed out twice")
	assert.Len(t, *got, 2)
}

func TestWalkStopsAtFnError(t *testing.T) {
	srv, _, _ := stub(t, 200, `{"code":0,"data":{"channelcodes":[{"id":1},{"id":2}],"nextId":2}}`)
	stop := errors.New("stop")
	err := newClient(srv.URL, MD5Signer{"s"}).Walk(context.Background(), ListRequest{Size: 2}, func(ChannelCode) error { return stop })
	assert.ErrorIs(t, err, stop)
}

func TestFromConfigChecksTheAlgorithm(t *testing.T) {
	_, err := FromConfig(configSCRM("sha1"), time.Second)
	assert.Error(t, err)
	c, err := FromConfig(configSCRM("hmac-sha256"), time.Second)
	require.NoError(t, err)
	assert.Equal(t, "https://scrm.example/open", c.Upstream().BaseURL())
	assert.Equal(t, AlgoHMACSHA256, c.signer.Algo())
	assert.Equal(t, "1775037600000", strconv.FormatInt(clock.UnixMilli(), 10))
}

// TestHeadersKeepTheDocsSpelling reads the raw request: Go would canonicalise
// "appId" to "Appid" unless the client sets the names verbatim.
func TestHeadersKeepTheDocsSpelling(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	raw := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		head, _ := bufio.NewReader(conn).ReadString('{') // headers end before the JSON body
		raw <- head
		_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+
			strconv.Itoa(len(okEmpty))+"\r\nConnection: close\r\n\r\n"+okEmpty)
	}()
	_, err = newClient("http://"+ln.Addr().String(), MD5Signer{"s"}).List(context.Background(), ListRequest{})
	require.NoError(t, err)
	head := <-raw
	for _, h := range []string{"\r\nappId: app-1\r\n", "\r\nappKey: key-1\r\n", "\r\ntimestamp: 1775037600000\r\n", "\r\nsign: "} {
		assert.Contains(t, head, h)
	}
}
