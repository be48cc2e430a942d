// Package httpiesession reads and writes HTTPie session files, so that a
// session moves between HTTPie (and xh) and limpet in both directions.
//
// # Importing an HTTPie session
//
// Import turns a session file into a store.Snapshot that a limpet session
// can load or a store can save:
//
//	data, _ := os.ReadFile(filepath.Join(httpieDir, "sessions", "localhost_8080", "shop.json"))
//	snap, err := httpiesession.Import(data, httpiesession.ImportOptions{Host: "localhost"})
//
// Both layouts are read: the list-shaped cookies (HTTPie 3.1.0+) and
// headers (3.2.0+), and the older dict shapes. "localhost.local", which
// HTTPie writes for localhost cookies, becomes "localhost". Cookies an old
// file binds to no host are bound to ImportOptions.Host.
//
// # Exporting a limpet session for HTTPie
//
// Export and File.Marshal write a file HTTPie uses with --session, byte for
// byte in HTTPie's own layout (4-space indent, sorted keys, ASCII escapes,
// a final newline):
//
//	f, err := httpiesession.Export(snap, httpiesession.ExportOptions{})
//	data, err := f.Marshal()
//
// The format cannot hold HttpOnly, SameSite, Partitioned or host-only
// cookies (HTTPie sends every bound cookie to subdomains too); those are
// lost on export.
//
// # Credentials
//
// HTTPie keeps passwords and tokens in plain text in its session files.
// Export writes them only with ExportOptions.Credentials; write such a file
// with mode 0600 and keep it out of backups and synced folders. Import reads
// them into the session's authentication settings (the State entry
// "sessionauth", which the command-line tool's -a keeps too): the password
// in the entry's Secret, which the file store does not write unless asked
// (filestore.Options.SavePasswords); a bearer token is kept, as tokens are,
// in files only their owner can read.
//
// # Round trips
//
// Parse and Marshal keep what they do not know: unknown top-level,
// "__meta__", "auth" and cookie members are written back as they were, and
// a file in the old dict shapes is written back in those shapes (with the
// "domain" member HTTPie 3 adds).
package httpiesession
