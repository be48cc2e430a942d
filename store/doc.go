// Package store defines how limpet sessions persist: the Store interface,
// the versioned JSON snapshot format every store writes, and the merge that
// lets several processes share one session without losing each other's
// cookies.
//
// # Saving and restoring a session
//
// A Snapshot holds everything a session needs to go on where it stopped:
// every cookie with all its attributes (session cookies too), the default
// headers, and the state of each piece of the session. A session saves one
// with Store.Save and restores it with Store.Load; jar cookies convert with
// CookiesFromJar and Snapshot.JarCookies:
//
//	snap.Cookies = store.CookiesFromJar(j.Snapshot())
//	merged, err := st.Save(ctx, "shop", snap)
//	...
//	err = j.Restore(merged.JarCookies())
//
// The file store (package filestore) is the default Store; Memory keeps
// snapshots in memory for tests and single-process programs.
//
// # State owned by the pieces of a session
//
// A login, a CSRF strategy or a token source that must remember something
// between processes keeps it in Snapshot.State, under its owner name (its
// package, as "spring", or package and name, as "token/api"): a State with
// a version and a time, and JSON data the owner defines. This package never
// reads that data, and knows nothing of Spring, Tomcat, tokens or any other
// piece: it saves, merges (per owner, the later Updated wins) and restores
// the entries. Owners use SetState, LookupState and RemoveState.
//
// Files of earlier releases kept the state of some pieces in top-level
// members of their own ("auth", "tokens", "csrf", "login"). This package
// reads them as unknown members, in Extra, like any other. Converting them
// is the owner's job: read the old member when there is no entry yet, then
// keep the entry and remove the member with RemoveExtra, so that the next
// save writes the entry only (see the example of Snapshot.SetState).
//
// # Sharing a session between processes
//
// Save does not overwrite: it merges what the caller has with what is
// stored (Merge), so that when several processes save the same session the
// result holds every cookie any of them set. Per cookie, the copy with the
// later Updated time wins. Deletions are recorded as tombstones (see
// TombstoneFor, which turns a jar's deletion notices into tombstones) so
// that a process still holding an old copy cannot bring a deleted cookie
// back; a jar reports a server's deletion even of a cookie it evicted or
// never had, so that none is lost. Merge also keeps the state within a
// jar's limits (see MergeOptions), so that a session shared by many
// processes does not grow past what a jar loads. Save returns the merged
// state for the caller to adopt.
//
// # The snapshot format
//
// Marshal and Parse convert snapshots to and from JSON with encoding/json;
// FORMAT.md beside this file describes every member. The format is versioned
// (FormatVersion); members a newer limpet adds are kept in Extra maps and
// written back, so that an older limpet sharing the file loses nothing.
// Parse reports a bad file with a *FormatError that says where the problem
// is and wraps ErrCorrupt.
//
// # Secrets
//
// Cookies and tokens are secrets, and so is a password an owner keeps in
// its State's Secret. Nothing in this package logs a snapshot. The file
// store writes files only their owner can read and leaves the Secret of
// every State out unless asked to keep passwords (WithoutPasswords). State
// Data is saved as its owner gave it, so owners keep passwords out of it.
package store
