package cards

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestEstimate(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name    string
		calls   int
		workers int
		rate    float64
		latency time.Duration
		want    time.Duration
	}{
		{"nothing to send", 0, 4, 20, 100 * ms, 0},
		{"one call takes its latency", 1, 4, 20, 300 * ms, 300 * ms},
		{"rate bound: 50 calls at 20/s (README's 10,000 accounts)", 50, 4, 20, 100 * ms, 2450*ms + 100*ms},
		{"worker bound: slow platform", 50, 4, 20, time.Second, 13 * time.Second},
		{"unlimited rate: waves of workers", 10, 4, 0, 200 * ms, 600 * ms},
		{"100,000 accounts at the defaults", 500, 4, 20, 150 * ms, 24950*ms + 150*ms},
		{"a slow rate dominates", 500, 4, 1, 150 * ms, 499*time.Second + 150*ms},
		{"no workers configured counts one", 3, 0, 0, 100 * ms, 300 * ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Estimate(tc.calls, tc.workers, tc.rate, tc.latency))
		})
	}
}

func TestPaceUsesTheRecentLatency(t *testing.T) {
	p := Pace{Workers: 1, Rate: 0}
	e := p.Estimate(2)
	assert.Equal(t, ETA{Duration: 2 * AssumedLatency, Latency: AssumedLatency}, e, "before any call: assumed")
	p.Latency = func() time.Duration { return 0 }
	assert.False(t, p.Estimate(2).Measured)
	p.Latency = func() time.Duration { return 80 * time.Millisecond }
	assert.Equal(t, ETA{Duration: 160 * time.Millisecond, Latency: 80 * time.Millisecond, Measured: true}, p.Estimate(2))
}
