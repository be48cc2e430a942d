// Package springserver runs the real Spring Security fixture of interop/spring for Go tests.
//
// The fixture is a Spring Boot application built twice by interop/spring/build.sh: against Spring Boot 3.5.7
// (Spring Security 6.5, version "boot3") and Spring Boot 4.0.7 (Spring Security 7.0, version "boot4"). A profile
// names one security set-up of the scenarios interop/spring/README.md lists, with the profiles. Some profiles
// have a JVM of their own ("default", "secure", "timeout"); the others are connectors (ports) of one shared "chains"
// JVM, so a test of many set-ups costs one JVM start per version.
//
// # The configuration matrix
//
// Profile "matrix" ([MatrixProfile]) is a JVM of its own serving dozens of generated security set-ups (cells), one
// connector (port) each: CSRF repository × request handler × login kind × failure answer × expiry answer × session
// management, a covering selection of the possible combinations made by the fixture's Java code. [Server.Cells]
// describes them ([Cell]: name, dimension values, base URL, login page and URL, field names, where the token lives)
// from the fixture's ready file, so the Java matrix is the single source of truth; [Cell.Counters] and
// [Cell.ExpireAll] read a cell's counters and end all its sessions:
//
//	srv := springserver.Start(t, springserver.Boot4, springserver.MatrixProfile)
//	for _, cell := range srv.Cells() {
//		// cell.URL, cell.Login, cell.HasLoginPage(), cell.LoginURL, ...
//	}
//
// # Starting a server
//
//	srv := springserver.Start(t, springserver.Boot4, "default")
//	resp, err := http.Get(srv.URL + "/api/me")
//
// When the jar of the version has not been built, Start skips the test and names the command that builds it;
// when the environment variable LIMPET_INTEROP is "require" (as in CI), it fails the test instead. The same rule
// applies when no Java runtime is found.
//
// # Sharing JVMs between tests
//
// A JVM start costs seconds. A package whose TestMain calls [Main] shares one JVM per (version, JVM) between all
// its tests and stops them when the tests are done:
//
//	func TestMain(m *testing.M) { os.Exit(springserver.Main(m)) }
//
// Without Main, or with the [Dedicated] option, every Start begins a JVM that t.Cleanup stops. Tests that change
// server-wide state (a [Server.Restart], sessions they expect nobody else to touch) should use Dedicated.
//
// # Test-only endpoints
//
// Every profile serves, outside its security chain (no login, no CSRF token):
//
//	GET  /test/info                 ports, versions and security chains, as JSON
//	POST /test/expire-session       invalidates the session of the request's JSESSIONID
//	POST /test/session-ttl?s=N      sets that session's idle timeout to N seconds
//	GET  /test/session-ttl          that session's idle timeout in seconds
//	GET  /test/echo-count?key=K     executions of POST /api/echo?key=K (key defaults to "default")
//	POST /test/echo-reset?key=K     resets that counter
//	GET  /test/auth-count?user=U    successful authentications of user U
//	POST /test/auth-reset?user=U    resets that counter
//	POST /test/session-attr?value=V stores V in the request's session (creating one)
//	GET  /test/session-attr         the value stored there; 404 without
//
// and the matrix profile also (on the control port with ?cell=NAME, or on a cell's own port):
//
//	GET  /test/matrix               every cell, as in the ready file
//	POST /test/matrix/expire        ends every session of every cell, revokes every bearer token
//	GET  /test/cell                 the cell
//	GET  /test/cell/counters        the cell's counters (CellCounters)
//	GET  /test/cell/posts?key=K     executions of the cell's POST /api/items with key K
//	POST /test/cell/expire          ends every session of the cell, revokes its bearer tokens
//	POST /test/cell/reset           sets the cell's counters to zero
package springserver
