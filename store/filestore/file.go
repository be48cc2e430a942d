package filestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/limpet-http/limpet/store"
)

// FileError is the error for a session file that cannot be read, decoded or
// written. It names the file; for a file that cannot be decoded it wraps
// store.ErrCorrupt and a *store.FormatError saying where the problem is.
// Such a file is never overwritten: Save and Update fail until the file is
// repaired or moved aside with Reset.
type FileError struct {
	// Op is what failed: "load", "save", "update", "delete" or "reset".
	Op string
	// Path is the session file.
	Path string
	// Err is the problem.
	Err error
}

// Error returns "filestore: <op> <path>: <problem>".
func (e *FileError) Error() string {
	msg := "filestore: " + e.Op + " " + e.Path + ": "
	if errors.Is(e.Err, store.ErrCorrupt) {
		msg += "the file is not a valid session (left unchanged; repair it or Reset it): "
	}
	return msg + e.Err.Error()
}

// Unwrap returns the problem.
func (e *FileError) Unwrap() error { return e.Err }

// ErrLocked is wrapped by the error of an operation that gave up waiting
// for a session file's lock (its context ended) while another process, or
// another File of the same path, held the lock all along. See LockError.
var ErrLocked = errors.New("filestore: another process holds the session file lock")

// LockError is the problem of a FileError when the lock of the session
// file could not be taken: another process held it for as long as the
// operation's context let it wait (a long Update, a process stopped while
// holding it).
//
// A Save that fails so loses nothing: it keeps its snapshot in a pending
// file beside the session file (Pending), which the next Save or Update of
// the session, by any process, merges in and removes; Load merges pending
// files too. Other operations change nothing.
//
// LockError wraps ErrLocked, and context.Canceled when the context was
// canceled; it does not wrap context.DeadlineExceeded: the deadline only
// bounded the wait, and the problem to report is the other process.
type LockError struct {
	// Lock is the lock file.
	Lock string
	// Waited is how long the operation waited.
	Waited time.Duration
	// Pending is the file that keeps the snapshot of a Save, or "" when
	// nothing was kept (another operation, or the pending file could not
	// be written: then PendingErr says why).
	Pending    string
	PendingErr error
	// Err is the context's error.
	Err error
}

// Error says that another process holds the lock, names the lock file,
// and says where a Save's snapshot was kept.
func (e *LockError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "another process holds the session file lock (%s); gave up after waiting %s", e.Lock,
		e.Waited.Round(time.Millisecond))
	if errors.Is(e.Err, context.Canceled) {
		b.WriteString(" (canceled)")
	}
	switch {
	case e.Pending != "":
		fmt.Fprintf(&b, "; this save was kept in %s, and the next save of the session merges it", e.Pending)
	case e.PendingErr != nil:
		fmt.Fprintf(&b, "; this save could not be kept either: %v", e.PendingErr)
	}
	return b.String()
}

// Unwrap returns ErrLocked, and the context's error when it was canceled.
func (e *LockError) Unwrap() []error {
	if errors.Is(e.Err, context.Canceled) {
		return []error{ErrLocked, e.Err}
	}
	return []error{ErrLocked}
}

// File is one session file at a known path: a session stored at an explicit
// path, or one of a Store's files.
//
// A File is safe for concurrent use by multiple goroutines, and any number of
// processes may use the same path at once (see Store).
type File struct {
	path string
	opts Options

	mu        sync.Mutex // serialises this process's operations and guards the cache
	cacheRaw  []byte     // the file's bytes as last read or written
	cacheSnap store.Snapshot
}

