package domain

import (
	"errors"
	"fmt"
)

// Kind classifies an Error; the gateway maps each kind to one HTTP status.
type Kind int

// Error kinds, named for what went wrong rather than for a status code.
const (
	KindInternal            Kind = iota // a bug or an unexpected failure
	KindInvalid                         // malformed or unacceptable input
	KindUnauthorized                    // no or bad credentials
	KindForbidden                       // credentials fine, action not allowed
	KindNotFound                        // no such thing, or not visible to the caller
	KindConflict                        // state does not allow the action
	KindGone                            // the thing vanished while we worked on it
	KindTooLarge                        // a size cap or quota was exceeded
	KindUnsupportedMedia                // content type or data format refused
	KindRangeNotSatisfiable             // a byte range outside the data
	KindUnavailable                     // a backend refused or is down
)

// Error is the one error type of the service. Message is shown to the
// client; Err, when set, is the underlying cause and is only logged.
type Error struct {
	Kind    Kind
	Message string
	// Detail marks a message that clients see after the generic
	// explanation of its status, as Glance renders some of its errors.
	Detail bool
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an internal Error that keeps err as its logged cause.
func Wrap(err error, message string) *Error {
	return &Error{Kind: KindInternal, Message: message, Err: err}
}

// Detailf is Errorf for messages shown after the status's generic text.
func Detailf(kind Kind, format string, args ...any) *Error {
	e := Errorf(kind, format, args...)
	e.Detail = true
	return e
}

// ErrorKind reports the kind of err: the kind of the first *Error in its
// chain, or KindInternal for any other error.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k Kind) bool {
	return err != nil && ErrorKind(err) == k
}
