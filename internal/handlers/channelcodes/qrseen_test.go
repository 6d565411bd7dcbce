package channelcodes

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// What the QR proxy remembers is bounded in count and age, and a code listed
// again is kept (and shows its newest address).
func TestQRSeenIsBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := newQRSeen(func() time.Time { return now })
	for id := int64(1); id <= qrSeenMax; id++ {
		s.remember(id, "u"+strconv.FormatInt(id, 10))
	}
	s.remember(1, "u1-new") // listed again: now the most recent
	s.remember(qrSeenMax+1, "extra")
	assert.Len(t, s.byID, qrSeenMax)
	_, ok := s.lookup(2)
	assert.False(t, ok, "the code listed longest ago went first")
	u, ok := s.lookup(1)
	assert.True(t, ok)
	assert.Equal(t, "u1-new", u)

	now = now.Add(qrSeenTTL)
	_, ok = s.lookup(1)
	assert.False(t, ok, "forgotten an hour after it was last listed")
	assert.Len(t, s.byID, qrSeenMax-1)
}
