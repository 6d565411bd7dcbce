package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/app"
	"github.com/orgconsole/console/internal/store"
)

func run(t *testing.T, env map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := app.Run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &out)
	return out.String(), err
}

func TestVersionAndHelp(t *testing.T) {
	out, err := run(t, nil, "", "version")
	require.NoError(t, err)
	assert.Contains(t, out, "console ")
	_, err = run(t, map[string]string{}, "", "frobnicate")
	assert.ErrorContains(t, err, "unknown command")
}

func TestBadConfigurationIsReportedClearly(t *testing.T) {
	_, err := run(t, map[string]string{"CONSOLE_MODE": "production", "CONSOLE_SESSION_IDLE": "soon"}, "", "user", "list")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CONSOLE_MODE: must be sandbox or live")
	assert.Contains(t, err.Error(), "CONSOLE_SESSION_IDLE")
}

func TestUserCommands(t *testing.T) {
	env := map[string]string{"CONSOLE_DATA_DIR": t.TempDir(), "CONSOLE_PASSWORD_MEMORY_KIB": "256"}
	_, err := run(t, env, "short\n", "user", "add", "alice", "-role", "admin")
	assert.ErrorContains(t, err, "password: At least 8 characters")
	out, err := run(t, env, "a good password\n", "user", "add", "alice", "-role", "admin", "-name", "爱丽丝")
	require.NoError(t, err)
	assert.Contains(t, out, "created alice (admin)")
	_, err = run(t, env, "a good password\n", "user", "add", "alice", "-role", "admin")
	assert.ErrorContains(t, err, "already exists")
	out, err = run(t, env, "", "user", "list")
	require.NoError(t, err)
	assert.Contains(t, out, "alice")
	assert.Contains(t, out, "爱丽丝")
	_, err = run(t, env, "", "user", "disable", "alice")
	require.NoError(t, err)
	out, _ = run(t, env, "", "user", "list")
	assert.Contains(t, out, "disabled")
}

// Live mode has no demo accounts and will not start while an account still
// has the sandbox password.
func TestLiveModeRefusesTheSandboxPassword(t *testing.T) {
	dir := t.TempDir()
	sandboxEnv := map[string]string{"CONSOLE_DATA_DIR": dir, "CONSOLE_PASSWORD_MEMORY_KIB": "256", "CONSOLE_SANDBOX_ADDR": "127.0.0.1:0"}
	cfgLive := map[string]string{"CONSOLE_DATA_DIR": dir, "CONSOLE_PASSWORD_MEMORY_KIB": "256", "CONSOLE_MODE": "live",
		"CONSOLE_SCRM_BASE_URL": "https://scrm.example", "CONSOLE_ADDR": "127.0.0.1:0"}
	// A sandbox run creates the demo accounts …
	a := buildApp(t, sandboxEnv)
	a.Close()
	// … and live mode then refuses to start.
	_, err := run(t, cfgLive, "", "serve")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "still has the sandbox password")
	for _, name := range []string{"admin", "content", "support"} {
		_, err := run(t, cfgLive, "a new secret\n", "user", "passwd", name)
		require.NoError(t, err)
	}
	// Start, then shut down gracefully (generous: a loaded machine starts slowly).
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var out bytes.Buffer
	err = app.Run(ctx, []string{"serve"}, func(k string) string { return cfgLive[k] }, strings.NewReader(""), &out, &out)
	assert.NoError(t, err)
}

func TestLiveModeNeedsUpstreamURLs(t *testing.T) {
	_, err := run(t, map[string]string{"CONSOLE_DATA_DIR": t.TempDir(), "CONSOLE_MODE": "live"}, "", "serve")
	assert.ErrorContains(t, err, "CONSOLE_SCRM_BASE_URL: an http(s) URL is required in live mode")
}

func TestMigrateCommand(t *testing.T) {
	env := map[string]string{"CONSOLE_DATA_DIR": t.TempDir()}
	out, err := run(t, env, "", "migrate")
	require.NoError(t, err)
	assert.Contains(t, out, "database migrated: schema version")
	_, err = run(t, map[string]string{"CONSOLE_DATABASE_URL": "mysql://x"}, "", "migrate")
	assert.ErrorContains(t, err, "CONSOLE_DATABASE_URL: must be a postgres:// URL")
}

// A database the console cannot use stops start-up with one line that says
// why (main prints it after "console: "), without the password.
func TestBadDatabaseStopsStartUpInOneLine(t *testing.T) {
	_, err := run(t, map[string]string{"CONSOLE_DATA_DIR": t.TempDir(), "CONSOLE_DATABASE_URL": "postgres://console:s3cret@127.0.0.1:1/console"}, "", "serve")
	require.Error(t, err)
	assert.Equal(t, "store: cannot reach PostgreSQL at postgres://console:***@127.0.0.1:1/console: connect: connection refused", err.Error())
	var ce *store.ConnectError
	assert.ErrorAs(t, err, &ce)

	// A database a newer console migrated: this binary refuses to touch it.
	dir := t.TempDir()
	env := map[string]string{"CONSOLE_DATA_DIR": dir}
	_, err = run(t, env, "", "migrate")
	require.NoError(t, err)
	db, err := sql.Open("sqlite", filepath.Join(dir, "console.db"))
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, 1)`)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = run(t, env, "", "serve")
	require.ErrorIs(t, err, store.ErrSchemaTooNew)
	assert.NotContains(t, err.Error(), "\n")
	assert.Contains(t, err.Error(), "database at migration 99999, this binary knows up to")
}

// `console keys rotate` adds a key in the database; a key file an older
// console left is imported first, so the cookies it signed keep working.
func TestKeysRotateCommand(t *testing.T) {
	dir := t.TempDir()
	old := strings.Repeat("ab", 64) + " " + strings.Repeat("cd", 32) + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "session.keys"), []byte(old), 0o600))
	env := map[string]string{"CONSOLE_DATA_DIR": dir}
	out, err := run(t, env, "", "keys", "rotate")
	require.NoError(t, err)
	assert.Contains(t, out, "new session key added (SQLite "+filepath.Join(dir, "console.db")+")")
	st, err := store.Open(context.Background(), filepath.Join(dir, "console.db"))
	require.NoError(t, err)
	defer st.Close()
	keys, err := st.SessionKeys(context.Background())
	require.NoError(t, err)
	require.Len(t, keys, 2, "the new key and the imported one")
	assert.Equal(t, strings.Repeat("ab", 64), hex.EncodeToString(keys[1].HashKey))
}
