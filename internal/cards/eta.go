package cards

import "time"

// Pace is how fast a push's calls go out: the estimate on the confirmation
// page and the time left on a job's page come from it.
type Pace struct {
	Workers int     // concurrent calls on a replica (CONSOLE_PUSH_WORKERS)
	Rate    float64 // calls per second, all replicas together (CONSOLE_PUSH_RATE; 0 = unlimited)
	// Latency is the platform's recent latency (the 橙讯 client's median
	// over its last calls); 0 before any call.
	Latency func() time.Duration
}

// AssumedLatency stands in for the platform's latency before the console
// has made a call to it.
const AssumedLatency = 500 * time.Millisecond

// ETA is an estimate and what it was made from.
type ETA struct {
	Duration time.Duration
	Latency  time.Duration // the latency used
	Measured bool          // Latency is the platform's recent one (else AssumedLatency)
}

// Estimate is how long calls will take at this pace.
func (p Pace) Estimate(calls int) ETA {
	e := ETA{Latency: AssumedLatency}
	if p.Latency != nil {
		if l := p.Latency(); l > 0 {
			e.Latency, e.Measured = l, true
		}
	}
	e.Duration = Estimate(calls, p.Workers, p.Rate, e.Latency)
	return e
}

// Estimate is how long calls take with workers at once, each taking
// latency, started at most rate per second: the slower of the two bounds —
// waves of workers calls, or the last call's start (the rate) plus its own
// latency. It assumes one replica works the push (more replicas finish
// sooner unless the rate bounds them) and no retries.
func Estimate(calls, workers int, rate float64, latency time.Duration) time.Duration {
	if calls <= 0 {
		return 0
	}
	workers = max(workers, 1)
	latency = max(latency, 0)
	byWorkers := time.Duration((calls+workers-1)/workers) * latency
	if rate <= 0 {
		return byWorkers
	}
	byRate := time.Duration(float64(calls-1)/rate*float64(time.Second)) + latency
	return max(byWorkers, byRate)
}
