package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/limpet-http/limpet/store"
)

// DefaultPrefix is the key prefix used when Options.Prefix is empty: the
// session "shop" is stored under the key "limpet:session:shop".
const DefaultPrefix = "limpet:session:"

// DefaultMaxRetries is how many times Save retries its transaction after
// another writer changed the key, when Options.MaxRetries is zero.
const DefaultMaxRetries = 200

// maxNameLen bounds session names, so that a key stays a reasonable size.
const maxNameLen = 512

// ErrConflict is wrapped by the error Save returns when other writers
// changed the key on every one of its attempts (see Options.MaxRetries).
// Nothing was written by that Save; retrying later is safe.
var ErrConflict = errors.New("redisstore: too many concurrent writers")

// Options configure a Store. The zero value is ready to use.
type Options struct {
	// Prefix is put before every session name to make its key; empty
	// means DefaultPrefix. List finds sessions by scanning for it, so
	// give each Store sharing a database its own prefix.
	Prefix string
	// TTL, when positive, makes a session expire TTL after its last Save
	// (each Save sets it again), so that abandoned sessions go away by
	// themselves. Zero means sessions never expire. Redis keeps the TTL
	// with a precision of one millisecond.
	TTL time.Duration
	// DropSessionCookies leaves session cookies (those without an expiry)
	// out of the stored value. By default they are saved.
	DropSessionCookies bool
	// SavePasswords stores the Secret of the snapshot's State entries
	// (the passwords their owners keep). By default they are left out, and
	// only the owners' Data (user name, where the password comes from) is
	// kept. Leave it off unless the Redis server
	// is as well protected as the passwords must be.
	SavePasswords bool
	// TombstoneTTL is passed to store.Merge; zero means
	// store.DefaultTombstoneTTL.
	TombstoneTTL time.Duration
	// MaxCookiesPerDomain and MaxCookies are passed to store.Merge: a save
	// keeps the stored session within the limits of the jars that share it
	// (zero means the jar's defaults, jar.NoLimit none). Set them to the
	// jar.Options of the same names when those are not the defaults.
	MaxCookiesPerDomain int
	MaxCookies          int
	// MaxRetries bounds how many times Save retries after another writer
	// changed the key between its read and its write; zero means
	// DefaultMaxRetries. Retries wait a short random time that grows up to
	// 20ms.
	MaxRetries int
	// LockTTL is how long the recovery lock (Session.LockRecovery) lasts
	// unless its holder renews it, which it does every LockTTL/3 while it
	// holds it: a holder that dies stalls the other processes at most this
	// long. Zero means DefaultLockTTL.
	LockTTL time.Duration
	// Clock returns the current time; nil means time.Now. It judges
	// expired cookies and old tombstones and stamps Meta times.
	Clock func() time.Time
}

func (o Options) now() time.Time {
	if o.Clock != nil {
		return o.Clock()
	}
	return time.Now()
}

// Error is the error for a session key that cannot be read, decoded or
// written. It names the key; for a value that cannot be decoded it wraps
// store.ErrCorrupt and a *store.FormatError saying where the problem is.
// Such a value is never overwritten: Save fails until it is repaired or
// deleted.
type Error struct {
	// Op is what failed: "load", "save", "delete", "list" or "ttl".
	Op string
	// Key is the Redis key (empty for "list").
	Key string
	// Err is the problem.
	Err error
}

// Error returns "redisstore: <op> <key>: <problem>".
func (e *Error) Error() string {
	msg := "redisstore: " + e.Op
	if e.Key != "" {
		msg += " " + e.Key
	}
	msg += ": "
	if errors.Is(e.Err, store.ErrCorrupt) {
		msg += "the value is not a valid session (left unchanged; repair or delete it): "
	}
	return msg + e.Err.Error()
}

// Unwrap returns the problem.
func (e *Error) Unwrap() error { return e.Err }

