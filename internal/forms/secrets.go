package forms

import (
	"net/url"
	"slices"
	"strings"
)

// CSRFField is the form field carrying the CSRF token.
const CSRFField = "_csrf"

// secretWords mark a field whose value is never stored or shown again.
var secretWords = []string{"password", "passwd", "secret", "token"}

// IsSecret reports whether a form field holds a secret: anything named like a
// password, secret or token, "confirm" (the repeated password of the account
// forms) and the CSRF token. This is the one rule for what a kept form may hold.
func IsSecret(name string) bool {
	n := strings.ToLower(name)
	if n == CSRFField || n == "confirm" {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// WithoutSecrets returns the values with every secret field removed, and the
// names of the removed fields the user has to type again (sorted; the CSRF
// token is not one of them: the page supplies a fresh one).
func WithoutSecrets(v url.Values) (kept url.Values, omitted []string) {
	kept = url.Values{}
	for name, vals := range v {
		switch {
		case !IsSecret(name):
			kept[name] = vals
		case name != CSRFField:
			omitted = append(omitted, name)
		}
	}
	slices.Sort(omitted)
	return kept, omitted
}
