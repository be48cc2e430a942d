// Package tomcatserver runs a real Apache Tomcat 10 (Debian's tomcat10,
// tomcat10-examples and tomcat10-admin packages) for tests that exercise
// container FORM login, session expiry and the manager's CSRF nonce.
//
// # Starting Tomcat in a test
//
// A test calls [Start]; it gets a running server whose URL is
// http://127.0.0.1:PORT on a port Tomcat chose itself:
//
//	srv := tomcatserver.Start(t)
//	resp, err := http.Get(srv.URL + tomcatserver.ExamplesPath + tomcatserver.ProtectedPage)
//
// When the package's TestMain hands control to [Run], one Tomcat is started
// on the first call to Start and shared by every test of the binary, then
// stopped when the tests end:
//
//	func TestMain(m *testing.M) { os.Exit(tomcatserver.Run(m)) }
//
// Without Run, each Start starts its own Tomcat and stops it in the test's
// cleanup.
//
// # When Tomcat is not installed
//
// Start skips the test, naming the set-up command (interop/tomcat/setup.sh),
// unless the environment variable LIMPET_INTEROP is "require": then a missing
// Tomcat fails the test. CI sets it, so that the interop proofs cannot
// silently stop running.
//
// # What the server holds
//
// The server is built by interop/tomcat/start.sh; interop/tomcat/README.md
// lists its web applications, its users and the behaviour the tests observed.
// The users are the constants of this package ([ExamplesUser],
// [ManagerScriptUser], ...).
//
// # Sessions and parallel tests
//
// [Server.ExpireSessions] expires every session of a web application, those
// of other tests included. Tests that share a server and depend on their
// sessions surviving must therefore not run in parallel with tests that
// expire sessions of the same context.
package tomcatserver