// Open returns the File at path. Nothing is read or created until it is
// used; the directory is created (0700) by the first save. opts.Dir is
// ignored.
func Open(path string, opts Options) *File {
	return &File{path: filepath.Clean(path), opts: opts}
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

func (f *File) lockPath() string {
	dir, base := filepath.Split(f.path)
	return filepath.Join(dir, "."+base+".lock")
}

func (f *File) tempPattern() string { return "." + filepath.Base(f.path) + ".tmp-*" }

// lock takes the process-wide and cross-process locks, waiting for ctx.
// create says whether the directory may be created for the lock file.
func (f *File) lock(ctx context.Context, create bool) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	dir := filepath.Dir(f.path)
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			f.mu.Unlock()
			return nil, err
		}
	}
	fl := flock.New(f.lockPath(), flock.SetPermissions(0o600))
	delay := 100 * time.Microsecond
	start := time.Now()
	for {
		ok, err := fl.TryLock()
		if err != nil {
			f.mu.Unlock()
			return nil, err
		}
		if ok {
			return func() {
				_ = fl.Unlock() // closes the descriptor, which releases the lock even on error
				f.mu.Unlock()
			}, nil
		}
		t := time.NewTimer(delay/2 + rand.N(delay))
		select {
		case <-ctx.Done():
			t.Stop()
			f.mu.Unlock()
			return nil, &LockError{Lock: f.lockPath(), Waited: time.Since(start), Err: ctx.Err()}
		case <-t.C:
		}
		delay = min(2*delay, 10*time.Millisecond)
	}
}

// read returns the file's snapshot and whether the file exists, using the
// cache when the bytes are the ones last seen. Callers hold f.mu.
func (f *File) read() (store.Snapshot, []byte, bool, error) {
	raw, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return store.Snapshot{}, nil, false, nil
	}
	if err != nil {
		return store.Snapshot{}, nil, false, err
	}
	if f.cacheRaw != nil && bytes.Equal(raw, f.cacheRaw) {
		return f.cacheSnap, raw, true, nil
	}
	snap, err := store.Parse(raw)
	if err != nil {
		return store.Snapshot{}, raw, true, err
	}
	f.cacheRaw, f.cacheSnap = raw, snap
	return snap, raw, true, nil
}

// Load returns the stored session, with the snapshots of Saves that could
// not take the lock merged in (see LockError). The error wraps
// store.ErrNotFound when the file does not exist; it is a *FileError
// wrapping store.ErrCorrupt when the file cannot be decoded, and the file is
// left as it is.
//
// Load takes no lock: files are replaced atomically, so it never sees a
// half-written one.
func (f *File) Load(ctx context.Context) (store.Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return store.Snapshot{}, &FileError{Op: "load", Path: f.path, Err: err}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	snap, _, exists, err := f.read()
	if err != nil {
		return store.Snapshot{}, &FileError{Op: "load", Path: f.path, Err: err}
	}
	pending, vanished, err := f.readPending(false)
	if err != nil {
		return store.Snapshot{}, &FileError{Op: "load", Path: f.path, Err: err}
	}
	if vanished {
		// A save merged a pending file into the session file, and removed
		// it, after the read above: read the session file again.
		if snap, _, exists, err = f.read(); err != nil {
			return store.Snapshot{}, &FileError{Op: "load", Path: f.path, Err: err}
		}
	}
	if !exists && len(pending) == 0 {
		return store.Snapshot{}, &FileError{Op: "load", Path: f.path, Err: store.ErrNotFound}
	}
	if len(pending) > 0 {
		now := f.opts.now()
		for _, p := range pending {
			snap = store.Merge(snap, p.snap, f.opts.merge(now))
		}
	}
	return snap.Clone(), nil
}

// Save merges snap into the stored session with store.Merge, under the
// lock, writes the result atomically and returns it: the state every
// process that saved so far agrees on, which the caller should adopt.
//
// Meta.Updated is set to the time of the save, Meta.Created and
// Meta.Limpet when they are empty. With DropSessionCookies the file leaves
// session cookies out, but the returned state keeps snap's session cookies;
// without SavePasswords the file leaves passwords out, and the returned
// state keeps snap's.
//
// When another process holds the lock until ctx ends, Save returns a
// *FileError whose problem is a *LockError (wrapping ErrLocked), and keeps
// snap in a pending file that the next Save or Update merges: nothing of
// snap is lost, though the session file does not have it yet.
func (f *File) Save(ctx context.Context, snap store.Snapshot) (store.Snapshot, error) {
	return f.modifyKeeping(ctx, "save", snap, true, func(disk store.Snapshot, now time.Time) (store.Snapshot, error) {
		return store.Merge(disk, snap, f.opts.merge(now)), nil
	})
}