// Store is a store.Store that keeps each session as one Redis string, the
// JSON form of store.Snapshot (store/FORMAT.md), under the key Prefix+name.
//
// A Store is safe for concurrent use by multiple goroutines, and any number
// of processes on any number of hosts may use the same keys at once: Save
// is an optimistic transaction (WATCH the key, GET it, merge with
// store.Merge, MULTI/SET/EXEC) that starts again when another writer
// changed the key in between, so concurrent Saves never lose each other's
// cookies. Load is a single GET and sees one whole saved state.
//
// A Store keeps the Session of every name it was asked about, each with the
// last value it read or wrote decoded (so that a Save after its own Save
// does not decode again): a long-lived process that touches very many names
// should use a Store per batch of work.
type Store struct {
	client redis.UniversalClient
	opts   Options
	prefix string
	owned  bool // the client is the Store's own (OpenStore): Close closes it

	mu       sync.Mutex          // guards sessions
	sessions map[string]*Session // by name, so that their caches are reused
}

var _ store.Store = (*Store)(nil)

// New returns a Store that keeps sessions in client. The Store does not
// close client.
func New(client redis.UniversalClient, opts Options) *Store {
	p := opts.Prefix
	if p == "" {
		p = DefaultPrefix
	}
	return &Store{client: client, opts: opts, prefix: p, sessions: map[string]*Session{}}
}

// Prefix returns the key prefix the Store uses.
func (s *Store) Prefix() string { return s.prefix }

// Key returns the Redis key of the session called name.
func (s *Store) Key(name string) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	return s.prefix + name, nil
}

// ValidName reports whether name is a valid session name: 1 to 512 bytes
// of UTF-8 without spaces or control characters.
func ValidName(name string) error {
	switch {
	case name == "":
		return errors.New("redisstore: empty session name")
	case len(name) > maxNameLen:
		return fmt.Errorf("redisstore: session name of %d bytes is too long (at most %d)", len(name), maxNameLen)
	case !utf8.ValidString(name):
		return fmt.Errorf("redisstore: invalid session name %q: not UTF-8", name)
	}
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("redisstore: invalid session name %q: character %q is not allowed", name, r)
		}
	}
	return nil
}

