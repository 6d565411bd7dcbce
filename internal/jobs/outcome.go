package jobs

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/orgconsole/console/internal/clients/upstream"
)

// Outcome is what the console can know about one platform write.
type Outcome int

const (
	Applied Outcome = iota // the platform answered success
	Refused                // the platform answered with an error: it did not apply the write
	NotSent                // the request never reached the platform: trying again is safe
	Unknown                // the request went out, no usable answer came back: it may have been applied
)

// Classify reads a platform call's error. Only an answer the platform gave
// (an error envelope, a 4xx) or a connection that was never made is known;
// a timeout, a cut connection, a 5xx or a malformed answer after the request
// was written is unknown — never shown as failed.
func Classify(err error) Outcome {
	if err == nil {
		return Applied
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return NotSent
	}
	e, ok := upstream.AsAPIError(err)
	if !ok {
		return Unknown // e.g. the console stopping mid-call
	}
	switch e.Kind {
	case upstream.KindAPI, upstream.KindAuth:
		return Refused
	case upstream.KindHTTP:
		if e.HTTPStatus >= 400 && e.HTTPStatus < 500 && e.HTTPStatus != http.StatusRequestTimeout {
			return Refused
		}
		return Unknown
	default: // timeout, network after the dial, malformed
		return Unknown
	}
}

// failureCode is what a failed or unknown call keeps as its upstream code
// and message: the platform's own, else the HTTP status and the failure kind
// (the pages translate kinds).
func failureCode(err error) (code, msg string) {
	if e, ok := upstream.AsAPIError(err); ok {
		code, msg = e.Code, e.Message
		if code == "" && e.HTTPStatus != 0 && e.HTTPStatus != http.StatusOK {
			code = fmt.Sprintf("HTTP %d", e.HTTPStatus)
		}
		if msg == "" {
			msg = string(e.Kind)
		}
		return code, msg
	}
	return "", "network"
}
