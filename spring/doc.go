// Package spring logs a limpet.Session in to a Spring Security application
// and keeps it logged in: form login, HTTP Basic, CSRF tokens (Spring
// Security 6 and 7: masked, deferred and rotated at login), expiry
// detection and one shared re-login, and logout. It follows
// docs/spring.md, and is proved against real Spring Boot
// 3.5 (Spring Security 6.5) and 4.0 (Spring Security 7.0) applications.
//
// An application known only by its URL and a user's credentials is best
// served by login.Auto, which finds out which of this package's pieces it
// needs (and their options) on the first login, and saves that with the
// session. The constructors here are those pieces: FormLogin and Basic
// take the credentials directly, FormLoginFrom and BasicFrom fetch them
// from a limpet.Credentials when the first login needs them; CSRF alone is
// also a limpet.CSRFStrategy for limpet.Chain.
//
// # Logging in with a form
//
// FormLogin returns a limpet.Authenticator; set it on the Session:
//
//	s, err := limpet.New(limpet.Options{
//		BaseURL:       "https://app.example.com",
//		Authenticator: spring.FormLogin("alice", password, spring.Options{Probe: "/api/me"}),
//	})
//	resp, err := s.Get(ctx, "/api/orders") // logs in when the server asks for it
//
// The first request the server refuses (a 401, a redirect to the login
// page) makes the Session log in, then send the request again. Session.Login
// logs in at once instead, and reports a bad password before anything else
// is sent.
//
// The login fetches Options.LoginPage ("/login") for its form, fields and
// CSRF token. When neither the page nor a cookie holds a token, it first gets
// the cookie repository's deferred token without the credentials (a PUT to
// the login URL, which the CsrfFilter refuses with a new cookie and no login
// filter takes) and, until a login taught it, which form of the token the
// server takes (a POST to Options.LogoutURL with the raw token: the
// LogoutFilter clears the cookie only when it passed the CsrfFilter), so
// that the password goes in one POST. It posts the credentials form-encoded
// without following the
// redirect (or as a JSON object, Options.LoginJSON), and reads the answer as
// docs/spring.md lays out: the failure URL, the login page with a query,
// any URL whose query says error or fail, the login form again, or a 401
// that says why mean bad credentials; the login page without a query, a
// 403, or an answer that hands out a CSRF cookie to a login sent without a
// token mean the token was refused (it fetches the page and tries again,
// with the cookie's token in the other form, then gives up); anything else
// is a candidate success, which a GET of Options.Probe must confirm.
// Failures are a *LoginError whose Reason is ErrBadCredentials,
// ErrLoginRefused, ErrCSRFRejected, ErrSessionNotEstablished or
// ErrUnexpectedResponse; the Session wraps it in a *limpet.AuthError, and
// errors.Is sees through both. No login is retried in a loop: after a
// failure the Session reports the same error, without sending anything,
// for limpet.RecoveryCooldown.
//
// # CSRF tokens
//
// Every unsafe request (POST, PUT, PATCH, DELETE) gets the CSRF token,
// found where the server put it: the XSRF-TOKEN cookie
// (CookieCsrfTokenRepository; with CSRFOptions.Cookie left empty, a cookie
// renamed with setCookieName, such as CSRF-TOKEN, is taken too and sent
// back in "X-" + its name), else <meta name="_csrf"> tags or a hidden
// _csrf input of Options.CSRF.Page ("/") or the login page, or a response
// header named like X-CSRF-TOKEN, or a JSON endpoint (CSRFOptions.Endpoint,
// else DefaultCSRFEndpoint under Options.CSRF.Page). It looks once per
// login, only when an unsafe request needs a token, and takes the token
// from the probe's page when that has one. A login whose page shows no
// token and for which no cookie holds one looks in the page's headers and
// at the endpoint before posting, so that it posts once.
//
// A page's token (masked by Spring, as rendered) goes in the form body of a
// url-encoded request and in the header the page names otherwise. A
// cookie's value goes raw in X-XSRF-TOKEN, which the plain and the
// single-page-application handlers accept; when the server refuses it (the
// default masking handler does), the client masks it itself (MaskCSRF) and
// keeps doing so. A 403, or for an anonymous caller a 401 or a redirect to
// the login page, to a request whose token was missing, stale or never
// accepted in its placement, makes it fetch the token again and replay the
// request once: the rejection happened before any handler ran. A 403 to a
// token that worked before is handed back as an authorization refusal.
//
// # Expired sessions
//
// Check reads every response: a 401, a redirect to the login page or to one
// of Options.ExpiredURLs (invalidSessionUrl, expiredUrl), Spring's "This
// session has been expired" answer to a session a newer login displaced,
// or a 200 that is the login form, means the server session is gone. The
// Session then logs in once, whatever the number of goroutines that saw
// it, and replays each request once: always for GET, HEAD, PUT and DELETE,
// and for POST and PATCH only when the answer proves the request never
// ran: it is the request's own answer (not one after a redirect), and one
// that Spring Security's filters give before any handler runs (a 401, the
// entry point's redirect to the bare login page, an ExpiredURLs redirect,
// a CSRF refusal). A redirect to /login?logout (a logout, or a handler
// that ended the session) is taken as it is, and a redirect to the login
// page with another query proves nothing: such a POST is not replayed.
// The response's Recoveries say what happened; docs/spring.md lists the
// answers and why.
//
// Requests that were in flight with the old session cookie get answers
// that set new, anonymous session cookies (the servlet container makes a
// session to save the request in). The Session ignores the cookies of
// those answers once a login has begun, and holds new requests back while
// it runs; a recovery also logs in on a new server session of its own.
//
// # HTTP Basic, and CSRF only
//
// Basic sends the credentials with every request, as Spring's httpBasic
// wants (it creates no session), and still sends the CSRF token with unsafe
// requests: Spring's CSRF filter runs before authentication. CSRF is for a
// Session that authenticates otherwise (limpet.Options.Auth, a client
// certificate): it only finds and sends tokens. For both, call
// Session.Login first to find the token before the first unsafe request;
// otherwise that request is sent without one, refused, and replayed.
//
// # Saving the session
//
// The Authenticator is a limpet.StateSaver: with limpet.Options.Store, the
// CSRF token and the login recipe (flow, user, login URL, form fields,
// probe, learned token placement; never the password) are saved with the
// cookies. A new process on the same store goes on without logging in
// while the server session lives, with the saved token.
//
// # Logging out
//
// Authenticator.Logout posts to Options.LogoutURL with the token, takes a
// 204 or a redirect as success, and clears the server's cookies and the
// token locally whatever the server answered.
//
// # Other back ends
//
// Options names everything a customised Spring Security configuration
// changes: the login page, processing URL and field names, the failure URL,
// extra fields, remember-me, the probe, the logout URL, the expired-session
// URLs and texts, the session cookie, and the CSRF cookie, header,
// parameter, page and endpoint. Custom login pages need only LoginPage:
// the processing URL and fields are read from their form.
//
// # Concurrency
//
// An Authenticator serves one Session and is safe for concurrent use, as
// limpet.Authenticator requires. While it logs in, logs out or recovers,
// requests of the Session wait before they are sent.
package spring
