package store

import (
	"context"
	"fmt"
	"time"
)

// SessionKey is one key pair of the session cookies (internal/web/keys.go).
// They are the one secret the database holds: every replica must sign and
// decode the same cookies, and a copy of them opens no session by itself (a
// session row stores only the hash of the id the cookie carries).
type SessionKey struct {
	ID        int64
	HashKey   []byte // 64 bytes, signs
	BlockKey  []byte // 32 bytes, encrypts
	CreatedAt time.Time
}

// SessionKeys returns every key, newest first.
func (s *Store) SessionKeys(ctx context.Context) ([]SessionKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, hash_key, block_key, created_at FROM session_keys ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: session keys: %w", err)
	}
	defer rows.Close()
	var out []SessionKey
	for rows.Next() {
		var k SessionKey
		var at int64
		if err := rows.Scan(&k.ID, &k.HashKey, &k.BlockKey, &at); err != nil {
			return nil, fmt.Errorf("store: session keys: %w", err)
		}
		k.CreatedAt = time.UnixMilli(at)
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: session keys: %w", err)
	}
	return out, nil
}

// InitSessionKeys stores keys (newest first) when the database has none yet
// and reports whether it did. Replicas starting at once all try: the oldest
// key takes the fixed id 1, and only the transaction whose row that is
// stores the rest, so exactly one set is kept.
func (s *Store) InitSessionKeys(ctx context.Context, keys []SessionKey) (bool, error) {
	stored := false
	err := s.inTx(ctx, func(tx Tx) error {
		for i := len(keys) - 1; i >= 0; i-- {
			k := keys[i]
			res, err := tx.ExecContext(ctx, `INSERT INTO session_keys (id, hash_key, block_key, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (id) DO NOTHING`, int64(len(keys)-i), k.HashKey, k.BlockKey, k.CreatedAt.UnixMilli())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil // another replica was first
			}
			stored = true
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: init session keys: %w", err)
	}
	return stored, nil
}

// AddSessionKey stores k as the newest key and drops all but the newest
// keep. Two rotations at the same moment: one gets ErrConflict.
func (s *Store) AddSessionKey(ctx context.Context, k SessionKey, keep int) (SessionKey, error) {
	err := s.inTx(ctx, func(tx Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO session_keys (id, hash_key, block_key, created_at)
			SELECT COALESCE(MAX(id), 0) + 1, ?, ?, ? FROM session_keys RETURNING id`,
			k.HashKey, k.BlockKey, k.CreatedAt.UnixMilli()).Scan(&k.ID); err != nil {
			if isUnique(err) {
				return ErrConflict
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM session_keys WHERE id <= ?`, k.ID-int64(keep))
		return err
	})
	if err != nil {
		return SessionKey{}, fmt.Errorf("store: add session key: %w", err)
	}
	return k, nil
}