// Session returns the Session called name, which satisfies
// limpet.SessionStore. The same *Session is returned for the same name.
func (s *Store) Session(name string) (*Session, error) {
	key, err := s.Key(name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.sessions[name]
	if !ok {
		ss = &Session{st: s, name: name, key: key}
		s.sessions[name] = ss
	}
	return ss, nil
}

// Load returns the session called name. See Session.Load.
func (s *Store) Load(ctx context.Context, name string) (store.Snapshot, error) {
	ss, err := s.Session(name)
	if err != nil {
		return store.Snapshot{}, err
	}
	return ss.Load(ctx)
}

// Save merges snap into the session called name and returns the merged
// state. See Session.Save.
func (s *Store) Save(ctx context.Context, name string, snap store.Snapshot) (store.Snapshot, error) {
	ss, err := s.Session(name)
	if err != nil {
		return store.Snapshot{}, err
	}
	return ss.Save(ctx, snap)
}

// Delete removes the session called name. See Session.Delete.
func (s *Store) Delete(ctx context.Context, name string) error {
	ss, err := s.Session(name)
	if err != nil {
		return err
	}
	return ss.Delete(ctx)
}

// List returns the names of the stored sessions, sorted: every key that
// starts with the prefix (found with SCAN, on every master of a cluster),
// without the prefix. Keys whose rest is not a valid name are left out.
//
// SCAN does not see a consistent picture: a session saved or deleted while
// List runs may or may not be listed.
func (s *Store) List(ctx context.Context) ([]string, error) {
	match := globEscape(s.prefix) + "*"
	seen := map[string]bool{}
	var mu sync.Mutex // guards seen: cluster masters are scanned concurrently
	scan := func(ctx context.Context, c redis.Cmdable) error {
		it := c.Scan(ctx, 0, match, 1000).Iterator()
		for it.Next(ctx) {
			name := strings.TrimPrefix(it.Val(), s.prefix)
			if ValidName(name) == nil {
				mu.Lock()
				seen[name] = true
				mu.Unlock()
			}
		}
		return it.Err()
	}
	var err error
	if cc, ok := s.client.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, s.client)
	}
	if err != nil {
		return nil, &Error{Op: "list", Err: err}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

// globEscape escapes the glob metacharacters of SCAN's MATCH in s.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Session is one session of a Store: what limpet.Options.Store takes for a
// session kept in Redis.
//
// A Session is safe for concurrent use by multiple goroutines, and any
// number of processes may use the same key at once (see Store).
type Session struct {
	st   *Store
	name string
	key  string

	mu        sync.Mutex // guards the cache
	cacheRaw  []byte     // the value as last read or written
	cacheSnap store.Snapshot
	owned     redis.UniversalClient // closed by Close; set by Open
}

// Name returns the session's name.
func (s *Session) Name() string { return s.name }

// Key returns the session's Redis key.
func (s *Session) Key() string { return s.key }

// decode returns the snapshot in raw, reusing the cache when raw is the
// value last seen.
func (s *Session) decode(raw []byte) (store.Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cacheRaw != nil && string(raw) == string(s.cacheRaw) {
		return s.cacheSnap, nil
	}
	snap, err := store.Parse(raw)
	if err != nil {
		return store.Snapshot{}, err
	}
	s.cacheRaw, s.cacheSnap = raw, snap
	return snap, nil
}

// Load returns the stored session. The error wraps store.ErrNotFound when
// the key does not exist; it is an *Error wrapping store.ErrCorrupt when
// the value cannot be decoded, and the value is left as it is.
func (s *Session) Load(ctx context.Context) (store.Snapshot, error) {
	raw, err := s.st.client.Get(ctx, s.key).Bytes()
	if errors.Is(err, redis.Nil) {
		return store.Snapshot{}, &Error{Op: "load", Key: s.key, Err: store.ErrNotFound}
	}
	if err != nil {
		return store.Snapshot{}, &Error{Op: "load", Key: s.key, Err: err}
	}
	snap, err := s.decode(raw)
	if err != nil {
		return store.Snapshot{}, &Error{Op: "load", Key: s.key, Err: err}
	}
	return snap.Clone(), nil
}

// Save merges snap into the stored session with store.Merge and stores the
// result in one transaction, which starts again (up to Options.MaxRetries
// times) when another writer changed the key after it was read. It returns
// the merged state: what every writer that saved so far agrees on, which
// the caller should adopt. With Options.TTL the key expires TTL after this
// Save.
//
// Meta.Updated is set to the time of the save, Meta.Created and
// Meta.Limpet when they are empty. With DropSessionCookies the stored value
// leaves session cookies out, but the returned state keeps snap's session
// cookies; without SavePasswords the stored value leaves passwords out, and
// the returned state keeps snap's.
//
// A stored value that cannot be decoded makes Save fail with an *Error
// wrapping store.ErrCorrupt; nothing is written. When other writers won
// every attempt, the error wraps ErrConflict and nothing is written.
func (s *Session) Save(ctx context.Context, snap store.Snapshot) (store.Snapshot, error) {
	opts := s.st.opts
	return s.modify(ctx, "save", func(disk store.Snapshot, now time.Time) (store.Snapshot, error) {
		return store.Merge(disk, snap, store.MergeOptions{Now: now, TombstoneTTL: opts.TombstoneTTL,
			MaxCookiesPerDomain: opts.MaxCookiesPerDomain, MaxCookies: opts.MaxCookies}), nil
	})
}

// Update reads the stored session (empty when there is none), calls fn with
// a copy of it, and stores what fn left, in one optimistic transaction like
// Save's: when another writer changed the key meanwhile, fn is called again
// with the new value. When fn returns an error nothing is written and that
// error is returned. Update is for changes that must see the current state
// (a logout that clears the session); Save is the usual way to store one.
func (s *Session) Update(ctx context.Context, fn func(*store.Snapshot) error) (store.Snapshot, error) {
	return s.modify(ctx, "update", func(disk store.Snapshot, _ time.Time) (store.Snapshot, error) {
		c := disk.Clone()
		if err := fn(&c); err != nil {
			return store.Snapshot{}, &fnError{err}
		}
		return c, nil
	})
}

// fnError carries the error of Update's fn out of the transaction.
type fnError struct{ err error }

func (e *fnError) Error() string { return e.err.Error() }

// modify runs change on the stored value in an optimistic transaction.
func (s *Session) modify(ctx context.Context, op string, change func(disk store.Snapshot, now time.Time) (store.Snapshot, error)) (store.Snapshot, error) {
	fail := func(err error) (store.Snapshot, error) {
		var fe *fnError
		if errors.As(err, &fe) {
			return store.Snapshot{}, fe.err
		}
		return store.Snapshot{}, &Error{Op: op, Key: s.key, Err: err}
	}
	opts := s.st.opts
	retries := opts.MaxRetries
	if retries <= 0 {
		retries = DefaultMaxRetries
	}
	var (
		raw       []byte
		next, out store.Snapshot
	)
	delay := 100 * time.Microsecond
	for attempt := 0; ; attempt++ {
		err := s.st.client.Watch(ctx, func(tx *redis.Tx) error {
			var disk store.Snapshot
			cur, err := tx.Get(ctx, s.key).Bytes()
			switch {
			case errors.Is(err, redis.Nil):
			case err != nil:
				return err
			default:
				if disk, err = s.decode(cur); err != nil {
					return err
				}
			}
			now := opts.now()
			if next, err = change(disk, now); err != nil {
				return err
			}
			store.Stamp(&next, now)
			out = next
			if opts.DropSessionCookies {
				out = out.WithoutSessionCookies()
			}
			if !opts.SavePasswords {
				out = out.WithoutPasswords()
			}
			if raw, err = store.Marshal(out); err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, s.key, raw, max(opts.TTL, 0))
				return nil
			})
			return err
		}, s.key)
		if err == nil {
			break
		}
		if !errors.Is(err, redis.TxFailedErr) {
			return fail(err)
		}
		if attempt >= retries {
			return fail(fmt.Errorf("%w: the key changed during each of %d attempts", ErrConflict, attempt+1))
		}
		t := time.NewTimer(delay/2 + rand.N(delay))
		select {
		case <-ctx.Done():
			t.Stop()
			return fail(ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, 20*time.Millisecond)
	}
	// out and next may share memory with snap (Merge does not copy); the
	// cache and the caller each get their own copy.
	s.mu.Lock()
	s.cacheRaw, s.cacheSnap = raw, out.Clone()
	s.mu.Unlock()
	return next.Clone(), nil
}

