// Package frameworks runs the real web-framework login fixtures of interop/frameworks for Go tests: Django,
// Flask (Flask-Login, Flask-WTF), Express 5 with csrf-sync, Express 5 with csrf-csrf, Rails with Devise, and
// Laravel. Each is a small application built with the framework's own login view or helpers and its own CSRF
// protection; interop/frameworks/README.md says what each serves and how it behaves.
//
// The single sign-on fixture is a pair: Keycloak (the identity provider, realm "limpet") and a Spring Boot
// application whose login is Spring Security's oauth2Login() against it. [StartSSO] starts both.
//
// # Starting a server
//
//	srv := frameworks.Start(t, frameworks.Django)
//	resp, err := http.Get(srv.URL + frameworks.PagePath)
//
// Start runs interop/frameworks/start.sh, which picks a free loopback port. When the framework is not installed
// (interop/frameworks/setup.sh has not run), Start skips the test and names the command that installs it; when the
// environment variable LIMPET_INTEROP is "require" (as in CI), it fails the test instead.
//
// A package whose TestMain calls [Main] starts each fixture once and shares it between its tests (a start costs
// from a fraction of a second for Express to a few seconds for Rails); without Main every Start begins a server
// that t.Cleanup stops.
//
// # What every fixture serves
//
//	LoginPath(app)        the framework's login page (GET the form, POST the credentials)
//	GET  /page            a protected HTML page with a CSRF-protected form (anonymous: redirect to the login page)
//	GET  /api/me          a protected JSON endpoint, {"user": ...} (anonymous, asking for JSON: 401)
//	POST /api/count?key=K a CSRF-protected endpoint taking form or JSON bodies; each run adds one to counter K
//
// and, outside its login and CSRF protection, for loopback clients only:
//
//	GET  /test/info       the app, the instance id of this start, versions
//	GET  /test/counters   the counters ([Counters])
//	POST /test/expire-all ends every server session ([Server.ExpireAll])
//
// The users of every fixture are in interop/frameworks/testdata/users.txt ([LoadUsers]).
package frameworks
