package limpet

import (
	"errors"
	"fmt"
	"strings"

	"github.com/limpet-http/limpet/internal/redact"
)

// Reasons a login fails, carried by *LoginError as its Reason: test them
// with errors.Is. The spring, tomcat and token packages report their
// failures with these same values (their own names are aliases), and the
// Session wraps a failed login in an *AuthError through which errors.Is
// sees them too.
var (
	// ErrBadCredentials: the server refused the user name or password (it
	// answered the login with its login page or failure URL again, or 401).
	ErrBadCredentials = errors.New("limpet: bad credentials")
	// ErrLoginRefused: the server refused a login that succeeded before,
	// or names a reason other than the password (a concurrent-session
	// limit, a locked account).
	ErrLoginRefused = errors.New("limpet: login refused")
	// ErrCSRFRejected: the login (or a request) was rejected for its CSRF
	// token, even after a fresh token was fetched once.
	ErrCSRFRejected = errors.New("limpet: CSRF token rejected")
	// ErrSessionNotEstablished: the login looked successful but the
	// request that followed it was not authenticated: the server keeps no
	// session, or the session cookie is not sent back.
	ErrSessionNotEstablished = errors.New("limpet: login did not establish a session")
	// ErrUnexpectedResponse: the answer fits none of the above (a 5xx, a
	// 404 for the login URL, a page that is no login form).
	ErrUnexpectedResponse = errors.New("limpet: unexpected login response")
)

// LoginError reports a login that did not leave the session authenticated,
// naming the URL it is about and the cause. It has one shape for every
// login kind (spring, tomcat, token).
type LoginError struct {
	// Pkg prefixes the message: "spring", "tomcat", "token"; "limpet"
	// when empty.
	Pkg string
	// Reason is one of ErrBadCredentials, ErrLoginRefused,
	// ErrCSRFRejected, ErrSessionNotEstablished or ErrUnexpectedResponse.
	Reason error
	// User is the user name that was tried.
	User string
	// URL is the URL of the answer that decided (the login POST's, or the
	// probe's).
	URL string
	// Status is that answer's status; Location its redirect target.
	Status   int
	Location string
	// Detail explains the reason, for people.
	Detail string
	// Err is an underlying error, if any.
	Err error
}

// Error returns e.g. `spring: login as "alice" at http://host/login: bad
// credentials: 302 to /login?error`, with secrets in URLs masked.
func (e *LoginError) Error() string {
	pkg := e.Pkg
	if pkg == "" {
		pkg = "limpet"
	}
	reason := "login failed"
	if e.Reason != nil {
		reason = e.Reason.Error()
		if i := strings.Index(reason, ": "); i >= 0 && !strings.Contains(reason[:i], " ") {
			reason = reason[i+2:] // a package's own prefix
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: login as %q", pkg, e.User)
	if e.URL != "" {
		fmt.Fprintf(&b, " at %s", redact.URLString(e.URL))
	}
	fmt.Fprintf(&b, ": %s", reason)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d", e.Status)
		if e.Location != "" {
			fmt.Fprintf(&b, " to %s", redact.URLString(e.Location))
		}
	}
	if e.Detail != "" {
		b.WriteString(" (")
		b.WriteString(e.Detail)
		b.WriteString(")")
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return redact.Text(b.String())
}

// Unwrap returns Reason and Err, so that errors.Is finds either.
func (e *LoginError) Unwrap() []error {
	var errs []error
	if e.Reason != nil {
		errs = append(errs, e.Reason)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
