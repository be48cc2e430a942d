package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli/items"
	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/internal/sessionauth"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
)

// cliSession is the named or path session of one run.
type cliSession struct {
	arg      string // as given to --session
	label    string // as the session commands take it: the stored name, or arg for a path
	file     sessionFile
	readOnly bool
	snap     store.Snapshot
	exists   bool
	headers  []items.Header // stored default headers

	auth       sessionauth.Settings // the session's -a settings, when hasAuth
	hasAuth    bool
	legacyAuth bool // auth came from an earlier release's members: the next save converts them

	newHeaders *store.Headers // headers to store after this run
	newAuth    *sessionauth.Settings
}

// changed reports whether this run has something of its own to save: the
// session is new, its headers or auth changed, or it was written by an
// earlier release (the save converts its members).
func (cs *cliSession) changed() bool {
	return !cs.exists || cs.newHeaders != nil || cs.newAuth != nil || legacystate.Has(cs.snap)
}

// hasRecipe reports whether the session keeps a login recipe: its login
// then authenticates it, not its -a settings.
func (cs *cliSession) hasRecipe() bool {
	l, _ := sessionRecipe(cs.snap)
	return l != nil && l.Flow != ""
}

// isSessionPath reports whether a session argument names a file rather
// than a stored session: it starts like a path ("./", "../", "/", "~/"), or
// it has a "/" and ends in ".json". Anything else is a stored name: NAME,
// kept per host, or HOST_PORT/NAME as "limpet session list" prints it.
func isSessionPath(arg string) bool {
	a := filepath.ToSlash(arg)
	return strings.HasPrefix(a, "./") || strings.HasPrefix(a, "../") || strings.HasPrefix(a, "~/") ||
		filepath.IsAbs(arg) || strings.HasPrefix(a, "/") || (strings.Contains(a, "/") && strings.HasSuffix(a, ".json"))
}

// sessionDir finds the sessions the commands name: stored ones under the
// configuration directory (or in the store --session-store names), and
// session files given by path.
type sessionDir struct {
	configDir func() (string, error)
	homeDir   func() (string, error)
	// storeURL returns --session-store, else $LIMPET_SESSION_STORE; ""
	// means the file store of configDir. nil means "".
	storeURL func() string
	opened   *openedStore // shared by the copies of a sessionDir
}

// openedStore is the store of named sessions, opened once per run.
type openedStore struct {
	once sync.Once
	st   namedStore
	err  error
}

// store returns the store of named sessions.
func (sd sessionDir) store() (namedStore, error) {
	url := ""
	if sd.storeURL != nil {
		url = sd.storeURL()
	}
	if sd.opened == nil {
		return openNamedStore(url, sd.configDir)
	}
	sd.opened.once.Do(func() { sd.opened.st, sd.opened.err = openNamedStore(url, sd.configDir) })
	return sd.opened.st, sd.opened.err
}

// expandHome replaces a leading "~/" with the home directory.
func (sd sessionDir) expandHome(path string) string {
	if rest, ok := strings.CutPrefix(filepath.ToSlash(path), "~/"); ok {
		if home, err := sd.homeDir(); err == nil {
			return filepath.Join(home, filepath.FromSlash(rest))
		}
	}
	return path
}

// hostKey returns the host directory of the sessions kept for a request's
// host ("localhost_8080").
func hostKey(u *url.URL, hostHeader string) (string, error) {
	host := hostHeader
	if host == "" {
		host = u.Host
	}
	key, err := filestore.Key(host, "x")
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(key, "/x"), nil
}

// file finds the file of a session argument for a request to u: a
// path; HOST_PORT/NAME, which must be the request's host; or NAME, kept
// for the request's host as HTTPie lays sessions out. It returns the
// stored name too ("" for a path).
func (sd sessionDir) file(arg string, u *url.URL, hostHeader string) (sessionFile, string, error) {
	if isSessionPath(arg) {
		return fileSession{filestore.Open(sd.expandHome(arg), filestore.Options{})}, "", nil
	}
	st, err := sd.store()
	if err != nil {
		return nil, "", err
	}
	host, err := hostKey(u, hostHeader)
	if err != nil {
		return nil, "", fmt.Errorf("session %q: %w", arg, err)
	}
	name := arg
	if dir, base, qualified := strings.Cut(arg, "/"); qualified {
		if filestore.ValidName(arg) != nil {
			return nil, "", fmt.Errorf("session %q is neither a name (NAME or HOST_PORT/NAME, as limpet session list shows) nor a path: a path needs ./ in front, or a .json suffix", arg)
		}
		if dir != host {
			return nil, "", fmt.Errorf("session %s is kept for %s, not for %s; use --session=%s for a session of %s (or give a path, such as ./%s.json)",
				arg, hostOfKey(dir), strings.Replace(host, "_", ":", 1), base, strings.Replace(host, "_", ":", 1), base)
		}
	} else {
		if name, err = filestore.Key(host, arg); err != nil {
			return nil, "", fmt.Errorf("session name %q: use letters, digits, '_', '.' and '-' (or give a path, such as ./%s.json)", arg, arg)
		}
	}
	f, err := st.file(name)
	return f, name, err
}

