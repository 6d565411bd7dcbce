// Package auth holds roles, password hashing and login throttling.
package auth

import "slices"

// Role is what a console user may do.
type Role string

const (
	RoleAdmin   Role = "admin"   // cards, users, audit log, upstream health
	RoleContent Role = "content" // messages
	RoleSupport Role = "support" // org tree, channel codes
)

// Roles lists every role in display order.
var Roles = []Role{RoleAdmin, RoleContent, RoleSupport}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// ParseRole returns the role named s.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, r.Valid()
}
