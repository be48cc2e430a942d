// Package tomcat logs a limpet Session in to Apache Tomcat's container
// FORM authentication (j_security_check) and keeps it logged in, and
// sends the CSRF nonce of Tomcat's CsrfPreventionFilter, which guards the
// manager's HTML interface.
//
// # FORM login
//
// FormLogin returns an Authenticator. It needs a probe: a protected page
// that is safe to request again and again.
//
//	a := tomcat.FormLogin("tomcat", password, tomcat.Options{
//		Probe: "/examples/jsp/security/protected/index.jsp",
//	})
//	s, err := limpet.New(limpet.Options{BaseURL: "http://127.0.0.1:8080", Authenticator: a})
//	resp, err := s.Post(ctx, "/examples/jsp/security/protected/index.jsp",
//		limpet.Form(url.Values{"dataName": {"k"}, "dataValue": {"v"}}))
//
// The Session logs in when a response shows the login page, and replays the
// request afterwards, once. Tomcat's FORM login has two traits a client
// must respect (interop/tomcat/README.md has the observed facts):
//
//   - The login page comes as a 200 response to any protected request, not
//     as a 401 or a redirect, so an expired session is recognised by the
//     page's content: a form with a password input that posts to
//     j_security_check.
//   - Tomcat saves the request that met the login page and, after the
//     login, runs it itself when the client follows the 303. A client that
//     then replays the request runs it twice. FormAuth always logs in from
//     the probe, so the saved request is the probe, and confirms the login
//     by requesting the probe, which consumes it: the caller's request is
//     replayed by the Session alone, exactly once.
//
// A wrong password gives ErrBadCredentials (Tomcat's form error page); the
// Session does not retry it (see limpet.RecoveryCooldown). A session that
// does not hold after a successful login gives ErrSessionNotEstablished.
//
// Logout requests Options.LogoutURL (Tomcat has no standard logout URL; the
// examples use index.jsp?logoff=true) and forgets the session cookie.
//
// With limpet.Options.Store the session cookie is saved with the jar, and
// the login recipe (probe, user name, field names; never the password) as
// the snapshot's Login, so that the next process goes on in the same server
// session without logging in.
//
// # The manager's CSRF nonce
//
// ManagerCSRF returns an Authenticator that adds
// org.apache.catalina.filters.CSRF_NONCE to requests under /manager/html,
// learns the newest nonce from each page, and fetches a fresh one from the
// entry point when the filter refuses a request (it keeps the last five
// nonces of a session). The manager's BASIC credentials come from
// limpet.Options.Auth:
//
//	s, err := limpet.New(limpet.Options{
//		BaseURL:       base,
//		Auth:          limpet.BasicAuth("admin", password),
//		Authenticator: tomcat.ManagerCSRF(tomcat.NonceOptions{}),
//	})
//	resp, err := s.Post(ctx, "/manager/html/expire?path=/examples", nil)
//
// # Concurrency
//
// FormAuth and Nonce are safe for concurrent use by the goroutines of the
// Session they belong to; the Session runs one login at a time and lets
// every goroutine that met the expired session wait for it. See FormAuth
// for how the authenticated session survives responses to requests that
// were sent with the old one.
package tomcat
