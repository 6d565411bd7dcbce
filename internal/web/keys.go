package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorilla/sessions"

	"github.com/orgconsole/console/internal/store"
)

// The session keys live in the database (store.SessionKey), so every replica
// signs and decodes the same cookies: a cookie from replica A works on B.

// KeyReload is how often a running console reads the keys again: a key that
// `console keys rotate` added reaches every replica within it.
const KeyReload = 30 * time.Second

// KeyActivation is how long a new key only decodes before it signs: by then
// every replica has loaded it, so no replica meets a cookie it cannot read.
const KeyActivation = 2 * KeyReload

// keepKeyPairs is how many keys rotation keeps (the newest signs, the others
// still decode cookies issued before the rotation).
const keepKeyPairs = 3

// keyFile is where consoles before the shared keys kept them.
const keyFile = "session.keys"

func newKey(now time.Time) (store.SessionKey, error) {
	k := store.SessionKey{HashKey: make([]byte, 64), BlockKey: make([]byte, 32), CreatedAt: now}
	if _, err := rand.Read(k.HashKey); err != nil {
		return k, err
	}
	_, err := rand.Read(k.BlockKey)
	return k, err
}

// EnsureKeys returns the session keys, newest first, creating them on first
// start: imported from dataDir/session.keys when an older console left one
// (its cookies keep working; the file is not used afterwards), else a fresh
// key. Replicas starting at once agree on one set (store.InitSessionKeys).
func EnsureKeys(ctx context.Context, st *store.Store, dataDir string, log *slog.Logger) ([]store.SessionKey, error) {
	keys, err := st.SessionKeys(ctx)
	if err != nil || len(keys) > 0 {
		return keys, err
	}
	path := filepath.Join(dataDir, keyFile)
	initial, err := readKeyFile(path)
	imported := err == nil
	if errors.Is(err, os.ErrNotExist) {
		var k store.SessionKey
		k, err = newKey(time.Now())
		initial = []store.SessionKey{k}
	}
	if err != nil {
		return nil, err
	}
	stored, err := st.InitSessionKeys(ctx, initial)
	if err != nil {
		return nil, err
	}
	if stored && imported {
		log.Info("session keys imported into the database; the file is no longer used and can be deleted", "file", path)
	}
	return st.SessionKeys(ctx)
}

// readKeyFile reads the keys an older console kept in a file: one
// "hashkey-hex blockkey-hex" line per key, newest first. They count as old
// (created at 0), so the newest of them signs at once.
func readKeyFile(path string) ([]store.SessionKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []store.SessionKey
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		h, blk, ok := strings.Cut(strings.TrimSpace(line), " ")
		hk, err1 := hex.DecodeString(h)
		bk, err2 := hex.DecodeString(blk)
		if !ok || err1 != nil || err2 != nil || len(hk) != 64 || len(bk) != 32 {
			return nil, fmt.Errorf("session keys: %s line %d is not \"<64-byte hex> <32-byte hex>\"", path, i+1)
		}
		keys = append(keys, store.SessionKey{HashKey: hk, BlockKey: bk, CreatedAt: time.UnixMilli(0)})
	}
	return keys, nil
}

// RotateKeys adds a new key to the database (`console keys rotate`), keeping
// the newest three. Replicas load it within KeyReload and sign with it from
// the time it returns; cookies signed with the older keys still decode.
func RotateKeys(ctx context.Context, st *store.Store) (signsFrom time.Time, err error) {
	k, err := newKey(time.Now())
	if err != nil {
		return time.Time{}, err
	}
	k, err = st.AddSessionKey(ctx, k, keepKeyPairs)
	if err != nil {
		return time.Time{}, err
	}
	return k.CreatedAt.Add(KeyActivation), nil
}

// signingKey is the index of the key that signs new cookies: the newest one
// every replica has had time to load, else (a fresh database) the oldest.
func signingKey(keys []store.SessionKey, now time.Time) int {
	for i, k := range keys {
		if !now.Before(k.CreatedAt.Add(KeyActivation)) {
			return i
		}
	}
	return len(keys) - 1
}

// SetKeys makes keys (newest first) the cookie keys: the signing key first,
// then every other one, which still decode.
func (s *Sessions) SetKeys(keys []store.SessionKey) {
	var pairs [][]byte
	if len(keys) > 0 {
		sign := signingKey(keys, s.now())
		pairs = append(pairs, keys[sign].HashKey, keys[sign].BlockKey)
		for i, k := range keys {
			if i != sign {
				pairs = append(pairs, k.HashKey, k.BlockKey)
			}
		}
	}
	cs := sessions.NewCookieStore(pairs...)
	opts := s.options
	cs.Options = &opts
	cs.MaxAge(opts.MaxAge) // also bounds the signed timestamp's age
	s.cookies.Store(cs)
}

// ReloadKeys reads the keys from the database every interval until ctx
// ends, so a rotation reaches this replica without a restart.
func (s *Sessions) ReloadKeys(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		keys, err := s.store.SessionKeys(ctx)
		if err != nil || len(keys) == 0 {
			if ctx.Err() == nil {
				log.Warn("reload session keys", "err", err, "keys", len(keys))
			}
			continue
		}
		s.SetKeys(keys)
	}
}
