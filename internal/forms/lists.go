package forms

import (
	"context"
	"iter"
	"strings"
)

// Pasted and uploaded lists (account ids of a card push, rows of a
// different-data CSV, message recipients, org nodes, channel-code filter ids)
// all go through uniqueList: one map lookup per item, so 100,000 ids take
// milliseconds, not the quadratic scan's 18 s; reading stops at the list's
// bound, so neither the map nor the slice outgrows it whatever was posted;
// and the request's context is looked at every checkEvery items, so a client
// that left stops the work. Each list has one bound, declared below or next
// to its form, and a list over it gets ErrListTooLong naming the bound.

// MaxAccountsPerPush bounds the accounts of one card push: pasted or
// uploaded ids, or the rows of a different-data CSV. §A bounds one call
// (account_id_list 最多支持200个用户, chengxun.MaxAccountsPerCall), not a push; the
// console splits a push into calls. 100,000 accounts are 500 calls (25 s at
// the default CONSOLE_PUSH_RATE), a 6.5 MB list at most (the upload limit is
// 10 MB), more than the largest organisation the console serves.
const MaxAccountsPerPush = 100_000

// MaxBadIDsKept is how many invalid ids of a list are kept (with their
// lines) to show; the rest are only counted.
const MaxBadIDsKept = 50

// checkEvery is how many items a parser reads between looks at its context.
const checkEvery = 1024

// ErrListTooLong: a list holds more items than its bound (args: the bound).
// Reading stopped there, so the number given is not known.
const ErrListTooLong = "form.err.list_too_long"

// ticker looks at a context every checkEvery items.
type ticker struct {
	ctx  context.Context
	read int
	err  error // ctx's error, once it ended
}

// tick counts one item read and reports false once ctx has ended.
func (t *ticker) tick() bool {
	if t.read++; t.read%checkEvery == 0 && t.err == nil {
		t.err = t.ctx.Err()
	}
	return t.err == nil
}

// uniqueList collects distinct items in first-seen order, at most max.
type uniqueList[T comparable] struct {
	ticker
	max   int
	seen  map[T]struct{}
	items []T
	over  bool // a distinct item beyond max was offered
}

func newUniqueList[T comparable](ctx context.Context, max int) *uniqueList[T] {
	return &uniqueList[T]{ticker: ticker{ctx: ctx}, max: max, seen: map[T]struct{}{}}
}

// add offers v; false means stop reading (over max, or ctx ended).
func (u *uniqueList[T]) add(v T) bool {
	if !u.tick() {
		return false
	}
	if _, dup := u.seen[v]; dup {
		return true
	}
	if len(u.items) == u.max {
		u.over = true
		return false
	}
	u.seen[v] = struct{}{}
	u.items = append(u.items, v)
	return true
}

// UniqueValues returns the distinct non-blank values (trimmed) of a
// repeated form field in first-seen order, at most max; over reports that
// there were more. The values are parsed already (net/http, within the body
// limit), so reading them needs no context.
func UniqueValues(values []string, max int) (out []string, over bool) {
	u := newUniqueList[string](context.Background(), max)
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" && !u.add(v) {
			break
		}
	}
	return u.items, u.over
}

// isListSeparator splits pasted id lists: new lines, spaces (also the
// ideographic one), tabs, commas and semicolons (ASCII and full-width) and 、.
func isListSeparator(r rune) bool {
	switch r {
	case ',', '，', ';', '；', '、', ' ', '\t', '\n', '\r', '\u3000':
		return true
	}
	return false
}

// listTokens yields the items of a pasted list with their 1-based lines,
// without building a slice of them all.
func listTokens(text string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		line := 0
		for l := range strings.Lines(strings.TrimPrefix(text, "\uFEFF")) {
			line++
			for tok := range strings.FieldsFuncSeq(l, isListSeparator) {
				if !yield(line, tok) {
					return
				}
			}
		}
	}
}
