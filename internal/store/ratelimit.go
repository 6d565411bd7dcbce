package store

import (
	"context"
	"fmt"
	"time"
)

// TakeRateSlot reserves the next slot of the named limit, one every
// interval, shared by every replica on this database: it returns when the
// caller may go (now, or later when earlier slots are taken). A single-row
// UPDATE is atomic on both backends, so replicas never share a slot.
func (s *Store) TakeRateSlot(ctx context.Context, name string, interval time.Duration) (time.Time, error) {
	now := s.now().UnixMicro()
	step := interval.Microseconds()
	var next int64
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rate_slots (name, next_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`, name, now); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `UPDATE rate_slots SET next_at = (CASE WHEN next_at > ? THEN next_at ELSE ? END) + ?
			WHERE name = ? RETURNING next_at`, now, now, step, name).Scan(&next)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("store: rate slot: %w", err)
	}
	return time.UnixMicro(next - step), nil
}
