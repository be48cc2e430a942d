package limpet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

// RecoveryLocker is implemented by a SessionStore that several processes
// share (the file store's *filestore.File, the Redis store's
// *redisstore.Session): it gives the session a lock that one process at a
// time holds while it logs in again, so that a fleet of processes meeting
// an expired server session makes one login, not one each.
//
// LockRecovery waits until this caller holds the session's recovery lock,
// or ctx ends (then it returns an error and holds nothing). The lock must
// be released by unlock, and by the holder's death (a file lock is, a
// Redis lock expires); unlock reports a lock lost meanwhile. Both may be
// called from any goroutine; a process calls LockRecovery for one session
// from one goroutine at a time (the Session's single flight does).
//
// How a Session uses it: when a response shows that the session needs a
// recovery (Authenticator.Check), the Session, in the single flight of its
// recovery, takes the lock, loads the stored session, and compares its
// login generation (recorded in the snapshot's State under "limpet/login")
// with the one it last had. When another process logged in since, the
// Session adopts that process's session (its cookies replace the jar's,
// its Authenticator state is loaded) and replays the request without a
// login of its own. Otherwise it recovers (Authenticator.Recover), saves at
// once with the next generation, and unlocks. A wait longer than
// Options.RecoveryWait fails the request with a clear error.
type RecoveryLocker interface {
	LockRecovery(ctx context.Context) (unlock func() error, err error)
}

// DefaultRecoveryWait is how long a Session waits for another process's
// login (the recovery lock of a shared session) when Options.RecoveryWait
// is zero.
const DefaultRecoveryWait = time.Minute

// fleetOwner is the State owner of the login generation.
const fleetOwner = "limpet/login"

// fleetData is the JSON of the "limpet/login" State entry.
type fleetData struct {
	// Generation counts the logins (and recoveries) made under the
	// recovery lock.
	Generation uint64 `json:"generation"`
}

// fleetState is the login generation of a Session with a shared store: a
// StateSaver that writes the generation this process last made or adopted
// (so that a save never lowers it: Merge keeps the later Updated), and the
// generation to compare with under the lock.
type fleetState struct {
	locker RecoveryLocker
	wait   time.Duration

	mu      sync.Mutex // guards the fields below
	seen    uint64     // the generation whose session this process holds
	updated time.Time  // when seen was made
}

// generation returns the login generation recorded in s, and when it was
// made.
func generation(s store.Snapshot) (uint64, time.Time) {
	st, ok := s.LookupState(fleetOwner)
	if !ok || st.Version != 1 {
		return 0, time.Time{}
	}
	var d fleetData
	if json.Unmarshal(st.Data, &d) != nil {
		return 0, time.Time{}
	}
	return d.Generation, st.Updated
}

// SaveState records the generation this process holds.
func (f *fleetState) SaveState(s *store.Snapshot) {
	f.mu.Lock()
	g, at := f.seen, f.updated
	f.mu.Unlock()
	if g == 0 {
		return
	}
	_ = s.SetState(fleetOwner, 1, at, fleetData{Generation: g}) // a struct of one integer always encodes
}

// LoadState takes the generation of the session New loaded. Later merges
// (autosave) do not change it: the generation is the one this process's
// cookies came with, and only the locked recovery adopts a new one.
func (f *fleetState) LoadState(s store.Snapshot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen == 0 {
		f.seen, f.updated = generation(s)
	}
}

func (f *fleetState) set(g uint64, at time.Time) {
	f.mu.Lock()
	f.seen, f.updated = g, at
	f.mu.Unlock()
}

func (f *fleetState) get() (uint64, time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seen, f.updated
}

// newFleetState returns the fleet state of a Session whose store st is
// shared by processes, or nil.
func newFleetState(st SessionStore, wait time.Duration) *fleetState {
	l, ok := st.(RecoveryLocker)
	if !ok {
		return nil
	}
	if wait <= 0 {
		wait = DefaultRecoveryWait
	}
	return &fleetState{locker: l, wait: wait}
}

// RecoveryWaitError is the cause (in an *AuthError) when a Session gave up
// waiting for another process's login: the session's recovery lock stayed
// taken for Options.RecoveryWait.
type RecoveryWaitError struct {
	// Waited is how long the Session waited.
	Waited time.Duration
	// Err is the store's error.
	Err error
}

// Error says that another process was logging in for too long.
func (e *RecoveryWaitError) Error() string {
	return fmt.Sprintf("another process has held the session's recovery lock (logging in) for %s; gave up waiting (Options.RecoveryWait): %v",
		e.Waited.Round(time.Millisecond), e.Err)
}

// Unwrap returns the store's error.
func (e *RecoveryWaitError) Unwrap() error { return e.Err }

