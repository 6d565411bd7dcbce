package auth

import "time"

// Sign-in throttling after OWASP's guidance (Authentication and Credential
// Stuffing cheat sheets): count failures per (account, client IP) pair,
// per client IP across accounts with a much higher threshold, and per
// account across clients with a slow-down rather than a lock, so that no
// attacker can lock out an account or an office behind one NAT address,
// while a guessing run still stalls.
const (
	// Window is how long a failure counts.
	Window = 15 * time.Minute
	// PairLimit failures of one account from one client IP within Window
	// stop that pair until the oldest of them leaves the window.
	PairLimit = 10
	// ClientLimit failures from one client IP across all accounts (names
	// that do not exist included) within Window stop that IP.
	ClientLimit = 100
	// After AccountSlowAfter failures of one account within Window from
	// any clients, each further attempt waits AccountDelayBase after the
	// latest failure, doubling with every further failure, up to
	// AccountDelayMax: about one guess a minute, never a lock.
	AccountSlowAfter = 10
	AccountDelayBase = time.Second
	AccountDelayMax  = time.Minute
	// KnownClientFor: a client IP the account signed in from within this
	// long is not slowed down by the account's failures from elsewhere (so
	// an attacker cannot slow the admin down at the office); the pair and
	// client limits still apply to it.
	KnownClientFor = 30 * 24 * time.Hour
)

// LoginHistory is what counts for one sign-in attempt, read in the same
// transaction that records the attempt. Attempts still being checked count
// as failures.
type LoginHistory struct {
	Now           time.Time
	Pair          []time.Time // this account from this IP, newest first, at most PairLimit
	Client        []time.Time // this IP, any account, newest first, at most ClientLimit
	Account       int         // failures of this account from any IP
	AccountLatest time.Time   // the newest of them
	KnownClient   bool        // the account signed in from this IP within KnownClientFor
}

// Scope says which count refused an attempt.
type Scope int

const (
	ScopeNone    Scope = iota
	ScopePair          // this account from this IP
	ScopeClient        // this IP
	ScopeAccount       // this account (slow-down)
)

// Refusal is a throttled attempt: which count and how long to wait.
type Refusal struct {
	Scope Scope
	Wait  time.Duration
}

// Refused reports whether the attempt must wait.
func (r Refusal) Refused() bool { return r.Wait > 0 }

// DecideLogin applies the limits to an attempt's history; the longest wait wins.
func DecideLogin(h LoginHistory) Refusal {
	var r Refusal
	consider := func(s Scope, free time.Time) {
		if w := free.Sub(h.Now); w > r.Wait {
			r = Refusal{Scope: s, Wait: w}
		}
	}
	// A full count frees up when its oldest failure leaves the window.
	if len(h.Pair) >= PairLimit {
		consider(ScopePair, h.Pair[PairLimit-1].Add(Window))
	}
	if len(h.Client) >= ClientLimit {
		consider(ScopeClient, h.Client[ClientLimit-1].Add(Window))
	}
	if !h.KnownClient && h.Account >= AccountSlowAfter {
		consider(ScopeAccount, h.AccountLatest.Add(AccountDelay(h.Account)))
	}
	return r
}

// AccountDelay is the wait after the latest of n failures of one account.
func AccountDelay(n int) time.Duration {
	if n < AccountSlowAfter {
		return 0
	}
	d := AccountDelayBase
	for i := AccountSlowAfter; i < n && d < AccountDelayMax; i++ {
		d *= 2
	}
	return min(d, AccountDelayMax)
}
