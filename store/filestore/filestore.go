package filestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/limpet-http/limpet/store"
)

// Options configure a Store or a File. The zero value is ready to use.
type Options struct {
	// Dir is the configuration directory; sessions live under
	// Dir/sessions. Empty means DefaultDir(). Files opened with Open ignore
	// it.
	Dir string
	// DropSessionCookies leaves session cookies (those without an expiry)
	// out of the files. By default they are saved: a session that survives
	// the process is the point of a named session.
	DropSessionCookies bool
	// SavePasswords writes the Secret of the snapshot's State entries
	// (the passwords their owners keep) to the files. By default they are
	// left out, and only the owners' Data (user name, where the password
	// comes from) is kept. Leave it off unless the file is as
	// well protected as the password must be: anyone who can read the file
	// (a backup, a synced folder, root) gets the password.
	SavePasswords bool
	// TombstoneTTL is passed to store.Merge; zero means
	// store.DefaultTombstoneTTL.
	TombstoneTTL time.Duration
	// MaxCookiesPerDomain and MaxCookies are passed to store.Merge: a save
	// keeps the file within the limits of the jars that share it (zero
	// means the jar's defaults, jar.NoLimit none). Set them to the
	// jar.Options of the same names when those are not the defaults.
	MaxCookiesPerDomain int
	MaxCookies          int
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

func (o Options) merge(now time.Time) store.MergeOptions {
	return store.MergeOptions{Now: now, TombstoneTTL: o.TombstoneTTL, MaxCookiesPerDomain: o.MaxCookiesPerDomain,
		MaxCookies: o.MaxCookies}
}

// Store is a store.Store that keeps each session in a JSON file (the
// store.Snapshot format) under Dir/sessions:
//
//	<Dir>/sessions/<name>.json         for a name such as "shop"
//	<Dir>/sessions/<host>/<name>.json  for a name such as "localhost_8080/shop"
//
// See Key for building host-bound names the way HTTPie lays them out.
//
// A Store is safe for concurrent use by multiple goroutines, and any number
// of processes may use the same files at once: every change happens under
// an exclusive lock on a lock file beside the session file, as a
// read-merge-write, and the file is replaced atomically.
type Store struct {
	dir  string
	opts Options

	mu    sync.Mutex       // guards files
	files map[string]*File // by name, so that their caches are reused
}

var _ store.Store = (*Store)(nil)

// New returns a Store for opts.Dir, or DefaultDir() when that is empty. It
// creates no directory until the first save.
func New(opts Options) (*Store, error) {
	dir := opts.Dir
	if dir == "" {
		d, err := DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	return &Store{dir: abs, opts: opts, files: map[string]*File{}}, nil
}

// Dir returns the configuration directory the Store uses.
func (s *Store) Dir() string { return s.dir }

// Path returns the file that holds the session called name.
func (s *Store) Path(name string) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	return filepath.Join(s.dir, "sessions", filepath.FromSlash(name)+".json"), nil
}

// File returns the File that holds the session called name. The same *File
// is returned for the same name.
func (s *Store) File(name string) (*File, error) {
	p, err := s.Path(name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.files[name]
	if !ok {
		f = Open(p, s.opts)
		s.files[name] = f
	}
	return f, nil
}

// Load returns the session called name. See File.Load.
func (s *Store) Load(ctx context.Context, name string) (store.Snapshot, error) {
	f, err := s.File(name)
	if err != nil {
		return store.Snapshot{}, err
	}
	return f.Load(ctx)
}

// Save merges snap into the session called name and returns the merged
// state. See File.Save.
func (s *Store) Save(ctx context.Context, name string, snap store.Snapshot) (store.Snapshot, error) {
	f, err := s.File(name)
	if err != nil {
		return store.Snapshot{}, err
	}
	return f.Save(ctx, snap)
}

// Update changes the session called name with fn under the lock. See
// File.Update.
func (s *Store) Update(ctx context.Context, name string, fn func(*store.Snapshot) error) (store.Snapshot, error) {
	f, err := s.File(name)
	if err != nil {
		return store.Snapshot{}, err
	}
	return f.Update(ctx, fn)
}

// Delete removes the session called name. See File.Delete.
func (s *Store) Delete(ctx context.Context, name string) error {
	f, err := s.File(name)
	if err != nil {
		return err
	}
	return f.Delete(ctx)
}

// Reset moves the file of the session called name aside and returns where
// it went. See File.Reset.
func (s *Store) Reset(ctx context.Context, name string) (string, error) {
	f, err := s.File(name)
	if err != nil {
		return "", err
	}
	return f.Reset(ctx)
}

// List returns the names of the stored sessions, sorted: "name" for
// Dir/sessions/name.json and "host/name" for Dir/sessions/host/name.json.
// Files whose names are not valid session names, hidden files and the
// files Reset moved aside are not listed.
func (s *Store) List(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	root := filepath.Join(s.dir, "sessions")
	top, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("filestore: list: %w", err)
	}
	var names []string
	add := func(prefix string, e fs.DirEntry) {
		base, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !e.Type().IsRegular() {
			return
		}
		if ValidName(prefix+base) == nil {
			names = append(names, prefix+base)
		}
	}
	for _, e := range top {
		if !e.IsDir() {
			add("", e)
			continue
		}
		if validHost(e.Name()) != nil {
			continue
		}
		sub, err := os.ReadDir(filepath.Join(root, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("filestore: list: %w", err)
		}
		for _, f := range sub {
			add(e.Name()+"/", f)
		}
	}
	slices.Sort(names)
	return names, nil
}

// DefaultDir returns limpet's configuration directory: $LIMPET_CONFIG_DIR
// when set; on Linux and other Unix systems $XDG_CONFIG_HOME/limpet when
// $XDG_CONFIG_HOME is an absolute path (the XDG rule: a relative one is
// ignored), else $HOME/.config/limpet; on macOS, Windows and Plan 9,
// "limpet" in os.UserConfigDir.
func DefaultDir() (string, error) {
	if d := os.Getenv("LIMPET_CONFIG_DIR"); d != "" {
		return d, nil
	}
	switch runtime.GOOS {
	case "darwin", "ios", "windows", "plan9":
		d, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("filestore: no configuration directory (set LIMPET_CONFIG_DIR): %w", err)
		}
		return filepath.Join(d, "limpet"), nil
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "limpet"), nil
	}
	if h := os.Getenv("HOME"); h != "" {
		return filepath.Join(h, ".config", "limpet"), nil
	}
	return "", errors.New("filestore: no configuration directory: set LIMPET_CONFIG_DIR, XDG_CONFIG_HOME or HOME")
}

