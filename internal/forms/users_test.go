package forms

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUserFormValidate(t *testing.T) {
	base := url.Values{"username": {"li.wei"}, "role": {"content"}, "password": {"12345678"}, "confirm": {"12345678"}}
	with := func(k, v string) url.Values {
		out := url.Values{}
		for kk, vv := range base {
			out[kk] = vv
		}
		out.Set(k, v)
		return out
	}
	cases := []struct {
		name  string
		in    url.Values
		field string
		key   string
	}{
		{"ok", base, "", ""},
		{"password 7", with("password", "1234567"), "password", ErrTooShort},
		{"password 128 ok", with("confirm", strings.Repeat("a", 128)), "confirm", ErrPasswordMatch},
		{"password 129", with("password", strings.Repeat("a", 129)), "password", ErrTooLong},
		{"bad role", with("role", "root"), "role", ErrRole},
		{"username chars", with("username", "li wei"), "username", ErrUsernameChars},
		{"username 33", with("username", strings.Repeat("a", 33)), "username", ErrTooLong},
		{"mismatch", with("confirm", "87654321"), "confirm", ErrPasswordMatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := ParseUser(c.in).Validate()
			if c.field == "" {
				assert.True(t, errs.OK(), errs)
				return
			}
			assert.Equal(t, c.key, errs[c.field].Key, errs)
		})
	}
	// A 128-character password is accepted when confirmed.
	pw := strings.Repeat("密", 128)
	assert.True(t, PasswordForm{Password: pw, Confirm: pw}.Validate().OK())
}

func TestLoginFormOverlong(t *testing.T) {
	errs := LoginForm{Username: strings.Repeat("a", 33), Password: strings.Repeat("b", 129)}.Validate()
	assert.Equal(t, ErrTooLong, errs["username"].Key)
	assert.Equal(t, ErrTooLong, errs["password"].Key)
}
