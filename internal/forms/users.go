package forms

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/orgconsole/console/internal/auth"
)

// Console account limits (our own, not a platform's).
var (
	Username    = Text{Max: 32, Required: true, Doc: "console accounts: 1–32 of a-z 0-9 . _ -"}
	DisplayName = Text{Max: 64, Doc: "console accounts: shown in the header"}
	Password    = Text{Min: auth.PasswordMin, Max: auth.PasswordMax, Required: true, Doc: "NIST 800-63B: 8–128, no composition rules"}
	// LoginPassword only bounds what sign-in accepts; the rules apply when a password is set.
	LoginPassword = Text{Max: auth.PasswordMax, Required: true}
)

var usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// Error keys of the account forms.
const (
	ErrUsernameChars = "users.err.username_chars"
	ErrRole          = "users.err.role"
	ErrPasswordMatch = "users.err.password_match"
)

// LoginForm is the sign-in form.
type LoginForm struct {
	Username string
	Password string
}

// ParseLogin reads the sign-in form.
func ParseLogin(v url.Values) LoginForm {
	return LoginForm{Username: strings.TrimSpace(v.Get("username")), Password: v.Get("password")}
}

// Validate checks only presence and size: whether the account exists is the
// handler's question, answered with one message for every failure.
func (f LoginForm) Validate() Errors {
	errs := Errors{}
	Text{Max: Username.Max, Required: true}.Check(errs, "username", f.Username)
	LoginPassword.Check(errs, "password", f.Password)
	return errs
}

// UserForm creates an account.
type UserForm struct {
	Username    string
	DisplayName string
	Role        string
	Password    string
	Confirm     string
}

// ParseUser reads the new-account form.
func ParseUser(v url.Values) UserForm {
	return UserForm{
		Username:    strings.ToLower(strings.TrimSpace(v.Get("username"))),
		DisplayName: strings.TrimSpace(v.Get("display_name")),
		Role:        v.Get("role"),
		Password:    v.Get("password"),
		Confirm:     v.Get("confirm"),
	}
}

// Validate checks the new account.
func (f UserForm) Validate() Errors {
	errs := Errors{}
	if Username.Check(errs, "username", f.Username) && !usernameRe.MatchString(f.Username) {
		errs.Add("username", ErrUsernameChars)
	}
	DisplayName.Check(errs, "display_name", f.DisplayName)
	if _, ok := auth.ParseRole(f.Role); !ok {
		errs.Add("role", ErrRole)
	}
	checkNewPassword(errs, f.Password, f.Confirm)
	return errs
}

// PasswordForm sets a new password.
type PasswordForm struct {
	Password string
	Confirm  string
}

// ParsePassword reads the password-reset form.
func ParsePassword(v url.Values) PasswordForm {
	return PasswordForm{Password: v.Get("password"), Confirm: v.Get("confirm")}
}

// Validate checks the new password.
func (f PasswordForm) Validate() Errors {
	errs := Errors{}
	checkNewPassword(errs, f.Password, f.Confirm)
	return errs
}

func checkNewPassword(errs Errors, pw, confirm string) {
	if Password.Check(errs, "password", pw) && pw != confirm {
		errs.Add("confirm", ErrPasswordMatch)
	}
}
