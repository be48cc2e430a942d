package spring

import "github.com/limpet-http/limpet"

// Reasons a login fails, wrapped by *LoginError: test them with errors.Is.
// They are the limpet package's values under the names this package has
// always used, so that errors.Is(err, limpet.ErrBadCredentials) holds for a
// Spring login as for a Tomcat or token one. The Session wraps a failed
// login in a *limpet.AuthError, through which errors.Is sees them too.
var (
	// ErrBadCredentials: the server sent the login to its failure URL (or
	// answered a custom failure handler's 401, or showed the login form
	// again). Spring's generated page says "Invalid credentials" for a
	// wrong password, a locked or disabled account, and a
	// concurrent-session limit alike.
	ErrBadCredentials = limpet.ErrBadCredentials
	// ErrLoginRefused: the credentials were refused although they logged
	// in before, or the failure page names a concurrent-session limit
	// (maximumSessions with maxSessionsPreventsLogin): another session of
	// the user must end, or expire, first.
	ErrLoginRefused = limpet.ErrLoginRefused
	// ErrCSRFRejected: the login was rejected before authentication, as a
	// CSRF failure is (a 403, or a 401 or a redirect to the login page for
	// an anonymous caller), even after fetching a fresh token once.
	ErrCSRFRejected = limpet.ErrCSRFRejected
	// ErrSessionNotEstablished: the login looked successful but the probe
	// that follows it was not authenticated: the server keeps no session
	// (SessionCreationPolicy.STATELESS), or the session cookie is not sent
	// back (a Secure cookie over plain http, for example).
	ErrSessionNotEstablished = limpet.ErrSessionNotEstablished
	// ErrUnexpectedResponse: the login answer fits none of the above (a
	// 5xx, a 404 for the login URL).
	ErrUnexpectedResponse = limpet.ErrUnexpectedResponse
)

// LoginError reports a login that did not leave the session authenticated:
// limpet.LoginError, with Pkg "spring". Reason is one of the Err* values
// of this package; the other fields say what the server answered, and
// where.
type LoginError = limpet.LoginError