// Delete removes the session's key. The error wraps store.ErrNotFound when
// there is none.
func (s *Session) Delete(ctx context.Context) error {
	n, err := s.st.client.Del(ctx, s.key).Result()
	if err != nil {
		return &Error{Op: "delete", Key: s.key, Err: err}
	}
	if n == 0 {
		return &Error{Op: "delete", Key: s.key, Err: store.ErrNotFound}
	}
	return nil
}

// TTL returns how long the session's key has left before it expires, and
// false when the key has no expiry. The error wraps store.ErrNotFound when
// there is no key.
func (s *Session) TTL(ctx context.Context) (time.Duration, bool, error) {
	d, err := s.st.client.PTTL(ctx, s.key).Result()
	if err != nil {
		return 0, false, &Error{Op: "ttl", Key: s.key, Err: err}
	}
	switch d { // go-redis passes Redis's -2 and -1 through unscaled
	case -2:
		return 0, false, &Error{Op: "ttl", Key: s.key, Err: store.ErrNotFound}
	case -1:
		return 0, false, nil
	}
	return d, true, nil
}

// Close closes the Redis client when the Session was made by Open, and
// does nothing otherwise. A Session made by Open must not be used after
// Close.
func (s *Session) Close() error {
	if s.owned == nil {
		return nil
	}
	if err := s.owned.Close(); err != nil {
		return fmt.Errorf("redisstore: close: %w", err)
	}
	return nil
}

// Open connects to the Redis server at rawURL and returns its session
// called name, with a client of its own that Close closes. rawURL is a
// redis:// or rediss:// (TLS) URL as redis.ParseURL reads it:
//
//	redis://[[user]:password@]host[:port][/db][?dial_timeout=3s&...]
//
// Open does not connect: the first Load or Save does.
func Open(rawURL, name string, opts Options) (*Session, error) {
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, password included
		}
		return nil, fmt.Errorf("redisstore: %s: %w", redactURL(rawURL), err)
	}
	c := redis.NewClient(ro)
	ss, err := New(c, opts).Session(name)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	ss.owned = c
	return ss, nil
}

// redactURL returns rawURL without its password, for error messages.
func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}
