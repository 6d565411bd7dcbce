package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Password length rules (NIST 800-63B: length, no composition rules).
const (
	PasswordMin = 8
	PasswordMax = 128
)

// SandboxPassword is the demo accounts' password in sandbox mode. Live mode
// refuses to start while any account still has it.
const SandboxPassword = "sandbox"

// Argon2id parameters: OWASP's baseline is m=19 MiB, t=2, p=1. Memory is
// configurable (CONSOLE_PASSWORD_MEMORY_KIB) so small machines and tests can
// trade cost for speed; each hash records its own parameters, so changing the
// setting never locks anyone out.
const (
	DefaultMemoryKiB = 19 * 1024
	argonTime        = 2
	argonThreads     = 1
	argonKeyLen      = 32
	argonSaltLen     = 16
)

// Every argon2id run holds its whole memory (19 MiB by default), so the
// number running at once is what bounds the console's memory under a flood
// of sign-ins: DefaultHashes at a time (CONSOLE_PASSWORD_HASHES); a caller
// waits at most HashQueueWait for a turn, then gets ErrBusy.
const (
	DefaultHashes = 4
	HashQueueWait = 2 * time.Second
)

// ErrBusy means every hashing slot stayed taken for HashQueueWait: the
// caller should answer "busy, try again in a moment".
var ErrBusy = errors.New("auth: password hashing busy")

// Hasher hashes and checks passwords with argon2id, at most a fixed number
// at a time. Every hash or check of the process goes through one Hasher.
type Hasher struct {
	memoryKiB uint32
	slots     chan struct{}
	dummy     string // checked when the user does not exist
}

// NewHasher uses memoryKiB of memory per hash (DefaultMemoryKiB when 0) and
// runs at most concurrent hashes at once (DefaultHashes when 0).
func NewHasher(memoryKiB, concurrent int) *Hasher {
	if memoryKiB <= 0 {
		memoryKiB = DefaultMemoryKiB
	}
	if concurrent <= 0 {
		concurrent = DefaultHashes
	}
	h := &Hasher{memoryKiB: uint32(memoryKiB), slots: make(chan struct{}, concurrent)}
	// A random key under this hasher's parameters: checking against it costs
	// exactly a real check, and no password matches it.
	salt, key := make([]byte, argonSaltLen), make([]byte, argonKeyLen)
	_, _ = rand.Read(salt)
	_, _ = rand.Read(key)
	h.dummy = h.encode(salt, key)
	return h
}

// acquire waits for a hashing slot, at most HashQueueWait.
func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(HashQueueWait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns a PHC-format argon2id hash.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return h.encode(salt, argon2.IDKey([]byte(pw), salt, argonTime, h.memoryKiB, argonThreads, argonKeyLen)), nil
}

func (h *Hasher) encode(salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// CheckUnknown burns the time of a real check, so an unknown username takes
// as long as a wrong password. It waits for a slot like any check.
func (h *Hasher) CheckUnknown(ctx context.Context, pw string) error {
	_, err := h.Check(ctx, h.dummy, pw)
	return err
}

var errBadHash = errors.New("auth: unrecognised password hash")

// Check reports whether pw matches the hash (constant time).
func (h *Hasher) Check(ctx context.Context, hash, pw string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false, errBadHash
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
