package handlers

import (
	"net/url"
	"strings"
	"unicode"
)

// safeNext returns next when it is a path on this site, else "/". It is the
// one check of every return target: ?next= on /login and /lang, and the
// action of a resumed form.
func safeNext(next string) string {
	if localPath(next) {
		return next
	}
	return "/"
}

// localPath reports whether target, read the way a browser reads a Location
// header or a form action, stays on this site: a path with one leading "/"
// and no scheme, host or user info. Browsers drop tab, CR and LF anywhere in
// a URL and read "\" as "/" ("/\t/evil.com" and "/\evil.com" both become
// //evil.com), so instead of copying that normalisation, any control
// character, whitespace or backslash refuses the target, raw or
// percent-encoded (decoded until it no longer changes, so a decoding proxy
// cannot uncover one either). No page of the console has such a URL.
func localPath(target string) bool {
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || !plain(target) {
		return false
	}
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	// The decoded path must not hold a second authority either ("/%2F/evil.com").
	if strings.Contains(u.Path, "//") {
		return false
	}
	s := target
	for range 3 {
		d, err := url.PathUnescape(s)
		if err != nil {
			return s != target // a malformed escape in what we were given; a literal "%" after decoding is fine
		}
		if d == s {
			return true
		}
		if !plain(d) || strings.HasPrefix(d, "//") {
			return false
		}
		s = d
	}
	return !strings.Contains(s, "%") // still encoded after three rounds: not a URL anyone links to
}

// plain reports whether s has no control character, whitespace or backslash.
func plain(s string) bool {
	for _, r := range s {
		if r == ' ' || r == '\\' || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
