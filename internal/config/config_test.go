package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestZeroConfigIsSandbox(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, ModeSandbox, c.Mode)
	assert.Equal(t, "127.0.0.1:8080", c.Addr)
	assert.Equal(t, "data", c.DataDir)
	assert.Equal(t, 30*time.Minute, c.IdleTimeout)
	assert.Equal(t, 12*time.Hour, c.AbsTimeout)
	assert.Equal(t, 4, c.PushWorkers)
	assert.False(t, c.TLS())
}

func TestSettingsAreDocumentedAndRead(t *testing.T) {
	seen := map[string]bool{}
	_, _ = Load(func(k string) string { seen[k] = true; return "" })
	for _, s := range Settings {
		assert.True(t, seen[s.Env], "%s is documented but never read", s.Env)
		delete(seen, s.Env)
	}
	assert.Empty(t, seen, "read but not documented")
}

func TestErrorsNameTheVariable(t *testing.T) {
	env := map[string]string{"CONSOLE_PUSH_WORKERS": "0", "CONSOLE_SCRM_SIGN": "sha1", "CONSOLE_TLS_CERT": "x.pem",
		"CONSOLE_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1/32, 10.0.0.5", "CONSOLE_SCRM_QR_HOSTS": "cdn.example ,"}
	c, err := Load(func(k string) string { return env[k] })
	require.Error(t, err)
	for _, want := range []string{"CONSOLE_PUSH_WORKERS", "CONSOLE_SCRM_SIGN", "CONSOLE_TLS_KEY", `CONSOLE_TRUSTED_PROXIES: "10.0.0.5" is not a CIDR`} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), `"10.0.0.0/8"`, "the valid ones are fine")
	assert.Equal(t, []string{"10.0.0.0/8", "192.168.1.1/32", "10.0.0.5"}, c.TrustedProxy)
	assert.Equal(t, []string{"cdn.example"}, c.SCRM.QRHosts)
}

func TestTimezone(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	require.NoError(t, err)
	assert.Equal(t, "Asia/Shanghai", c.Location.String(), "Beijing time by default")
	_, off := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).In(c.Location).Zone()
	assert.Equal(t, 8*3600, off)

	c, err = Load(func(k string) string { return map[string]string{"CONSOLE_TIMEZONE": "UTC"}[k] })
	require.NoError(t, err)
	assert.Equal(t, time.UTC.String(), c.Location.String())

	for _, bad := range []string{"Beijing", "Asia/Nowhere", "Local", "+08:00"} {
		_, err = Load(func(k string) string { return map[string]string{"CONSOLE_TIMEZONE": bad}[k] })
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), "CONSOLE_TIMEZONE", bad)
	}
}
