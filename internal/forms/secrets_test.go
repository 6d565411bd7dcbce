package forms

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsSecret(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "new_password": true, "password_confirm": true, "Password": true, "confirm": true,
		"old_passwd": true, "app_secret": true, "access_token": true, "TOKEN": true, "_csrf": true,
		"username": false, "display_name": false, "role": false, "content": false, "confirmed_at": false, "": false,
	} {
		assert.Equal(t, want, IsSecret(name), name)
	}
}

func TestWithoutSecrets(t *testing.T) {
	kept, omitted := WithoutSecrets(url.Values{"username": {"li"}, "password": {"p"}, "confirm": {"p"}, "_csrf": {"t"}, "role": {"admin"}})
	assert.Equal(t, url.Values{"username": {"li"}, "role": {"admin"}}, kept)
	assert.Equal(t, []string{"confirm", "password"}, omitted, "the CSRF token is not the user's to retype")
}
