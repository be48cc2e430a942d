package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// Opener opens the Store a URL names, for one URL scheme. u is the parsed
// URL; raw is the URL as given (a plain path for the file store).
type Opener func(ctx context.Context, u *url.URL, raw string) (Store, error)

var (
	openersMu sync.RWMutex // guards openers
	openers   = map[string]Opener{}
)

// Register makes Open handle URLs of scheme ("file", "redis") with open.
// The store packages register their schemes when imported: package
// filestore registers "file" (and plain paths), package redisstore
// "redis" and "rediss". Open lives here and the stores register with it
// (as database/sql drivers do) because the stores import this package, so
// this package cannot import them. Register panics when scheme is empty
// or already registered.
func Register(scheme string, open Opener) {
	scheme = strings.ToLower(scheme)
	openersMu.Lock()
	defer openersMu.Unlock()
	if scheme == "" || open == nil {
		panic("store: Register with an empty scheme or a nil Opener")
	}
	if _, dup := openers[scheme]; dup {
		panic("store: Register called twice for scheme " + scheme)
	}
	openers[scheme] = open
}

// Schemes returns the URL schemes Open handles, sorted.
func Schemes() []string {
	openersMu.RLock()
	defer openersMu.RUnlock()
	s := make([]string, 0, len(openers))
	for k := range openers {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// ErrUnknownScheme is wrapped by the error of Open for a URL whose scheme no
// imported store package registered.
var ErrUnknownScheme = errors.New("store: unknown store URL scheme")

// Open returns the Store rawURL names:
//
//	file:/home/me/.config/limpet     a file store in that configuration directory
//	file:relative/dir, ./dir, /dir   the same, from a plain path
//	redis://[[user]:password@]host[:port][/db][?prefix=...&ttl=24h]
//	rediss://...                     Redis over TLS
//
// The store packages register their schemes when they are imported, so a
// program imports those it wants Open to know, for their side effect:
//
//	import (
//		_ "github.com/limpet-http/limpet/store/filestore"
//		_ "github.com/limpet-http/limpet/store/redisstore"
//	)
//
// A rawURL without a scheme (or a one-letter one, a Windows drive) is a
// path, opened with the "file" opener. The Store returned may hold a
// connection: when it implements io.Closer, close it when done (see
// Close). Errors never show the URL's password.
func Open(ctx context.Context, rawURL string) (Store, error) {
	if rawURL == "" {
		return nil, errors.New("store: empty store URL")
	}
	scheme, u := "file", (*url.URL)(nil)
	if i := strings.Index(rawURL, ":"); i > 1 && validScheme(rawURL[:i]) {
		p, err := url.Parse(rawURL)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // its message repeats the URL, password included
			}
			return nil, fmt.Errorf("store: store URL %s: %w", Redacted(rawURL), err)
		}
		scheme, u = strings.ToLower(p.Scheme), p
	} else {
		u = &url.URL{Path: rawURL}
	}
	openersMu.RLock()
	open := openers[scheme]
	openersMu.RUnlock()
	if open == nil {
		known := strings.Join(Schemes(), ", ")
		if known == "" {
			known = "none: import a store package, such as store/filestore"
		}
		return nil, fmt.Errorf("%w %q in %s (registered: %s)", ErrUnknownScheme, scheme, Redacted(rawURL), known)
	}
	return open(ctx, u, rawURL)
}

// validScheme reports whether s is a URL scheme (RFC 3986: a letter, then
// letters, digits, '+', '-' and '.').
func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// Redacted returns rawURL with its password masked, for messages; a URL
// that does not parse is shown as "(invalid URL)" unless it has no user
// information.
func Redacted(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		if strings.Contains(rawURL, "@") {
			return "(invalid URL)"
		}
		return rawURL
	}
	return u.Redacted()
}

// Close closes st when it holds resources (a Store from Open of a redis://
// URL holds a connection pool), and does nothing otherwise.
func Close(st Store) error {
	if c, ok := st.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// Bound is one named session of a Store, as a limpet Session keeps it
// (limpet.Options.Store takes one): Load and Save without the name.
type Bound interface {
	Load(ctx context.Context) (Snapshot, error)
	Save(ctx context.Context, s Snapshot) (Snapshot, error)
}

// Binder is implemented by Stores that have a value of their own for one
// session (the file store's *filestore.File, the Redis store's
// *redisstore.Session), which may offer more than Load and Save: the
// cross-process recovery lock a limpet Session uses (limpet.RecoveryLocker).
type Binder interface {
	Bind(name string) (Bound, error)
}

// Bind returns the session called name in st: the Store's own value when
// st is a Binder, else one that calls st's Load and Save with name.
func Bind(st Store, name string) (Bound, error) {
	if b, ok := st.(Binder); ok {
		return b.Bind(name)
	}
	if name == "" {
		return nil, errors.New("store: empty session name")
	}
	return named{st, name}, nil
}

// named binds a Store that is not a Binder to a name.
type named struct {
	st   Store
	name string
}

func (n named) Load(ctx context.Context) (Snapshot, error) { return n.st.Load(ctx, n.name) }

func (n named) Save(ctx context.Context, s Snapshot) (Snapshot, error) {
	return n.st.Save(ctx, n.name, s)
}
