package scrm

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Signing algorithms, as named in config (CONSOLE_SCRM_SIGN).
const (
	AlgoMD5        = "md5"
	AlgoHMACSHA256 = "hmac-sha256"
)

// CanonicalString is what a request's sign covers. The SCRM docs do not give
// the algorithm, so this is the console's assumption (README: Assumptions):
//
//	appId + "\n" + appKey + "\n" + timestamp + "\n" + lowerhex(sha256(body))
//
// timestamp is the request's epoch time in milliseconds, as the decimal string
// sent in the timestamp header; body is the exact bytes sent.
func CanonicalString(appID, appKey, timestamp string, body []byte) string {
	sum := sha256.Sum256(body)
	return appID + "\n" + appKey + "\n" + timestamp + "\n" + hex.EncodeToString(sum[:])
}

// Signer turns the canonical string into the sign header's value.
type Signer interface {
	Algo() string
	Sign(canonical string) string
}

// MD5Signer signs with lowerhex(md5(canonical + secret)).
type MD5Signer struct{ Secret string }

func (MD5Signer) Algo() string { return AlgoMD5 }

func (s MD5Signer) Sign(canonical string) string {
	sum := md5.Sum([]byte(canonical + s.Secret))
	return hex.EncodeToString(sum[:])
}

// HMACSHA256Signer signs with lowerhex(HMAC-SHA256(key = secret, canonical)).
type HMACSHA256Signer struct{ Secret string }

func (HMACSHA256Signer) Algo() string { return AlgoHMACSHA256 }

func (s HMACSHA256Signer) Sign(canonical string) string {
	m := hmac.New(sha256.New, []byte(s.Secret))
	m.Write([]byte(canonical))
	return hex.EncodeToString(m.Sum(nil))
}

// NewSigner returns the strategy named in config.
func NewSigner(algo, secret string) (Signer, error) {
	switch algo {
	case AlgoMD5:
		return MD5Signer{Secret: secret}, nil
	case AlgoHMACSHA256:
		return HMACSHA256Signer{Secret: secret}, nil
	}
	return nil, fmt.Errorf("scrm: unknown signing algorithm %q (want %s or %s)", algo, AlgoMD5, AlgoHMACSHA256)
}
