package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
)

// /healthz says the process is alive whatever the store does; /readyz says
// whether the store takes writes, so a load balancer can stop sending traffic.
func TestHealthzIsLivenessAndReadyzNeedsAWritableStore(t *testing.T) {
	env := apptest.New(t, nil)
	b := env.Anonymous(t)
	p := b.Get("/readyz")
	assert.Equal(t, http.StatusOK, p.Status)
	assert.JSONEq(t, `{"status":"ready"}`, p.Body)
	assert.Empty(t, p.Header.Values("Set-Cookie"), "a probe gets no session or CSRF cookie")

	require.NoError(t, env.App.Store.Close())
	p = b.Get("/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, p.Status)
	assert.JSONEq(t, `{"status":"unavailable","store":"cannot write"}`, p.Body)
	p = b.Get("/healthz")
	assert.Equal(t, http.StatusOK, p.Status, "liveness does not depend on the store")
	assert.Contains(t, p.Body, `"status":"ok"`)
}

// A client picks its own X-Request-Id only through a trusted proxy; anyone
// else gets a fresh one, so log trails cannot be forged or merged.
func TestRequestIDFromTrustedProxiesOnly(t *testing.T) {
	get := func(env *apptest.Env, id string) string {
		req, err := http.NewRequest(http.MethodGet, env.URL+"/login", nil)
		require.NoError(t, err)
		req.Header.Set("X-Request-Id", id)
		p := env.Anonymous(t).Do(req)
		require.Equal(t, http.StatusOK, p.Status)
		return p.Header.Get("X-Request-Id")
	}

	direct := apptest.New(t, nil)
	got := get(direct, "forged-id-1")
	assert.NotEqual(t, "forged-id-1", got)
	assert.NotEmpty(t, got)
	assert.NotEqual(t, got, get(direct, "forged-id-1"), "a fresh id for every request")

	// The test client connects from loopback: make that the trusted proxy.
	proxied := apptest.New(t, map[string]string{"CONSOLE_TRUSTED_PROXIES": "127.0.0.1/32,::1/128"})
	assert.Equal(t, "lb-7f3a9c", get(proxied, "lb-7f3a9c"), "the proxy's id is kept")
	for _, bad := range []string{strings.Repeat("a", 129), "two words", "id;rm"} {
		got := get(proxied, bad)
		assert.NotEqual(t, bad, got, "a malformed id is replaced even from the proxy")
		assert.NotEmpty(t, got)
	}
}
