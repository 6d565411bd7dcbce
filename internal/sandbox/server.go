// Package sandbox runs faithful fakes of the three upstream platforms over real
// HTTP on loopback. This file is the shared framework: one listener, every fake
// mounted under its own path prefix, every request recorded, faults injected.
// The fakes themselves live in subpackages and are written from the platform
// contract, never from the console's clients or forms.
package sandbox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Platform is one fake upstream.
type Platform interface {
	// Name is the platform's short name, also its path prefix ("/chengxun").
	Name() string
	// Handler serves the platform's API below the prefix.
	Handler() http.Handler
	// ErrorEnvelope is the platform's own error answer, used by FaultEnvelope.
	// code "" means the platform's generic failure code.
	ErrorEnvelope(code, message string) []byte
}

// Server hosts the fakes on one loopback listener.
type Server struct {
	Recorder *Recorder
	Faults   *Faults

	mu        sync.Mutex
	platforms map[string]Platform
	order     []string
	srv       *http.Server
	ln        net.Listener
	closing   chan struct{}
	log       *slog.Logger
}

// New returns a server with no platforms; Add them, then Start.
func New(log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{
		Recorder:  NewRecorder(0, 0),
		Faults:    newFaults(),
		platforms: map[string]Platform{},
		closing:   make(chan struct{}),
		log:       log,
	}
}

// Add mounts a platform under "/"+p.Name().
func (s *Server) Add(p Platform) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.platforms[p.Name()] = p
	s.order = append(s.order, p.Name())
}

// Platforms lists the mounted platform names in the order they were added.
func (s *Server) Platforms() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// Platform returns a mounted platform by name (nil if none).
func (s *Server) Platform(name string) Platform {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.platforms[name]
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves in the background.
func (s *Server) Start(addr string) error {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sandbox server stopped", "err", err)
		}
	}()
	return nil
}

// URL is the server's root, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// BaseURL is where a platform's API is served.
func (s *Server) BaseURL(platform string) string { return s.URL() + "/" + platform }

// Close stops the listener and releases hung calls.
func (s *Server) Close() error {
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// MaxRecordedBody bounds what the recorder keeps of one request or response
// body; the rest is replaced by a marker saying how long the body was.
const MaxRecordedBody = 64 << 10

// ServeHTTP routes to a platform, applying faults and recording the exchange.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, ControlPrefix) {
		s.control(w, r)
		return
	}
	name, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	p := s.Platform(name)
	if p == nil {
		http.NotFound(w, r)
		return
	}
	start := time.Now()
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	r.Body = io.NopCloser(bytes.NewReader(body))
	path := "/" + rest
	r2 := r.Clone(r.Context())
	r2.URL.Path = path
	r2.URL.RawPath = ""

	rec := Request{
		At:       start,
		Platform: name,
		Method:   r.Method,
		Path:     path,
		Query:    redactQuery(r.URL.Query()),
		Headers:  pickHeaders(r.Header),
		Body:     recordBody(body, len(body)),
	}

	fault := s.Faults.take(name, path)
	rec.Fault = fault.String()
	if fault.Latency > 0 {
		select {
		case <-time.After(fault.Latency):
		case <-r.Context().Done():
		case <-s.closing:
		}
	}
	cw := &captureWriter{ResponseWriter: w, status: http.StatusOK}
	switch fault.Kind {
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		case <-time.After(2 * time.Minute):
		}
		rec.Status = 0
	case FaultEnvelope:
		cw.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = cw.Write(p.ErrorEnvelope(fault.Code, fault.Message))
	case FaultHTTP500:
		cw.Header().Set("Content-Type", "text/html")
		cw.WriteHeader(http.StatusInternalServerError)
		_, _ = cw.Write([]byte("<html><body><h1>500 Internal Server Error</h1><hr>nginx</body></html>"))
	case FaultMalformed:
		cw.Header().Set("Content-Type", "application/json;charset=UTF-8")
		_, _ = cw.Write([]byte(`{"code": 0, "data": {"list": [`))
	default:
		p.Handler().ServeHTTP(cw, r2)
	}
	if fault.Kind != FaultHang {
		rec.Status = cw.status
	}
	rec.Response = recordBody(cw.buf.Bytes(), cw.n)
	rec.Duration = time.Since(start)
	s.Recorder.add(rec)
}

type captureWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer // the first MaxRecordedBody bytes
	n      int          // bytes written in all
}

func (c *captureWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.buf.Len() < MaxRecordedBody {
		c.buf.Write(b[:min(len(b), MaxRecordedBody-c.buf.Len())])
	}
	c.n += len(b)
	return c.ResponseWriter.Write(b)
}

// TruncatedMark starts the note that replaces the end of a long body.
const TruncatedMark = "…[truncated: "

// recordBody is what the recorder keeps of a body of total bytes whose first
// bytes are b: at most MaxRecordedBody of them (cut at a character boundary),
// secrets redacted, and a marker when the rest was left out.
func recordBody(b []byte, total int) string {
	cut := min(len(b), MaxRecordedBody)
	if total > cut { // do not end inside a character
		for i := cut - 1; i >= 0 && i >= cut-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:cut]) {
					cut = i
				}
				break
			}
		}
	}
	s := redactBody(string(b[:cut]))
	if total > cut {
		s = tokenFieldCut.ReplaceAllString(s, `"$1":"•••`) + TruncatedMark + strconv.Itoa(total) + " bytes in all]"
	}
	return s
}

// secretParams are query parameters and headers never shown in the inspector.
var secretParams = map[string]bool{
	"access_token": true, "accesstoken": true, "appkey": true, "app_secret": true,
	"appsecret": true, "secret": true, "sign": true,
}

func redactQuery(q url.Values) string {
	for k := range q {
		if secretParams[strings.ToLower(k)] {
			q.Set(k, "•••")
		}
	}
	return q.Encode()
}

// tokenField matches access tokens in JSON bodies (token endpoints answer with them).
var tokenField = regexp.MustCompile(`"(access_token|accessToken|app_secret|appSecret)"\s*:\s*"[^"]*"`)

// tokenFieldCut matches such a field cut off by truncation, at the very end.
var tokenFieldCut = regexp.MustCompile(`"(access_token|accessToken|app_secret|appSecret)"\s*:\s*"[^"]*$`)

func redactBody(s string) string { return tokenField.ReplaceAllString(s, `"$1":"•••"`) }

// recordedHeaders are the request headers that matter to the contracts.
var recordedHeaders = []string{"User-Agent", "Content-Type", "appId", "appKey", "timestamp", "sign"}

func pickHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for _, k := range recordedHeaders {
		if v := h.Get(k); v != "" {
			if secretParams[strings.ToLower(k)] {
				v = "•••"
			}
			out[k] = v
		}
	}
	return out
}
