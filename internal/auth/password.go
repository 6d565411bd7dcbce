package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

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

// Hasher hashes passwords with argon2id.
type Hasher struct {
	memoryKiB uint32
	dummy     func() string // a hash to check against when the user does not exist
}

// NewHasher uses memoryKiB of memory per hash (DefaultMemoryKiB when 0).
func NewHasher(memoryKiB int) *Hasher {
	if memoryKiB <= 0 {
		memoryKiB = DefaultMemoryKiB
	}
	h := &Hasher{memoryKiB: uint32(memoryKiB)}
	h.dummy = sync.OnceValue(func() string {
		d, _ := h.Hash("not-a-real-password")
		return d
	})
	return h
}

// Hash returns a PHC-format argon2id hash.
func (h *Hasher) Hash(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, h.memoryKiB, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memoryKiB, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckUnknown burns the time of a real check, so an unknown username takes
// as long as a wrong password.
func (h *Hasher) CheckUnknown(pw string) { _, _ = CheckPassword(h.dummy(), pw) }

var errBadHash = errors.New("unrecognised password hash")

// CheckPassword reports whether pw matches the hash (constant time).
func CheckPassword(hash, pw string) (bool, error) {
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
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
