// Package webform logs a limpet.Session in through an ordinary HTML login
// form, whatever the framework behind it (Django, Flask, Express, Rails,
// Laravel, Spring, ...), and through the login form of an identity
// provider the application sends its users to (single sign-on with OAuth2
// or OpenID Connect, such as Spring Security's oauth2Login() with
// Keycloak). It needs only a URL, a user and a password:
//
//	s, err := limpet.New(limpet.Options{
//		Authenticator: webform.Login("https://app.example.com/login", "alice", password, webform.Options{}),
//		Store:         filestore.Open("app.json", filestore.Options{}),
//	})
//
// # Logging in
//
// Login fetches the URL, following redirects (to another origin too: an
// identity provider), and picks the login form: among the forms with a
// password field, the one with a single password field and a user name
// field, preferring one whose id or action says login. The user name
// field is the input whose autocomplete says username (or email), else
// the text or email input before the password, else one whose name says
// user, login or mail (Options.UserField and PasswordField override the
// guess). Hidden inputs (the CSRF token among them) are kept; the form is
// posted, once, to its action resolved against the page (HTML-escaped
// actions included), without following the answer's redirect, which is
// then read:
//
//   - the login form again (any status), a redirect back to the login
//     page (or to a URL with an "error" parameter), or a 401 mean a wrong
//     user or password: a *limpet.LoginError whose Reason is
//     limpet.ErrBadCredentials (ErrBadCredentials), naming the URL;
//   - a 400, 403, 419 or 422 without the form means the CSRF token was
//     refused before the password was checked: the page is fetched again
//     and the form posted once more, once;
//   - a redirect elsewhere, or a page without the form, is a success once
//     the redirects end on a page that is not the login form (and, with
//     Options.Probe, once the probe answers 2xx without it).
//
// The password goes only to the origin of the URL, to Options.AllowOrigins,
// and to an identity provider when the application itself sent the client
// there with an OAuth2 authorization request (a client_id, response_type
// code, and a redirect_uri at the application's origin) and the form posts
// to the provider's own origin. A login that arrives back at the
// application without any form (the provider's session lives) is a
// success without a password.
//
// # CSRF tokens
//
// Strategies (Options.CSRF, DefaultStrategies) find the token: cookies
// echoed in a header (Django's csrftoken in X-CSRFToken, XSRF-TOKEN
// URL-decoded in X-XSRF-TOKEN, double-submit cookies such as csrf-csrf's),
// read from the jar for every request, so that they follow rotations; meta
// tags (csrf-token; Spring's _csrf with _csrf_header); hidden fields
// (csrfmiddlewaretoken, authenticity_token, _token, csrf_token, _csrf,
// __RequestVerificationToken). Page tokens are read again from the page
// the login ends on after every login (Django, Devise, Laravel and
// express-session change them at login) and kept per origin. Prepare adds
// the token to unsafe requests (POST, PUT, PATCH, DELETE) to the login's
// origin only: in its header, and in its field for a url-encoded body
// that lacks it. Add a Strategy (a StrategyFunc) for a framework the
// defaults miss. The same handling, without the login, is a piece for
// limpet.Chain: CSRF returns it (a limpet.CSRFStrategy), to put beside a
// login of another kind.
//
// # Expiry and refusals
//
// Check reads answers to requests to the login's origin:
//
//   - a 400, 403, 419 or 422 to an unsafe request, as its own answer, that
//     says csrf, xsrf, authenticity or token (or is Laravel's 419, or
//     Rails's empty 422), or that answers a request without the current
//     token: the token was refused and the request did not run
//     (limpet.CSRFRejected, NotExecuted). Recover reads the token again
//     from the page the login ended on, or logs in again when that page
//     shows the session gone; the Session then replays the request once.
//   - a redirect to a login page the login went through (or to the
//     identity provider), a 401, or a 200 HTML page with the login form:
//     the session is gone (limpet.SessionExpired). It counts as proof that
//     the request did not run (so that a POST is replayed after the new
//     login) only as the request's own answer, and for a redirect only
//     without a "logout" or "error" parameter.
//
// A login is Recover with limpet.NoSession (Session.Login asks for it).
// The password is the one given to Login, or what Options.Credentials
// give at the time of each login. The Session runs one login or recovery
// at a time for all its goroutines. With single sign-on, a new login after the application's
// session ended goes through the provider again, and needs no password
// while the provider's session lives.
//
// # State
//
// With limpet.Options.Store, what the login learned (its pages, the
// provider's origin, page tokens) is saved with the cookies
// (limpet.StateSaver, owner "webform"), never the password; a failed
// login saves none of it.
package webform
