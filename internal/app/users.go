package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/config"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/store"
)

// userCommand manages accounts from the command line: the way the first
// admin of a live console is created.
func userCommand(ctx context.Context, cfg config.Config, args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("user: add, passwd, disable or list")
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	hasher := auth.NewHasher(cfg.PasswordKiB, cfg.PasswordHashes) // the same bounded hasher as the server's
	audit := func(action, target, detail string) store.AuditEntry {
		return store.AuditEntry{Actor: "cli", Action: action, Target: target, Detail: detail}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "list":
		users, err := st.ListUsers(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tROLE\tSTATE\tDISPLAY NAME")
		for _, u := range users {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Username, u.Role, state, u.DisplayName)
		}
		return tw.Flush()
	case "add":
		fs := flag.NewFlagSet("user add", flag.ContinueOnError)
		fs.SetOutput(stdout)
		role := fs.String("role", "", "admin, content or support")
		name := fs.String("name", "", "display name")
		username, flagArgs := splitName(rest)
		if err := fs.Parse(flagArgs); err != nil {
			return err
		}
		pw, err := readPassword(stdin, stdout)
		if err != nil {
			return err
		}
		f := forms.UserForm{Username: strings.ToLower(username), DisplayName: *name, Role: *role, Password: pw, Confirm: pw}
		if err := formError(f.Validate()); err != nil {
			return err
		}
		hash, err := hasher.Hash(ctx, pw)
		if err != nil {
			return err
		}
		_, err = st.CreateUser(ctx, store.User{Username: f.Username, DisplayName: f.DisplayName, Role: auth.Role(f.Role), PasswordHash: hash},
			audit("user.create", f.Username, "role="+f.Role))
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("user %q already exists", f.Username)
		}
		if err == nil {
			fmt.Fprintf(stdout, "created %s (%s)\n", f.Username, f.Role)
		}
		return err
	case "passwd", "disable":
		if len(rest) != 1 {
			return fmt.Errorf("user %s NAME", sub)
		}
		u, err := st.UserByName(ctx, rest[0])
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user %q", rest[0])
		}
		if err != nil {
			return err
		}
		if sub == "disable" {
			t := true
			if err := st.UpdateUser(ctx, u.ID, store.UserChange{Disabled: &t}, audit("user.disable", u.Username, "")); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "disabled %s and ended its sessions\n", u.Username)
			return nil
		}
		pw, err := readPassword(stdin, stdout)
		if err != nil {
			return err
		}
		if err := formError(forms.PasswordForm{Password: pw, Confirm: pw}.Validate()); err != nil {
			return err
		}
		hash, err := hasher.Hash(ctx, pw)
		if err != nil {
			return err
		}
		if err := st.UpdateUser(ctx, u.ID, store.UserChange{PasswordHash: &hash}, audit("user.password", u.Username, "")); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; its sessions were ended\n", u.Username)
		return nil
	}
	return fmt.Errorf("user: unknown subcommand %q", sub)
}

// splitName takes the positional NAME wherever it stands among the flags.
func splitName(args []string) (string, []string) {
	var name string
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case strings.HasPrefix(a, "-"):
			rest = append(rest, a)
			if !strings.Contains(a, "=") && i+1 < len(args) {
				rest = append(rest, args[i+1])
				i++
			}
		case name == "":
			name = a
		default:
			rest = append(rest, a)
		}
	}
	return name, rest
}

// readPassword reads one line from stdin (piped or typed).
func readPassword(stdin io.Reader, stdout io.Writer) (string, error) {
	fmt.Fprint(stdout, "password: ")
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	fmt.Fprintln(stdout)
	return strings.TrimRight(line, "\r\n"), nil
}

func formError(errs forms.Errors) error {
	if errs.OK() {
		return nil
	}
	var parts []string
	for field, m := range errs {
		parts = append(parts, field+": "+i18n.Tr(i18n.EN, m.Key, m.Args...))
	}
	return errors.New(strings.Join(parts, "; "))
}