// Update reads the stored session (empty when there is none; pending
// files, see LockError, merged in), calls fn with a copy of it under the
// lock, and writes what fn left, atomically. When fn
// returns an error nothing is written and that error is returned. Update is
// for changes that must see the current state (a counter, a rotation);
// Save is the usual way to store a session.
//
// fn runs while other processes wait for the lock: keep it short, and do
// not call the same File from it.
func (f *File) Update(ctx context.Context, fn func(*store.Snapshot) error) (store.Snapshot, error) {
	return f.modify(ctx, "update", func(disk store.Snapshot, now time.Time) (store.Snapshot, error) {
		s := disk.Clone()
		if err := fn(&s); err != nil {
			return store.Snapshot{}, err
		}
		return s, nil
	})
}

func (f *File) modify(ctx context.Context, op string, change func(disk store.Snapshot, now time.Time) (store.Snapshot, error)) (store.Snapshot, error) {
	return f.modifyKeeping(ctx, op, store.Snapshot{}, false, change)
}

// modifyKeeping is modify; with keep, a failure to take the lock because
// another process holds it keeps mine in a pending file.
func (f *File) modifyKeeping(ctx context.Context, op string, mine store.Snapshot, keep bool,
	change func(disk store.Snapshot, now time.Time) (store.Snapshot, error)) (store.Snapshot, error) {
	fail := func(err error) (store.Snapshot, error) {
		return store.Snapshot{}, &FileError{Op: op, Path: f.path, Err: err}
	}
	unlock, err := f.lock(ctx, true)
	var le *LockError
	if keep && errors.As(err, &le) {
		le.Pending, le.PendingErr = f.writePending(mine)
	}
	if err != nil {
		return fail(err)
	}
	defer unlock()
	disk, _, _, err := f.read()
	if err != nil {
		return fail(err)
	}
	now := f.opts.now()
	pending, _, err := f.readPending(true)
	if err != nil {
		return fail(err)
	}
	for _, p := range pending {
		disk = store.Merge(disk, p.snap, f.opts.merge(now))
	}
	next, err := change(disk, now)
	if err != nil {
		if op == "update" {
			return store.Snapshot{}, err
		}
		return fail(err)
	}
	store.Stamp(&next, now)
	out := next
	if f.opts.DropSessionCookies {
		out = out.WithoutSessionCookies()
	}
	if !f.opts.SavePasswords {
		out = out.WithoutPasswords()
	}
	raw, err := store.Marshal(out)
	if err != nil {
		return fail(err)
	}
	if err := f.write(raw); err != nil {
		return fail(err)
	}
	// out and next may share memory with snap (Merge does not copy); the
	// cache and the caller each get their own copy.
	f.cacheRaw, f.cacheSnap = raw, out.Clone()
	// The session file now holds what the pending files held.
	for _, p := range pending {
		_ = os.Remove(p.path) // best effort: one left is merged again, which changes nothing
	}
	return next.Clone(), nil
}

// write replaces the file with raw atomically: a temporary file in the same
// directory, fsync, rename over the file, fsync of the directory. Callers
// hold the lock, so any temporary file of this session already there was
// left by a writer that died; write removes those.
func (f *File) write(raw []byte) (err error) {
	dir := filepath.Dir(f.path)
	if stale, _ := filepath.Glob(filepath.Join(dir, globEscape(f.tempPattern()))); len(stale) > 0 {
		for _, p := range stale {
			_ = os.Remove(p) // best effort: a leftover only wastes space
		}
	}
	tmp, err := os.CreateTemp(dir, f.tempPattern()) // mode 0600
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(raw); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return err
	}
	return syncDir(dir)
}

