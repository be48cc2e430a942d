package filestore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// RecoveryLockPath returns the file whose lock is the session's recovery
// lock (see LockRecovery): ".<name>.json.login" beside the session file.
func (f *File) RecoveryLockPath() string {
	dir, base := filepath.Split(f.path)
	return filepath.Join(dir, "."+base+".login")
}

// LockRecovery takes the session's recovery lock, an exclusive flock on
// RecoveryLockPath, waiting until ctx ends; it implements
// limpet.RecoveryLocker, so that of the processes sharing the session one
// logs in again and the others wait, then adopt its session. It is a lock
// of its own, not the one Save takes: the holder saves while it holds it.
//
// The operating system releases the lock when the holder's process dies,
// however it dies. A wait that ctx ends returns a *FileError whose problem
// is a *LockError (wrapping ErrLocked) naming the lock file. unlock
// releases the lock; it is safe to call from any goroutine, once.
func (f *File) LockRecovery(ctx context.Context) (unlock func() error, err error) {
	fail := func(err error) (func() error, error) {
		return nil, &FileError{Op: "lock recovery", Path: f.path, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return fail(err)
	}
	fl := flock.New(f.RecoveryLockPath(), flock.SetPermissions(0o600))
	delay := 200 * time.Microsecond
	start := time.Now()
	for {
		ok, err := fl.TryLock()
		if err != nil {
			return fail(err)
		}
		if ok {
			return func() error {
				if err := fl.Unlock(); err != nil { // closes the descriptor, which releases the lock even on error
					return fmt.Errorf("filestore: unlock %s: %w", f.RecoveryLockPath(), err)
				}
				return nil
			}, nil
		}
		t := time.NewTimer(delay/2 + rand.N(delay))
		select {
		case <-ctx.Done():
			t.Stop()
			return fail(&LockError{Lock: f.RecoveryLockPath(), Waited: time.Since(start), Err: ctx.Err()})
		case <-t.C:
		}
		delay = min(2*delay, 20*time.Millisecond)
	}
}