// hostOfKey turns a host directory back into host:port for messages
// ("localhost_8080" → "localhost:8080").
func hostOfKey(dir string) string {
	if i := strings.LastIndexByte(dir, '_'); i > 0 {
		return dir[:i] + ":" + dir[i+1:]
	}
	return dir
}

// open loads the session named by --session or --session-read-only; nil
// when neither is given.
func (sd sessionDir) open(name, readOnlyName string, ireq *items.Request) (*cliSession, error) {
	arg, ro := name, false
	if readOnlyName != "" {
		if name != "" {
			return nil, errors.New("--session and --session-read-only cannot be used together")
		}
		arg, ro = readOnlyName, true
	}
	if arg == "" {
		return nil, nil
	}
	host, _ := ireq.Get("Host")
	f, name, err := sd.file(arg, ireq.URL, host)
	if err != nil {
		return nil, err
	}
	cs := &cliSession{arg: arg, label: arg, file: f, readOnly: ro}
	if name != "" {
		cs.label = name
	}
	if !ro {
		if err := checkWritable(arg, f.Path()); err != nil {
			return nil, err
		}
	}
	snap, err := f.Load(context.Background())
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		hk, _ := hostKey(ireq.URL, host)
		return nil, sessionLoadError(cs.label, err, hk)
	default:
		cs.snap, cs.exists = snap, true
		cs.auth, cs.legacyAuth, cs.hasAuth = sessionauth.Load(snap)
		if snap.Headers != nil {
			for _, h := range snap.Headers.List {
				cs.headers = append(cs.headers, items.Header{Name: h.Name, Value: h.Value})
			}
		}
	}
	return cs, nil
}

