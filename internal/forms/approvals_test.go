package forms

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRejectFormNeedsAReason(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"", false},
		{"   ", false},
		{"wrong school", true},
		{strings.Repeat("因", 500), true},
		{strings.Repeat("因", 501), false},
	} {
		errs := ParseReject(url.Values{"reason": {c.in}}).Validate()
		assert.Equal(t, c.ok, errs.OK(), "%q", c.in)
	}
}
