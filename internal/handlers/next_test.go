package handlers

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Return targets a browser would resolve off this site, or that hide a
// character a browser drops or rewrites, fall back to "/".
func TestSafeNext(t *testing.T) {
	good := []string{
		"/",
		"/admin/users",
		"/channel-codes?name=%E5%BC%A0%E4%B8%89&size=20",
		"/channel-codes?name=a+b",
		"/org/tree?q=%E4%B8%80%E5%B9%B4%E7%BA%A7#node-12",
		"/messages/compose?url=https://example.com/x",
		"/cards/1/edit",
		"/search?q=100%25",
		"/org/学校",
		"/a/b/./c",
	}
	bad := []string{
		"",
		"https://evil.com",
		"http:/evil.com",
		"javascript:alert(1)",
		"evil.com",
		"//evil.com",
		"///evil.com",
		"/\\evil.com",
		"\\\\evil.com",
		"/\t/evil.com",
		"/%09/evil.com",
		"/%2509/evil.com",
		"/\n/evil.com",
		"/%0a/evil.com",
		"/%0D%0A/evil.com",
		"/\r\nSet-Cookie:x=1",
		"/%00/evil.com",
		"/%20/evil.com",
		"/ /evil.com",
		" /admin",
		"/admin ",
		"/%5Cevil.com",
		"/%2F/evil.com",
		"/%2f%2fevil.com",
		"/.//evil.com",
		"/foo//evil.com",
		"/%E3%80%80/evil.com", // ideographic space
		"/\u00a0/evil.com",    // no-break space
		"/\u200b/evil.com",    // zero-width space
		"/%7F",
		"/%zz",
		"/@evil.com\\@good",
	}
	assert.GreaterOrEqual(t, len(good)+len(bad), 25)
	for _, s := range good {
		assert.Equal(t, s, safeNext(s), "%q is a same-site path", s)
	}
	for _, s := range bad {
		assert.Equal(t, "/", safeNext(s), "%q must be refused", s)
	}
}
