// Package upstream is the plumbing the three platform clients share: timeouts,
// bounded body reads, token sources, safe retries and a typed API error.
package upstream

import (
	"errors"
	"fmt"
)

// Platform names, as shown to users in error messages and on the status page.
const (
	Chengxun = "橙讯 Chengxun"
	SCRM     = "SCRM 渠道活码"
	Tze      = "tze.cn"
)

// ErrorKind says what went wrong, so pages can explain it without matching text.
type ErrorKind string

const (
	KindAPI       ErrorKind = "api"       // the platform answered with an error envelope
	KindAuth      ErrorKind = "auth"      // token or signature refused
	KindTimeout   ErrorKind = "timeout"   // no answer in time
	KindNetwork   ErrorKind = "network"   // connection refused, reset, DNS …
	KindHTTP      ErrorKind = "http"      // non-2xx HTTP status without a usable envelope
	KindMalformed ErrorKind = "malformed" // the body was not the JSON the contract promises
)

// APIError is every failure of an upstream call: it names the platform, the
// upstream code and message (verbatim), so users see exactly what the platform said.
type APIError struct {
	Platform   string
	Kind       ErrorKind
	Code       string // upstream code ("" when the platform did not answer with one)
	Message    string // the platform's own message, verbatim; the console's words are Kind (translated) and Err (logs)
	HTTPStatus int
	Op         string // operation, e.g. "batch-set-same-data"
	Err        error  // underlying transport/decoding error
}

func (e *APIError) Error() string {
	s := e.Platform
	if e.Op != "" {
		s += " " + e.Op
	}
	switch {
	case e.Code != "":
		s += fmt.Sprintf(": code %s: %s", e.Code, e.Message)
	case e.HTTPStatus != 0 && e.Kind == KindHTTP:
		s += fmt.Sprintf(": HTTP %d", e.HTTPStatus)
	default:
		s += ": " + string(e.Kind)
		if e.Message != "" {
			s += ": " + e.Message
		}
	}
	if e.Err != nil && e.Code == "" {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *APIError) Unwrap() error { return e.Err }

// AsAPIError finds an *APIError in err's chain.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}