// ValidName reports whether name is a valid session name for a Store:
// either a bare name matching [a-zA-Z0-9_.-]+, or "host/name" where host is
// a directory name as Key makes it. "." and ".." are not names.
func ValidName(name string) error {
	host, base, bound := strings.Cut(name, "/")
	if !bound {
		base, host = host, ""
	}
	if err := validBase(base); err != nil {
		return fmt.Errorf("filestore: invalid session name %q: %w", name, err)
	}
	if bound {
		if err := validHost(host); err != nil {
			return fmt.Errorf("filestore: invalid session name %q: %w", name, err)
		}
	}
	return nil
}

func validBase(s string) error {
	if s == "" || s == "." || s == ".." {
		return errors.New("want a name made of letters, digits, '_', '.' and '-'")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return fmt.Errorf("character %q is not allowed (want letters, digits, '_', '.' and '-')", c)
		}
	}
	return nil
}

func validHost(s string) error {
	if s == "" || s == "." || s == ".." {
		return fmt.Errorf("host directory %q is not allowed", s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-' ||
			c == '[' || c == ']') {
			return fmt.Errorf("character %q is not allowed in the host part", c)
		}
	}
	return nil
}

// Key returns the Store name of the session called name bound to host, the
// way HTTPie lays sessions out: host is the URL's host with its port if the
// URL had one ("localhost:8080", "example.com", "[::1]:8080"), and a ':'
// becomes '_', so Key("localhost:8080", "shop") is "localhost_8080/shop",
// stored in Dir/sessions/localhost_8080/shop.json. Any user info
// ("user@") before the host is dropped.
func Key(host, name string) (string, error) {
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if host == "" {
		host = "localhost" // as HTTPie does for URLs without a host
	}
	k := strings.ReplaceAll(host, ":", "_") + "/" + name
	if err := ValidName(k); err != nil {
		return "", err
	}
	return k, nil
}
