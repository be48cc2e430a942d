package filestore

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/limpet-http/limpet/store"
)

// Pending files keep the snapshot of a Save that could not take the lock:
// ".<name>.json.pending-<random>" beside the session file, written without
// the lock (under a ".tmp" name, then renamed, so that a reader sees it
// whole or not at all). A Save or Update that holds the lock merges every
// pending file into the session and removes them once the session file
// is written; Load merges them into what it returns.

// pendingTmpMaxAge is how old a pending file's temporary must be before a
// lock holder removes it: its writer died before renaming it.
const pendingTmpMaxAge = time.Hour

func (f *File) pendingPrefix() string { return "." + filepath.Base(f.path) + ".pending-" }

// isPending reports whether name (a file name in the session's directory)
// is a pending file of this session.
func (f *File) isPending(name string) bool {
	id, ok := strings.CutPrefix(name, f.pendingPrefix())
	if !ok || len(id) != 24 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// writePending keeps snap in a new pending file and returns its path.
func (f *File) writePending(snap store.Snapshot) (string, error) {
	if f.opts.DropSessionCookies {
		snap = snap.WithoutSessionCookies()
	}
	if !f.opts.SavePasswords {
		snap = snap.WithoutPasswords()
	}
	raw, err := store.Marshal(snap)
	if err != nil {
		return "", err
	}
	var id [12]byte
	_, _ = rand.Read(id[:]) // never fails
	path := filepath.Join(filepath.Dir(f.path), f.pendingPrefix()+hex.EncodeToString(id[:]))
	tmp := path + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	_, err = out.Write(raw)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", err
	}
	_ = syncDir(filepath.Dir(f.path)) // the file is whole; a lost rename loses only this copy
	return path, nil
}

type pendingFile struct {
	path string
	snap store.Snapshot
}

// readPending reads the session's pending files, in name order.
// vanished reports a file listed but gone before it was read (a save
// merged it meanwhile). With locked (the caller holds the lock), a pending
// file that cannot be decoded is moved aside to "<file>.corrupt", where it
// is kept for repair and no longer read, and temporary files left by
// writers that died are removed.
func (f *File) readPending(locked bool) (files []pendingFile, vanished bool, err error) {
	dir := filepath.Dir(f.path)
	names, err := dirNames(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	prefix := f.pendingPrefix()
	for _, name := range names {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		path := filepath.Join(dir, name)
		if locked && strings.HasSuffix(name, ".tmp") && f.isPending(strings.TrimSuffix(name, ".tmp")) {
			if info, err := os.Lstat(path); err == nil && time.Since(info.ModTime()) > pendingTmpMaxAge {
				_ = os.Remove(path)
			}
			continue
		}
		if !f.isPending(name) {
			continue
		}
		raw, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			vanished = true
			continue
		}
		if err != nil {
			return nil, false, err
		}
		snap, err := store.Parse(raw)
		if err != nil {
			if locked {
				_ = os.Rename(path, path+".corrupt")
			}
			continue
		}
		files = append(files, pendingFile{path: path, snap: snap})
	}
	slices.SortFunc(files, func(a, b pendingFile) int { return strings.Compare(a.path, b.path) })
	return files, vanished, nil
}

// pendingPaths returns the session's pending files, temporary ones
// included. Callers hold the lock.
func (f *File) pendingPaths() []string {
	dir := filepath.Dir(f.path)
	names, err := dirNames(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, name := range names {
		if f.isPending(strings.TrimSuffix(name, ".tmp")) {
			out = append(out, filepath.Join(dir, name))
		}
	}
	return out
}

// dirNames returns the names in dir, unsorted: cheaper than os.ReadDir,
// which Load would pay on every call.
func dirNames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}
