package redact

import (
	"net/url"
)

// Error returns err with the secrets of its message masked: the URL of a
// *url.Error is redacted ([URLString]) and the cause's message by [Text].
// The result wraps err's causes, so errors.Is and errors.As see what they
// saw before, and a *url.Error stays a *url.Error (with the same Timeout
// answer). An error with nothing to mask is returned as it is; nil stays
// nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	if ue, ok := err.(*url.Error); ok {
		u := URLString(ue.URL)
		cause := Error(ue.Err)
		if u == ue.URL && cause == ue.Err {
			return err
		}
		return &url.Error{Op: ue.Op, URL: u, Err: cause}
	}
	msg := err.Error()
	masked := Text(msg)
	if masked == msg {
		return err
	}
	return &maskedError{msg: masked, err: err}
}

// maskedError is an error whose message was redacted.
type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }

// Unwrap returns the original error.
func (e *maskedError) Unwrap() error { return e.err }

// Timeout answers as the original error does (*url.Error asks its cause
// directly).
func (e *maskedError) Timeout() bool {
	t, ok := e.err.(interface{ Timeout() bool })
	return ok && t.Timeout()
}

// Temporary answers as the original error does.
func (e *maskedError) Temporary() bool {
	t, ok := e.err.(interface{ Temporary() bool })
	return ok && t.Temporary()
}
