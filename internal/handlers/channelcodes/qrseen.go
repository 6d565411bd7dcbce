package channelcodes

import (
	"container/list"
	"sync"
	"time"
)

// Bounds of what the QR proxy remembers: the codes of a few hundred list
// pages, each until an hour after it was last listed (~2 MB at most).
const (
	qrSeenMax = 10000
	qrSeenTTL = time.Hour
)

// qrSeen remembers the codeUrl of every code the console listed, so the QR
// proxy fetches only addresses the platform itself handed out — never one a
// browser names. It is bounded in count and age; the code listed longest ago
// is forgotten first. It lives in this process only: behind a load balancer
// without sticky sessions another replica misses and says "reload the list".
type qrSeen struct {
	now func() time.Time

	mu    sync.Mutex
	order *list.List              // front: listed most recently
	byID  map[int64]*list.Element // values are *qrEntry
}

type qrEntry struct {
	id  int64
	url string
	at  time.Time
}

func newQRSeen(now func() time.Time) *qrSeen {
	return &qrSeen{now: now, order: list.New(), byID: map[int64]*list.Element{}}
}

// remember notes that the platform listed code id with image url.
func (s *qrSeen) remember(id int64, url string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if el, ok := s.byID[id]; ok {
		e := el.Value.(*qrEntry)
		e.url, e.at = url, s.now()
		s.order.MoveToFront(el)
		return
	}
	s.byID[id] = s.order.PushFront(&qrEntry{id: id, url: url, at: s.now()})
	for s.order.Len() > qrSeenMax {
		s.drop(s.order.Back())
	}
}

// lookup is the image address last listed for code id, if still remembered.
func (s *qrSeen) lookup(id int64) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	el, ok := s.byID[id]
	if !ok {
		return "", false
	}
	e := el.Value.(*qrEntry)
	if s.now().Sub(e.at) >= qrSeenTTL {
		s.drop(el)
		return "", false
	}
	return e.url, true
}

func (s *qrSeen) drop(el *list.Element) {
	s.order.Remove(el)
	delete(s.byID, el.Value.(*qrEntry).id)
}
