// Package app is the console's command line: it loads the configuration once,
// builds every dependency and runs the chosen command.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/orgconsole/console/internal/config"
	"github.com/orgconsole/console/internal/sandbox"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
)

// Version is set at build time (-ldflags "-X …/internal/app.Version=…").
var Version = "dev"

const usage = `console — operations console for the 橙讯, SCRM and tze.cn open platforms

Usage:
  console [serve]                       run the web console (default)
  console sandbox                       run only the fake upstreams
  console user add NAME -role ROLE [-name DISPLAY]   create an account (password read from stdin)
  console user passwd NAME              set a new password (read from stdin)
  console user disable NAME             disable an account and end its sessions
  console user list                     list accounts
  console keys rotate                   add a new session key (old cookies still decode)
  console migrate                       apply pending database migrations and print the schema version
  console version                       print the version

Configuration comes from CONSOLE_* environment variables (see README).
`

// Run executes one command.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "console", Version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, stdout)
	case "sandbox":
		return runSandbox(ctx, cfg, log, stdout)
	case "user":
		return userCommand(ctx, cfg, args, stdin, stdout)
	case "migrate":
		st, err := store.Migrate(ctx, cfg.StoreDSN())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database migrated: schema version %d (%s)\n", st.Current, backendName(cfg))
		return nil
	case "keys":
		if len(args) == 1 && args[0] == "rotate" {
			return rotateKeys(ctx, cfg, log, stdout)
		}
	}
	return fmt.Errorf("unknown command %q\n\n%s", strings.Join(append([]string{cmd}, args...), " "), usage)
}

// rotateKeys adds a session key in the database every replica reads (after
// importing an older console's key file, so its cookies keep working).
func rotateKeys(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := web.EnsureKeys(ctx, st, cfg.DataDir, log); err != nil {
		return err
	}
	from, err := web.RotateKeys(ctx, st)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "new session key added (%s); running consoles load it within %s and sign with it from %s; cookies signed with the previous keys still work\n",
		backendName(cfg), web.KeyReload, from.Format(time.TimeOnly))
	return nil
}

func backendName(cfg config.Config) string {
	if cfg.DatabaseURL != "" {
		return "PostgreSQL"
	}
	return "SQLite " + cfg.StoreDSN()
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	a, err := Build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()

	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           a.Echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      10 * time.Minute, // CSV exports stream for a while
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- srv.ListenAndServeTLS(cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- srv.ListenAndServe()
		}
	}()
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	log.Info("console listening", "url", scheme+"://"+cfg.Addr, "mode", cfg.Mode, "data", cfg.DataDir)
	if cfg.Mode == config.ModeSandbox {
		fmt.Fprintf(stdout, "\n  Console: %s://%s   (sign in as admin / sandbox)\n  Sandbox upstreams: %s\n\n", scheme, cfg.Addr, a.Sandbox.URL())
	}
	go a.housekeeping(ctx)
	go a.Sessions.ReloadKeys(ctx, web.KeyReload, log)
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutCtx)
}

func runSandbox(ctx context.Context, cfg config.Config, log *slog.Logger, stdout io.Writer) error {
	sb, err := startSandbox(cfg, log)
	if err != nil {
		return err
	}
	defer sb.Close()
	fmt.Fprintf(stdout, "sandbox upstreams on %s\n", sb.URL())
	for _, p := range sb.Platforms() {
		fmt.Fprintf(stdout, "  %-9s %s\n", p, sb.BaseURL(p))
	}
	fmt.Fprintf(stdout, "  %-9s %s (faults, recorded requests: see internal/sandbox/control.go)\n", "control", sb.URL()+sandbox.ControlPrefix)
	fmt.Fprintln(stdout, "a console in live mode uses them with:")
	for _, kv := range sandboxEnv(sandboxUpstreams(cfg, sb)) {
		fmt.Fprintf(stdout, "  %s\n", kv)
	}
	<-ctx.Done()
	return nil
}

// openStore opens the configured store (and the data directory it may live
// in): the one way the server and every command reach it.
func openStore(ctx context.Context, cfg config.Config) (*store.Store, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory %s: %w", cfg.DataDir, err)
	}
	return store.Open(ctx, cfg.StoreDSN())
}