// recoverShared runs recover, the Authenticator's recovery, under the
// shared store's recovery lock, in the generation st.run started (g): when
// another process logged in since this one last did, its session is
// adopted instead and adopted is true. Without a shared store it only runs
// recover.
func (s *Session) recoverShared(ctx context.Context, recover func() error) (adopted bool, err error) {
	p := s.persist
	if p == nil || p.fleet == nil {
		return false, recover()
	}
	f := p.fleet
	start := time.Now()
	lctx, cancel := context.WithTimeout(ctx, f.wait)
	unlock, err := f.locker.LockRecovery(lctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && lctx.Err() != nil {
			return false, &RecoveryWaitError{Waited: time.Since(start), Err: err}
		}
		return false, fmt.Errorf("limpet: taking the session's recovery lock: %w", err)
	}
	defer func() {
		if uerr := unlock(); uerr != nil {
			p.warn("limpet: releasing the session's recovery lock", uerr)
		}
	}()
	seen, _ := f.get()
	snap, err := p.st.Load(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return false, fmt.Errorf("limpet: loading the shared session before logging in again: %w", err)
	}
	stored, storedAt := generation(snap)
	if stored > seen {
		p.adoptLogin(snap)
		f.set(stored, storedAt)
		return true, nil
	}
	if err := recover(); err != nil {
		return false, err
	}
	now := time.Now()
	if !now.After(storedAt) { // clocks of other hosts may be ahead: stay the later entry
		now = storedAt.Add(time.Millisecond)
	}
	f.set(max(seen, stored)+1, now)
	if err := p.write(ctx, true, false, nil, p.adopt); err != nil {
		// The login stands in this process; other processes will log in
		// too, as they would without the lock.
		p.warn("limpet: saving the new login for the other processes", err)
	}
	return false, nil
}

// saveShared saves the session of a Session with an Authenticator (one
// without never logs in, and never holds the lock) under the recovery
// lock, so that no save lands in the middle of another process's login,
// and writes nothing when another process logged in since this one last
// did: this process's cookies and state belong to the replaced login (a
// servlet container's answer to a request with the expired session sets a
// new, anonymous session cookie, which is newer than the login's and would
// win the merge; a CSRF token of the old session would be kept beside the
// new session's CSRF cookie), and this process adopts the new login at its
// next recovery.
func (p *persistence) saveShared(ctx context.Context, force bool, guard func(take func()) error, adopt func(store.Snapshot)) error {
	p.mu.Lock()
	dirty := p.dirty
	p.mu.Unlock()
	if !dirty && !force || p.auth.failed() && !force {
		return nil
	}
	f := p.fleet
	lctx, cancel := context.WithTimeout(ctx, f.wait)
	unlock, err := f.locker.LockRecovery(lctx)
	cancel()
	if err != nil {
		return fmt.Errorf("limpet: saving the session: taking its recovery lock: %w", err)
	}
	defer func() {
		if uerr := unlock(); uerr != nil {
			p.warn("limpet: releasing the session's recovery lock", uerr)
		}
	}()
	snap, err := p.st.Load(ctx)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("limpet: saving the session: %w", err)
	}
	seen, _ := f.get()
	stored, _ := generation(snap)
	return p.write(ctx, force, stored > seen, guard, adopt)
}

// adoptLogin replaces the jar's cookies with those of snap, another
// process's login, and loads its state. It runs in a login's generation, so
// answers to requests sent before do not undo it.
func (p *persistence) adoptLogin(snap store.Snapshot) {
	p.mu.Lock()
	p.adopted = make(map[jar.Key]time.Time, len(snap.Cookies)+len(snap.Tombstones))
	for _, c := range snap.Cookies {
		p.adopted[c.Key()] = c.Updated
	}
	for _, t := range snap.Tombstones {
		p.adopted[t.Key] = time.Time{}
	}
	p.mu.Unlock()
	have := map[jar.Key]time.Time{}
	for _, c := range p.jar.All() {
		have[c.Key()] = c.Updated
	}
	for _, c := range snap.Cookies {
		if err := p.jar.Put(c.Cookie); err != nil && p.logger != nil {
			p.logger.Debug("limpet: a cookie of the shared login was not adopted", slog.String("name", c.Name), slog.String("error", err.Error()))
		}
	}
	for _, t := range snap.Tombstones {
		if at, ok := have[t.Key]; ok && !at.After(t.Deleted) {
			p.jar.Delete(t.Key)
		}
	}
	p.mu.Lock()
	p.adopted = nil
	p.mu.Unlock()
	for _, sv := range p.savers {
		if sv != StateSaver(p.fleet) {
			sv.LoadState(snap)
		}
	}
}

// warn logs a problem that does not fail the request, on slog.Default()
// when the Session has no Logger.
func (p *persistence) warn(msg string, err error) {
	logger := p.logger
	if logger == nil {
		logger = slog.Default()
	}
	logger.Warn(msg, slog.String("error", err.Error()))
}
