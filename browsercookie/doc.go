// Package browsercookie imports the cookies of a Chromium, Chrome or
// Firefox profile on Linux into limpet's jar types, so that a program can
// carry on with a login made in the browser: a single sign-on page with a
// captcha, a second factor, a hardware key, anything a script cannot do.
//
//	res, err := browsercookie.Read(ctx, browsercookie.Options{
//		Browser: browsercookie.Firefox,
//		Domains: []string{"app.example.com"},
//	})
//	if err != nil { ... }
//	j := jar.New(jar.Options{})
//	for _, c := range res.JarCookies() {
//		j.Put(c)
//	}
//	s, err := limpet.New(limpet.Options{Jar: j})
//
// The command line does the same with
//
//	limpet session import localhost_8080/app --from firefox
//
// after which "limpet --session=app :8080/..." sends the browser's cookies.
//
// # Profiles
//
// Options.Profile empty means the browser's default profile: the last used
// one for Chromium ("Local State"), the one profiles.ini makes the default
// for Firefox. Profiles are looked for where the browsers keep them:
// ~/.config/chromium, ~/.config/google-chrome, ~/.mozilla/firefox and
// ~/.config/mozilla/firefox (newer Firefox releases), and their Snap and
// Flatpak counterparts; FindProfiles lists them. A profile can also be
// named, or given as a path. When none matches, the error lists those
// found.
//
// # Reading a database a browser holds
//
// Read never opens the browser's files with SQLite. It copies the database
// and its journal or write-ahead log to a new folder only the user can
// enter, reads the copy and removes it: a running browser keeps its
// database locked, and a running Firefox keeps new cookies in
// cookies.sqlite-wal for a while, where a reader of the main file alone
// would miss them. SQLite (github.com/ncruces/go-sqlite3, pure Go, so that
// CGO_ENABLED=0 builds work) replays the log on the copy.
//
// # Chromium and Chrome
//
// Values are encrypted with AES-128-CBC. "v10" values use a key derived
// from a fixed password (Chromium run with --password-store=basic, or
// without a keyring); "v11" values one derived from a random password that
// Chromium keeps in the desktop keyring as "Chromium Safe Storage" ("Chrome
// Safe Storage"). Read gets that password through the freedesktop.org
// Secret Service on the D-Bus session bus, only when a cookie to import
// needs it; Options.SafeStoragePassword replaces the lookup (for KWallet,
// or a password saved with `secret-tool lookup application chromium`). A
// locked or unreachable keyring is an error wrapping ErrKeyring that says
// how to unlock it.
//
// From database version 24 on, a decrypted value starts with SHA-256 of
// its row's host. Read checks it and skips a value that fails (counted in
// Skipped.HostCheck) instead of returning bytes that are not the cookie;
// values that no key decrypts are counted in Skipped.Undecryptable.
//
// Column by column: expires_utc and the other times are µs since
// 1601-01-01 UTC; samesite -1 (unspecified), 0 (None), 1 (Lax), 2 (Strict);
// is_persistent 0 is a session cookie, which Chromium writes too; a
// host_key with a leading dot is a domain cookie, without one a host-only
// cookie; source_scheme goes to Cookie.SourceScheme; a cookie with a
// top_frame_site_key is partitioned (CHIPS) and imported only when the
// partition is its own site.
//
// # Firefox
//
// moz_cookies values are stored in clear. expiry is in milliseconds from
// schema 16 on, in seconds before; sameSite is 0 (None), 1 (Lax), 2
// (Strict) or 256 (unset); a host with a leading dot is a domain cookie.
// Firefox does not write session cookies. Cookies of container tabs and
// private windows, and those partitioned under another site, are skipped
// (Skipped.OtherPartition).
//
// # Versions
//
// ChromiumNewestSchema and FirefoxNewestSchema are the newest database
// versions checked. Chromium's databases say which older code can read
// them; one that this package cannot read is refused with ErrSchemaTooNew
// naming the version. A newer database that can be read is read, with a
// warning in Result.Warnings.
//
// # Security
//
// Cookie values are credentials: Read keeps them in memory only, removes
// its private copy of the database before returning, and never puts a
// value in an error. Show them masked. The session files limpet writes are
// readable by their owner only.
package browsercookie