// checkWritable makes sure that the session file at path can be written
// (its directory, its name, the lock and temporary files the store puts
// beside it), so that a run does not send its request and then fail to
// save what came back. It creates the directory, as the first save would.
func checkWritable(arg, path string) error {
	if isStoreLocation(path) {
		return nil // not a file: the store's own errors say what is wrong
	}
	dir, base := filepath.Split(path)
	fail := func(err error) error {
		if errors.Is(err, syscall.ENAMETOOLONG) {
			return fmt.Errorf("session name %q is too long (%d characters) for a file name; choose a shorter one", arg, len(arg))
		}
		return fmt.Errorf("session %q cannot be saved to %s: %w; nothing was sent", arg, path, unwrapPathError(err))
	}
	if err := os.MkdirAll(filepath.Clean(dir+"."), 0o700); err != nil {
		return fail(err)
	}
	// The store writes "."+base+".tmp-" and ten digits, then renames it.
	probe, err := os.CreateTemp(filepath.Clean(dir+"."), "."+base+".tmp-*")
	if err != nil {
		return fail(err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}

// sessionLoadError words a failed load of a session for a person: which
// session and file, what is wrong, and the command to run next. arg is the
// session as the user would type it in that command; host, when known, is
// the host directory ("localhost_8080") a request would keep it under.
func sessionLoadError(arg string, err error, host ...string) error {
	path := ""
	var fe *filestore.FileError
	if errors.As(err, &fe) {
		path = fe.Path
	}
	if !errors.Is(err, store.ErrCorrupt) {
		if path == "" {
			return fmt.Errorf("session %q: %w", arg, err)
		}
		return fmt.Errorf("session %q: %s: %w", arg, path, unwrapPathError(unwrapFileError(err)))
	}
	if isHTTPieSession(path) {
		file := path
		if isSessionPath(arg) {
			file = arg // as the user typed it
		}
		target := "HOST_PORT/NAME"
		use := ""
		if len(host) > 0 && host[0] != "" {
			base := strings.TrimSuffix(filepath.Base(path), ".json")
			if filestore.ValidName(host[0]+"/"+base) == nil {
				target = host[0] + "/" + base
				use = ", then use --session=" + base
			}
		}
		return fmt.Errorf("%s is an HTTPie session file, not a limpet one; import its cookies and headers with: limpet session import %s %s%s",
			file, target, file, use)
	}
	detail := err.Error()
	var ferr *store.FormatError
	if errors.As(err, &ferr) {
		detail = ferr.Err.Error()
		if ferr.Where != "" {
			detail = ferr.Where + ": " + detail
		}
	}
	return fmt.Errorf("session %s cannot be read: %s is not a valid session file (%s). It is left as it is; to start afresh (the old file is kept aside), run: limpet session reset %s",
		arg, path, detail, arg)
}

// saveError words a failed save of the session after the response came.
func (cs *cliSession) saveError(err error) error {
	if errors.Is(err, store.ErrCorrupt) {
		return fmt.Errorf("the response came, but %w", sessionLoadError(cs.label, err))
	}
	var fe *filestore.FileError
	if errors.As(err, &fe) {
		return fmt.Errorf("the response came, but session %s could not be saved to %s: %w", cs.label, fe.Path, unwrapPathError(fe.Err))
	}
	return fmt.Errorf("the response came, but session %s could not be saved: %w", cs.label, err)
}

// unwrapFileError drops the *filestore.FileError around an error, for
// messages that name the file already.
func unwrapFileError(err error) error {
	var fe *filestore.FileError
	if errors.As(err, &fe) {
		return fe.Err
	}
	return err
}

// isHTTPieSession reports whether the file at path is an HTTPie session.
func isHTTPieSession(path string) bool {
	if path == "" {
		return false
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var top struct {
		Meta map[string]any `json:"__meta__"`
	}
	if json.Unmarshal(b, &top) != nil || top.Meta == nil {
		return false
	}
	about, _ := top.Meta["about"].(string)
	return strings.Contains(about, "HTTPie")
}

// unwrapPathError drops the operation and path of an *fs.PathError, for
// messages that name the file already.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// apply binds the Session to the file and records the request's headers
// to store, as HTTPie does.
func (cs *cliSession) apply(lo *limpet.Options, ireq *items.Request, now time.Time) {
	if cs.readOnly {
		lo.Store = readOnlyStore{cs.file}
	} else {
		lo.Store = cs.file
	}
	lo.ManualSave = true
	lo.StateSavers = append(lo.StateSavers, cs)
	if cs.readOnly {
		return
	}
	merged := append([]items.Header(nil), cs.headers...)
	changed := false
	for _, h := range ireq.ItemHeaders {
		if h.Unset || !storableHeader(h.Name) {
			continue
		}
		replaced := false
		for i := range merged {
			if strings.EqualFold(merged[i].Name, h.Name) {
				if merged[i].Value != h.Value {
					merged[i].Value, changed = h.Value, true
				}
				replaced = true
				break
			}
		}
		if !replaced {
			merged = append(merged, h)
			changed = true
		}
	}
	if changed {
		sh := &store.Headers{Updated: now}
		for _, h := range merged {
			sh.List = append(sh.List, store.Header{Name: h.Name, Value: h.Value})
		}
		cs.newHeaders = sh
	}
}

// storableHeader follows HTTPie: request-specific headers are not kept in
// a session.
func storableHeader(name string) bool {
	n := strings.ToLower(name)
	return !strings.HasPrefix(n, "content-") && !strings.HasPrefix(n, "if-") && n != "cookie" && n != "host" && n != "user-agent"
}

// recordAuth stores how the session authenticates (never a password):
// the kind, the user and where the password comes from, or the bearer
// token given with -A bearer.
func (cs *cliSession) recordAuth(a sessionauth.Settings, now time.Time) {
	if cs.readOnly {
		return
	}
	if old := cs.auth; cs.hasAuth && !cs.legacyAuth && old.Kind == a.Kind && old.User == a.User &&
		old.PasswordFrom == a.PasswordFrom && old.Token == a.Token {
		return // unchanged
	}
	a.Updated = now
	cs.newAuth = &a
}

// SaveState adds the headers and auth settings recorded by this run, and
// converts the settings an earlier release kept.
func (cs *cliSession) SaveState(s *store.Snapshot) {
	if cs.newHeaders != nil {
		s.Headers = cs.newHeaders
	}
	switch {
	case cs.newAuth != nil:
		_ = sessionauth.Save(s, cs.snap, *cs.newAuth) // settings of strings always encode
	case cs.legacyAuth:
		_ = sessionauth.Save(s, cs.snap, cs.auth)
	}
}

// LoadState is a no-op: the run read the session before it started.
func (cs *cliSession) LoadState(store.Snapshot) {}

// readOnlyStore loads a session but never writes it.
type readOnlyStore struct{ f sessionFile }

func (r readOnlyStore) Load(ctx context.Context) (store.Snapshot, error) { return r.f.Load(ctx) }

func (r readOnlyStore) Save(_ context.Context, s store.Snapshot) (store.Snapshot, error) {
	return s, nil
}

// find resolves a session argument of the session commands: a path, a
// full stored name ("localhost_8080/app"), or a bare name that is unique
// among the stored sessions.
func (sd sessionDir) find(arg string) (sessionFile, string, error) {
	if isSessionPath(arg) {
		path := sd.expandHome(arg)
		if _, err := os.Stat(path); err != nil {
			return nil, "", fmt.Errorf("session file %s: %w", arg, unwrapPathError(err))
		}
		return fileSession{filestore.Open(path, filestore.Options{})}, arg, nil
	}
	st, err := sd.store()
	if err != nil {
		return nil, "", err
	}
	names, err := st.List(context.Background())
	if err != nil {
		return nil, "", err
	}
	var matches []string
	for _, n := range names {
		if n == arg || strings.HasSuffix(n, "/"+arg) {
			matches = append(matches, n)
		}
	}
	switch len(matches) {
	case 0:
		return nil, "", fmt.Errorf("no session %q in %s (see limpet session list)", arg, st.where())
	case 1:
		f, err := st.file(matches[0])
		return f, matches[0], err
	}
	return nil, "", fmt.Errorf("session name %q is kept for several hosts (%s): give one of them", arg, strings.Join(matches, ", "))
}
