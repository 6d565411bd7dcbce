package store

import (
	"context"
	"fmt"
)

// OutcomeCounts are the platform writes the console recorded as failed or
// of unknown outcome (the job queue says only whether a job ran; these rows
// say what the platform did).
type OutcomeCounts struct {
	CallsFailed, CallsUnknown int // card push calls
	SendsFailed, SendsUnknown int // message sends
}

// Outcomes counts failed and unknown card calls and sends.
func (s *Store) Outcomes(ctx context.Context) (OutcomeCounts, error) {
	var o OutcomeCounts
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM card_push_calls WHERE status = ?),
		(SELECT COUNT(*) FROM card_push_calls WHERE status = ?),
		(SELECT COUNT(*) FROM message_sends WHERE status = ?),
		(SELECT COUNT(*) FROM message_sends WHERE status = ?)`,
		CallFailed, CallUnknown, SendFailed, SendUnknown).Scan(&o.CallsFailed, &o.CallsUnknown, &o.SendsFailed, &o.SendsUnknown)
	if err != nil {
		return o, fmt.Errorf("store: outcomes: %w", err)
	}
	return o, nil
}
