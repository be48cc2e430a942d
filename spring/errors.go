package spring

import (
	"errors"
	"fmt"
	"strings"
)

// Reasons a login fails, wrapped by *LoginError: test them with errors.Is.
// The Session wraps a failed login in a *limpet.AuthError, through which
// errors.Is sees them too.
var (
	// ErrBadCredentials: the server sent the login to its failure URL (or
	// answered a custom failure handler's 401). Spring's generated page
	// says "Invalid credentials" for a wrong password, a locked or disabled
	// account, and a concurrent-session limit alike.
	ErrBadCredentials = errors.New("spring: bad credentials")
	// ErrLoginRefused: the credentials were refused although they logged
	// in before, or the failure page names a concurrent-session limit
	// (maximumSessions with maxSessionsPreventsLogin): another session of
	// the user must end, or expire, first.
	ErrLoginRefused = errors.New("spring: login refused")
	// ErrCSRFRejected: the login was rejected before authentication, as a
	// CSRF failure is (a 403, or a 401 or a redirect to the login page for
	// an anonymous caller), even after fetching a fresh token once.
	ErrCSRFRejected = errors.New("spring: CSRF token rejected")
	// ErrSessionNotEstablished: the login looked successful but the probe
	// that follows it was not authenticated: the server keeps no session
	// (SessionCreationPolicy.STATELESS), or the session cookie is not sent
	// back (a Secure cookie over plain http, for example).
	ErrSessionNotEstablished = errors.New("spring: login did not establish a session")
	// ErrUnexpectedResponse: the login answer fits none of the above (a
	// 5xx, a 404 for the login URL).
	ErrUnexpectedResponse = errors.New("spring: unexpected login response")
)

// LoginError reports a login that did not leave the session authenticated.
// Reason is one of the Err* values of this package; the other fields say
// what the server answered.
type LoginError struct {
	// Reason is ErrBadCredentials, ErrLoginRefused, ErrCSRFRejected,
	// ErrSessionNotEstablished or ErrUnexpectedResponse.
	Reason error
	// User is the user name that was tried.
	User string
	// Status is the status of the answer that decided (the login POST's,
	// or the probe's).
	Status int
	// Location is that answer's redirect target, if any.
	Location string
	// Detail explains the reason, for people.
	Detail string
}

// Error returns e.g. `spring: login as "alice": bad credentials: 302 to
// /login?error`.
func (e *LoginError) Error() string {
	reason := "login failed"
	if e.Reason != nil {
		reason = strings.TrimPrefix(e.Reason.Error(), "spring: ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "spring: login as %q: %s", e.User, reason)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d", e.Status)
		if e.Location != "" {
			fmt.Fprintf(&b, " to %s", e.Location)
		}
	}
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns Reason.
func (e *LoginError) Unwrap() error { return e.Reason }
