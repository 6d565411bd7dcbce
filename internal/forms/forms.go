// Package forms holds one type per form of the console, parsed from plain
// values and checked by a pure Validate. Every platform limit is declared once,
// here, as a Text (or similar) value next to a note of where the platform
// documents it; that same value feeds the check, the input's HTML attributes,
// the live counter and the error text. Forms never touch HTTP or the store.
package forms

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Len counts s the way the Java services behind the platforms do
// (String.length()): in UTF-16 code units, so 😀 is 2 and 汉 is 1.
func Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 && r <= utf8.MaxRune {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// TruncateUTF16 is never used to change what users typed; it exists for
// display-only shortening (e.g. table cells) without splitting a surrogate pair.
func TruncateUTF16(s string, max int) string {
	if Len(s) <= max {
		return s
	}
	u := utf16.Encode([]rune(s))[:max]
	if max > 0 && utf16.IsSurrogate(rune(u[max-1])) {
		u = u[:max-1]
	}
	return string(utf16.Decode(u)) + "…"
}

// Msg is an error message to translate: an i18n key and its arguments.
type Msg struct {
	Key  string
	Args []any
}

// Errors maps a field name (as in the form, e.g. "items.2.key") to its error.
type Errors map[string]Msg

// Add records the first error of a field.
func (e Errors) Add(field, key string, args ...any) {
	if _, ok := e[field]; !ok {
		e[field] = Msg{Key: key, Args: args}
	}
}

// Get returns the error of a field, or nil.
func (e Errors) Get(field string) *Msg {
	if m, ok := e[field]; ok {
		return &m
	}
	return nil
}

// OK reports whether there are no errors.
func (e Errors) OK() bool { return len(e) == 0 }

// Text is the limit of one text field.
type Text struct {
	Max      int    // UTF-16 code units; 0 = unlimited
	Min      int    // UTF-16 code units; 0 = none
	Required bool   //
	URL      bool   // must be an http(s) URL
	Doc      string // where the platform says so, for readers of the code
}

// Error keys shared by every form (translations in internal/i18n).
const (
	ErrRequired = "form.err.required"
	ErrTooLong  = "form.err.too_long"  // args: max, got
	ErrTooShort = "form.err.too_short" // args: min, got
	ErrURL      = "form.err.url"
	ErrInvalid  = "form.err.invalid"
	ErrNumber   = "form.err.number"
	ErrTooMany  = "form.err.too_many" // args: max, got
)

// Check validates v against the limit and records an error for field.
// It returns true when v is acceptable.
func (t Text) Check(errs Errors, field, v string) bool {
	if strings.TrimSpace(v) == "" {
		if t.Required {
			errs.Add(field, ErrRequired)
			return false
		}
		return true
	}
	if n := Len(v); t.Max > 0 && n > t.Max {
		errs.Add(field, ErrTooLong, t.Max, n)
		return false
	} else if n < t.Min {
		errs.Add(field, ErrTooShort, t.Min, n)
		return false
	}
	if t.URL && !IsHTTPURL(v) {
		errs.Add(field, ErrURL)
		return false
	}
	return true
}

// IsHTTPURL accepts absolute http:// and https:// URLs with a host, and nothing
// else (no javascript:, data:, relative or scheme-less URLs).
func IsHTTPURL(s string) bool {
	if s != strings.TrimSpace(s) || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Opaque == ""
}

// Field names a repeated field, e.g. Field("items", 2, "key") = "items.2.key".
func Field(list string, i int, name string) string {
	return fmt.Sprintf("%s.%d.%s", list, i, name)
}
