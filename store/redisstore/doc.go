// Package redisstore keeps limpet sessions in Redis, so that a fleet of
// workers on many hosts shares named sessions: one Redis string per session
// holding its JSON form (the store.Snapshot format of store/FORMAT.md),
// under the key Prefix+name ("limpet:session:shop" by default).
//
// # Using a session from a worker
//
// Open connects with a redis:// (or rediss:// for TLS) URL and returns the
// session, which limpet.Options.Store takes:
//
//	ss, err := redisstore.Open("redis://:secret@10.0.0.5:6379/0", "shop", redisstore.Options{TTL: 24 * time.Hour})
//	defer ss.Close()
//	s, err := limpet.New(limpet.Options{Store: ss})
//
// With a client of your own (a *redis.Client, *redis.ClusterClient or
// failover client), New makes a Store and Store.Session the per-session
// value; the Store also implements store.Store (Load, Save, Delete and List
// by name). Names are 1 to 512 bytes of UTF-8 without spaces or control
// characters; "localhost_8080/shop" (filestore.Key's form) works too.
//
// # Saving from many processes and hosts
//
// Save is an optimistic transaction: WATCH the key, GET it, merge the
// caller's snapshot into it with store.Merge, then MULTI, SET, EXEC. When
// another writer changed the key in between, EXEC fails and Save starts
// again after a short random wait, at most Options.MaxRetries times (then
// the error wraps ErrConflict and nothing was written). So when N workers
// save one session at once, the stored value ends up with every cookie any
// of them set and deletions stay deleted, exactly as with the file store.
// Save returns the merged state, which a limpet Session adopts.
//
// Load is one GET: it sees a whole saved state, never a partial one. Store
// and Session values are safe for concurrent use by multiple goroutines.
//
// # One login for a fleet
//
// Session.LockRecovery is the recovery lock a limpet Session holds while it
// logs in again (limpet.RecoveryLocker), so that of the workers meeting an
// expired server session one logs in and the others adopt its session: a
// key set to a random token with an expiry (Options.LockTTL), renewed while
// held, deleted only by its holder, whose release wakes the waiters through
// pub/sub. The lock key shares the session key's cluster hash slot.
//
// # Opening by URL
//
// OpenStore (and store.Open, once this package is imported) opens a Store
// from a redis:// or rediss:// URL, with prefix, ttl, lock_ttl and
// cluster=1&addr=... parameters of this package's own; Store.Close closes
// its client.
//
// # Expiry
//
// With Options.TTL each Save sets the key to expire TTL later, so sessions
// no worker uses any more go away by themselves; Session.TTL reports what
// is left. Without it keys never expire.
//
// # Listing and deleting
//
// List finds the sessions with SCAN over the prefix (on every master of a
// cluster); it is not a snapshot of one instant. Delete removes a key; for
// a missing session both Delete and Load return an error wrapping
// store.ErrNotFound.
//
// # Corrupt values
//
// A value that cannot be decoded gives an *Error naming the key and
// wrapping store.ErrCorrupt (and a *store.FormatError locating the
// problem). It is never overwritten: Save fails until the value is
// repaired or the key deleted.
//
// # Security
//
// The values hold session cookies and tokens, which let anyone who reads
// them act as the session's user. Run Redis on a private network, require
// authentication (AUTH, ACL users: put user and password in the URL) and
// use TLS (rediss://) when the traffic leaves the host. Passwords
// (the Secret of State entries) are left out of the stored values unless
// Options.SavePasswords is set; session cookies are kept unless
// Options.DropSessionCookies is set.
package redisstore
