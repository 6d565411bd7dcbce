// Package approval is the four-eyes rule (issue 11): which pushes and
// messages wait for another admin's approval before they run. The store
// keeps the requests and enqueues on approval (store.ApproveRequest); the
// handlers ask this policy when a push or a send is created.
package approval

import "github.com/orgconsole/console/internal/forms"

// Policy holds the thresholds (CONSOLE_APPROVAL_ACCOUNTS,
// CONSOLE_APPROVAL_RECIPIENTS). A zero threshold turns its kind of approval
// off altogether: a console with a single admin could otherwise never push
// to an organisation.
type Policy struct {
	Accounts   int // a push to more accounts waits; so does any organisation push
	Recipients int // a message to more user ids waits; so does any message to an org node
}

// Push reports whether a push to target reaching accounts accounts needs approval.
func (p Policy) Push(target string, accounts int) bool {
	if p.Accounts <= 0 {
		return false
	}
	return target == forms.TargetOrg || accounts > p.Accounts
}

// Send reports whether a message to users user ids and orgs org nodes needs approval.
func (p Policy) Send(users, orgs int) bool {
	if p.Recipients <= 0 {
		return false
	}
	return orgs > 0 || users > p.Recipients
}
