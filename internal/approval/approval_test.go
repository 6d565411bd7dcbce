package approval

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/orgconsole/console/internal/forms"
)

func TestPolicy(t *testing.T) {
	p := Policy{Accounts: 1000, Recipients: 50}
	for _, c := range []struct {
		target   string
		accounts int
		want     bool
	}{
		{forms.TargetAccounts, 1000, false},
		{forms.TargetAccounts, 1001, true},
		{forms.TargetDiff, 1000, false},
		{forms.TargetDiff, 1001, true},
		{forms.TargetOrg, 0, true},
	} {
		assert.Equal(t, c.want, p.Push(c.target, c.accounts), "%s %d", c.target, c.accounts)
	}
	for _, c := range []struct {
		users, orgs int
		want        bool
	}{
		{50, 0, false},
		{51, 0, true},
		{0, 1, true},
		{1, 1, true},
	} {
		assert.Equal(t, c.want, p.Send(c.users, c.orgs), "%d users %d orgs", c.users, c.orgs)
	}
	off := Policy{}
	assert.False(t, off.Push(forms.TargetOrg, 0), "0 = never")
	assert.False(t, off.Push(forms.TargetAccounts, 100000))
	assert.False(t, off.Send(1000, 200))
}
