package store

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReplicasStartingAtOnceKeepOneSetOfSessionKeys(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		const replicas = 8
		var wg sync.WaitGroup
		stored := make([]bool, replicas)
		errs := make([]error, replicas)
		for i := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := byte(i + 1)
				keys := []SessionKey{ // newest first, as an imported key file
					{HashKey: bytes.Repeat([]byte{b}, 64), BlockKey: bytes.Repeat([]byte{b}, 32), CreatedAt: time.UnixMilli(2)},
					{HashKey: bytes.Repeat([]byte{b + 100}, 64), BlockKey: bytes.Repeat([]byte{b + 100}, 32), CreatedAt: time.UnixMilli(1)},
				}
				stored[i], errs[i] = s.InitSessionKeys(ctx, keys)
			}()
		}
		wg.Wait()
		winners := 0
		for i := range replicas {
			require.NoError(t, errs[i])
			if stored[i] {
				winners++
			}
		}
		assert.Equal(t, 1, winners, "exactly one replica's keys are stored")
		keys, err := s.SessionKeys(ctx)
		require.NoError(t, err)
		require.Len(t, keys, 2)
		assert.Equal(t, keys[0].HashKey[0]+100, keys[1].HashKey[0], "both keys of the same replica, newest first")

		k, err := s.AddSessionKey(ctx, SessionKey{HashKey: make([]byte, 64), BlockKey: make([]byte, 32), CreatedAt: time.UnixMilli(3)}, 2)
		require.NoError(t, err)
		keys, err = s.SessionKeys(ctx)
		require.NoError(t, err)
		require.Len(t, keys, 2, "only the newest two are kept")
		assert.Equal(t, k.ID, keys[0].ID)
		assert.Equal(t, time.UnixMilli(3), keys[0].CreatedAt)
	})
}