// globEscape escapes the glob metacharacters of a file name, keeping the
// final "*".
func globEscape(pattern string) string {
	body, _ := strings.CutSuffix(pattern, "*")
	var b strings.Builder
	for _, r := range body {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String() + "*"
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Delete removes the session file, and its pending files (see LockError),
// under the lock. The error wraps store.ErrNotFound when there is neither.
// The lock file stays: removing it could let two processes hold "the" lock
// at once.
func (f *File) Delete(ctx context.Context) error {
	unlock, err := f.lock(ctx, false)
	if errors.Is(err, fs.ErrNotExist) {
		return &FileError{Op: "delete", Path: f.path, Err: store.ErrNotFound}
	}
	if err != nil {
		return &FileError{Op: "delete", Path: f.path, Err: err}
	}
	defer unlock()
	err = os.Remove(f.path)
	pending := f.pendingPaths()
	for _, p := range pending {
		if perr := os.Remove(p); perr != nil && !errors.Is(perr, fs.ErrNotExist) && err == nil {
			err = perr
		}
	}
	if errors.Is(err, fs.ErrNotExist) && len(pending) > 0 {
		err = nil
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = store.ErrNotFound
		}
		return &FileError{Op: "delete", Path: f.path, Err: err}
	}
	f.cacheRaw, f.cacheSnap = nil, store.Snapshot{}
	return syncDir(filepath.Dir(f.path))
}

// Reset moves the session file aside, valid or not, to
// "<path>.reset-<UTC time>" in the same directory, and returns that path,
// so that the next Save starts a new session. Its pending files (see
// LockError) go aside too, to "<that path>.pending-<id>". Nothing is
// deleted: a corrupt file can still be repaired by hand. The error wraps
// store.ErrNotFound when there is neither a session file nor a pending one.
func (f *File) Reset(ctx context.Context) (string, error) {
	unlock, err := f.lock(ctx, false)
	if errors.Is(err, fs.ErrNotExist) {
		return "", &FileError{Op: "reset", Path: f.path, Err: store.ErrNotFound}
	}
	if err != nil {
		return "", &FileError{Op: "reset", Path: f.path, Err: err}
	}
	defer unlock()
	_, err = os.Lstat(f.path)
	exists := err == nil
	pending := f.pendingPaths()
	if !exists && (len(pending) == 0 || !errors.Is(err, fs.ErrNotExist)) {
		if errors.Is(err, fs.ErrNotExist) {
			err = store.ErrNotFound
		}
		return "", &FileError{Op: "reset", Path: f.path, Err: err}
	}
	stamp := f.opts.now().UTC().Format("20060102T150405.000000000Z")
	aside := fmt.Sprintf("%s.reset-%s", f.path, stamp)
	for _, p := range pending {
		id := strings.TrimPrefix(filepath.Base(p), f.pendingPrefix())
		if err := os.Rename(p, aside+".pending-"+id); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", &FileError{Op: "reset", Path: f.path, Err: err}
		}
	}
	if !exists {
		f.cacheRaw, f.cacheSnap = nil, store.Snapshot{}
		if err := syncDir(filepath.Dir(f.path)); err != nil {
			return aside, &FileError{Op: "reset", Path: f.path, Err: err}
		}
		return aside, nil
	}
	if err := os.Rename(f.path, aside); err != nil {
		return "", &FileError{Op: "reset", Path: f.path, Err: err}
	}
	f.cacheRaw, f.cacheSnap = nil, store.Snapshot{}
	if err := syncDir(filepath.Dir(f.path)); err != nil {
		return aside, &FileError{Op: "reset", Path: f.path, Err: err}
	}
	return aside, nil
}
