// Package filestore is limpet's default session store: one JSON file per
// session (the store.Snapshot format), safe against crashes and against
// many processes saving the same session at once.
//
// # Where sessions live
//
// Under the configuration directory (DefaultDir: $LIMPET_CONFIG_DIR, else
// $XDG_CONFIG_HOME/limpet, else ~/.config/limpet on Linux), laid out as
// HTTPie lays out its sessions:
//
//	<dir>/sessions/<host>[_<port>]/<name>.json   names made by Key("localhost:8080", "shop")
//	<dir>/sessions/<name>.json                   plain names, not bound to a host
//
// Names match [a-zA-Z0-9_.-]+. A session at an explicit path is opened
// with Open.
//
//	st, err := filestore.New(filestore.Options{})
//	key, err := filestore.Key("localhost:8080", "shop")
//	snap, err := st.Load(ctx, key)
//
// # Saving from many processes
//
// Save takes an exclusive lock (a ".<name>.json.lock" file beside the
// session, via github.com/gofrs/flock), reads the file, merges the caller's
// snapshot into it with store.Merge, writes the result and returns it. When
// N processes save one session, the file ends up with every cookie any of
// them set (within the jar's limits, Options.MaxCookiesPerDomain and
// Options.MaxCookies), and deletions stay deleted. Update is the same with
// a function that edits the stored state directly.
//
// The lock is taken while waiting on the context: a cancelled context
// makes Save return without writing. Load takes no lock: files are
// replaced atomically, so a reader sees either the old or the new file.
//
// # When another process holds the lock
//
// A process that holds the lock for longer than a Save's context lets it
// wait (a long Update, a process stopped in a debugger) makes the Save
// fail with a *LockError (wrapping ErrLocked) that says so and names the
// lock file. Such a Save loses nothing: it keeps its snapshot in a pending
// file beside the session (".<name>.json.pending-<id>", 0600, the same
// format), which the next Save or Update of the session, by any process,
// merges in and removes, and which Load merges into what it returns.
// Delete removes pending files with the session; Reset moves them aside
// with it.
//
// # One login for processes sharing a session
//
// File.LockRecovery is a second lock, an flock on ".<name>.json.login"
// beside the session file, which a limpet Session holds while it logs in
// again (limpet.RecoveryLocker): of the processes that meet an expired
// server session at once, one logs in and the others wait, then adopt its
// session. The kernel releases the lock of a process that dies.
//
// # Crash safety
//
// A file is never written in place: the new content goes to a temporary
// file in the same directory, which is synced, renamed over the old file,
// and the directory is synced. A process killed at any point leaves either
// the old file or the new one, and at worst a temporary file that the next
// save removes.
//
// # Corrupt files
//
// A file that cannot be read or decoded gives a *FileError naming the file
// and the problem (for a bad file it wraps store.ErrCorrupt and a
// *store.FormatError locating it). Such a file is never overwritten or
// removed: Save fails until it is repaired, or until Reset moves it aside
// (to "<name>.json.reset-<time>") so that the next save starts afresh.
//
// # Secrets and permissions
//
// Session files hold cookies and tokens. Files are created 0600 and
// directories 0700. Passwords (the Secret of State entries) are left out
// of the files unless
// Options.SavePasswords is set. Session cookies are kept (set
// Options.DropSessionCookies to leave them out).
package filestore
