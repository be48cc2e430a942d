package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli/items"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
)

// cliSession is the named or path session of one run.
type cliSession struct {
	arg      string // as given to --session
	file     *filestore.File
	readOnly bool
	snap     store.Snapshot
	exists   bool
	headers  []items.Header // stored default headers

	newHeaders *store.Headers // headers to store after this run
	newAuth    *store.Auth
}

// isSessionPath reports whether a --session value names a file rather
// than a session: HTTPie takes any value with a path separator as a path.
func isSessionPath(arg string) bool {
	return strings.ContainsRune(arg, os.PathSeparator) || strings.ContainsRune(arg, '/') || strings.HasSuffix(arg, ".json")
}

// sessionFile finds the file of a session: a path, or NAME stored per host
// as HTTPie lays sessions out.
func sessionFile(arg string, u *url.URL, hostHeader string) (*filestore.File, error) {
	if isSessionPath(arg) {
		return filestore.Open(arg, filestore.Options{}), nil
	}
	st, err := filestore.New(filestore.Options{})
	if err != nil {
		return nil, err
	}
	host := hostHeader
	if host == "" {
		host = u.Host
	}
	key, err := filestore.Key(host, arg)
	if err != nil {
		return nil, fmt.Errorf("--session %q: %w", arg, err)
	}
	return st.File(key)
}

// openCLISession loads the session named by --session or
// --session-read-only; nil when neither is given.
func openCLISession(name, readOnlyName string, ireq *items.Request) (*cliSession, error) {
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
	f, err := sessionFile(arg, ireq.URL, host)
	if err != nil {
		return nil, err
	}
	cs := &cliSession{arg: arg, file: f, readOnly: ro}
	if !ro {
		if err := checkWritable(arg, f.Path()); err != nil {
			return nil, err
		}
	}
	snap, err := f.Load(context.Background())
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("session %q: %w (the file is left as it is; `limpet session reset %s` starts afresh)", arg, err, arg)
	default:
		cs.snap, cs.exists = snap, true
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
func (cs *cliSession) apply(lo *limpet.Options, ireq *items.Request, o *RequestOptions) {
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
		sh := &store.Headers{Updated: time.Now()}
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

// recordAuth stores how the session authenticates (never the password).
func (cs *cliSession) recordAuth(kind, user string) {
	if cs.readOnly {
		return
	}
	cs.newAuth = &store.Auth{Kind: kind, User: user, Updated: time.Now()}
}

// SaveState adds the headers and auth kind recorded by this run.
func (cs *cliSession) SaveState(s *store.Snapshot) {
	if cs.newHeaders != nil {
		s.Headers = cs.newHeaders
	}
	if cs.newAuth != nil {
		s.Auth = cs.newAuth
	}
}

// LoadState is a no-op: the run read the session before it started.
func (cs *cliSession) LoadState(store.Snapshot) {}

// readOnlyStore loads a session but never writes it.
type readOnlyStore struct{ f *filestore.File }

func (r readOnlyStore) Load(ctx context.Context) (store.Snapshot, error) { return r.f.Load(ctx) }

func (r readOnlyStore) Save(_ context.Context, s store.Snapshot) (store.Snapshot, error) {
	return s, nil
}

// looksLikePath reports whether a session command's argument is a file
// rather than a stored name: it ends in .json or starts like a path.
func looksLikePath(arg string) bool {
	return strings.HasSuffix(arg, ".json") || filepath.IsAbs(arg) ||
		strings.HasPrefix(arg, "./") || strings.HasPrefix(arg, "../") || strings.HasPrefix(arg, "~")
}

// findSession resolves a session argument of the session commands: a
// path, a full stored name ("localhost_8080/app"), or a bare name that is
// unique among the stored sessions.
func findSession(arg string) (*filestore.File, string, error) {
	if looksLikePath(arg) {
		if _, err := os.Stat(arg); err != nil {
			return nil, "", fmt.Errorf("session file %s: %w", arg, err)
		}
		return filestore.Open(arg, filestore.Options{}), arg, nil
	}
	st, err := filestore.New(filestore.Options{})
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
		return nil, "", fmt.Errorf("no session %q in %s (see limpet session list)", arg, st.Dir())
	case 1:
		f, err := st.File(matches[0])
		return f, matches[0], err
	}
	return nil, "", fmt.Errorf("session name %q is ambiguous: %s", arg, strings.Join(matches, ", "))
}
