package jobs

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// Status is the queue as the status page shows it: River's view of the
// jobs, which replica holds each running one, and why recent ones failed.
type Status struct {
	Replica string       // this replica's River client id
	Queues  []QueueDepth // one per platform queue, in Queues order
	Running []RunningJob
	Failed  []FailedJob // the latest discarded or cancelled jobs, newest first
}

// Queues are the platform queues, in the order the status page lists them.
var Queues = []string{QueueChengxun, QueueTze}

// QueueDepth counts one queue's jobs by River state.
type QueueDepth struct {
	Queue     string
	Waiting   int // available (or pending) for a worker
	Retrying  int // waiting for their next attempt (retryable, scheduled)
	Running   int
	Failed    int // every attempt used (discarded)
	Cancelled int // not to be tried again (refused work, arguments that do not parse)
	Completed int // River keeps them a day
}

// RunningJob is a job a replica is working on now.
type RunningJob struct {
	ID      int64
	Kind    string
	Queue   string
	Args    string
	Attempt int
	Since   time.Time
	Replica string // the River client id that holds it (the last one that attempted it)
}

// FailedJob is a job River gave up on, with the last attempt's error.
type FailedJob struct {
	ID      int64
	Kind    string
	Queue   string
	State   string // discarded or cancelled
	At      time.Time
	Attempt int
	Reason  string
}

// statusRows bounds the running and failed lists.
const statusRows = 20

// Status reads the queues.
func (q *Queue) Status(ctx context.Context) (Status, error) {
	st := Status{Replica: q.id}
	counts := map[string]*QueueDepth{}
	depth := func(queue string) *QueueDepth {
		if counts[queue] == nil {
			counts[queue] = &QueueDepth{Queue: queue}
		}
		return counts[queue]
	}
	rows, err := q.db.QueryContext(ctx, `SELECT queue, CAST(state AS TEXT), COUNT(*) FROM river_job GROUP BY queue, state`)
	if err != nil {
		return st, fmt.Errorf("jobs: queue depth: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var queue, state string
		var n int
		if err := rows.Scan(&queue, &state, &n); err != nil {
			return st, fmt.Errorf("jobs: queue depth: %w", err)
		}
		d := depth(queue)
		switch rivertype.JobState(state) {
		case rivertype.JobStateAvailable, rivertype.JobStatePending:
			d.Waiting += n
		case rivertype.JobStateRetryable, rivertype.JobStateScheduled:
			d.Retrying += n
		case rivertype.JobStateRunning:
			d.Running += n
		case rivertype.JobStateDiscarded:
			d.Failed += n
		case rivertype.JobStateCancelled:
			d.Cancelled += n
		case rivertype.JobStateCompleted:
			d.Completed += n
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("jobs: queue depth: %w", err)
	}
	for _, name := range Queues {
		st.Queues = append(st.Queues, *depth(name))
		delete(counts, name)
	}
	for _, name := range slices.Sorted(maps.Keys(counts)) { // a queue of another version
		st.Queues = append(st.Queues, *counts[name])
	}

	running, err := q.insert.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateRunning).First(statusRows))
	if err != nil {
		return st, fmt.Errorf("jobs: running jobs: %w", err)
	}
	for _, j := range running.Jobs {
		r := RunningJob{ID: j.ID, Kind: j.Kind, Queue: j.Queue, Args: string(j.EncodedArgs), Attempt: j.Attempt}
		if j.AttemptedAt != nil {
			r.Since = *j.AttemptedAt
		}
		if n := len(j.AttemptedBy); n > 0 {
			r.Replica = j.AttemptedBy[n-1]
		}
		st.Running = append(st.Running, r)
	}
	failed, err := q.insert.JobList(ctx, river.NewJobListParams().
		States(rivertype.JobStateDiscarded, rivertype.JobStateCancelled).
		OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(statusRows))
	if err != nil {
		return st, fmt.Errorf("jobs: failed jobs: %w", err)
	}
	for _, j := range failed.Jobs {
		f := FailedJob{ID: j.ID, Kind: j.Kind, Queue: j.Queue, State: string(j.State), Attempt: j.Attempt}
		if j.FinalizedAt != nil {
			f.At = *j.FinalizedAt
		}
		if n := len(j.Errors); n > 0 {
			f.Reason = j.Errors[n-1].Error
		}
		st.Failed = append(st.Failed, f)
	}
	return st, nil
}
