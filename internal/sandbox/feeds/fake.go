// Package feeds is the sandbox's card data source: a JSON feed whose numbers
// change over time, in the shape a card data feed takes (README "Card data
// feeds"), so a feed can be tried with nothing outside the console. It is
// mounted like the fake platforms, so the inspector records its requests and
// can inject faults (an HTML error page, a hang, broken JSON) into it.
package feeds

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"sync"
	"time"
)

// Name is the source's path prefix in the sandbox.
const Name = "feeds"

// PathAttendance serves today's attendance as a KEYDATA card.
const PathAttendance = "/attendance.json"

// Period is how long the numbers stay the same: a feed run twice within one
// period finds nothing new.
const Period = 5 * time.Minute

// Students is the demo school's roll, the base of the attendance numbers.
const Students = 1286

// Item is one KEYDATA tile as the feed answers it.
type Item struct {
	Key  string `json:"key"`
	Data string `json:"data"`
}

// Fake serves the demo feed. It is safe for concurrent use.
type Fake struct {
	mu  sync.Mutex
	now func() time.Time
}

// New returns the source on the real clock.
func New() *Fake { return &Fake{now: time.Now} }

// SetClock replaces the clock the numbers follow (tests).
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

func (f *Fake) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now()
}

// Name implements sandbox.Platform.
func (f *Fake) Name() string { return Name }

// Handler implements sandbox.Platform.
func (f *Fake) Handler() http.Handler { return f }

// ErrorEnvelope implements sandbox.Platform: a JSON error, as a small data
// service would answer.
func (f *Fake) ErrorEnvelope(code, message string) []byte {
	if code == "" {
		code = "500"
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
	return b
}

func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != PathAttendance {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	now := f.clock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{"items": Attendance(now), "updated_at": now.Truncate(Period).UTC().Format(time.RFC3339)})
}

// Attendance is the card at time t: the same within one Period, different
// (almost always) in the next.
func Attendance(t time.Time) []Item {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d", t.Unix()/int64(Period/time.Second))
	n := h.Sum64()
	absent := int(n%60) + 8  // 8–67 absent
	late := int(n/60%20) + 1 // 1–20 late
	leave := absent * 2 / 3  // most absences are excused
	present := Students - absent
	return []Item{
		{Key: "今日出勤率", Data: fmt.Sprintf("%.1f%%", float64(present)*100/Students)},
		{Key: "到校人数", Data: fmt.Sprintf("%d", present)},
		{Key: "请假人数", Data: fmt.Sprintf("%d", leave)},
		{Key: "迟到人数", Data: fmt.Sprintf("%d", late)},
	}
}
