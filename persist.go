package limpet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

// SessionStore keeps one session's state between processes: a file
// (*filestore.File), an entry of a store.Store (store.Bind), a Redis key.
//
// Save merges the given snapshot into what is stored (other processes may
// have saved meanwhile), stores the result atomically and returns it; the
// Session then adopts the cookies other writers added. Implementations must
// be safe for concurrent use.
type SessionStore interface {
	Load(ctx context.Context) (store.Snapshot, error)
	Save(ctx context.Context, s store.Snapshot) (store.Snapshot, error)
}

// StateSaver is implemented by parts of a Session that hold state worth
// keeping with its cookies, such as an Authenticator's tokens, CSRF token
// and login recipe. SaveState adds that state to a snapshot about to be
// saved; LoadState takes it from a snapshot that was loaded or merged.
// Both may be called from any goroutine.
type StateSaver interface {
	SaveState(s *store.Snapshot)
	LoadState(s store.Snapshot)
}

// DefaultSaveDelay is how long autosave waits after a change before it
// writes, so that a burst of changes costs one write.
const DefaultSaveDelay = 100 * time.Millisecond

// persistence connects a Session's jar (and state savers) to its store.
type persistence struct {
	st     SessionStore
	jar    *jar.Jar
	auto   bool
	delay  time.Duration
	logger *slog.Logger
	savers []StateSaver
	// auth, when set, is the Session's Authenticator state: a save adopts
	// cookies other processes saved, and one adopted between two steps of
	// a login would replace the session the login is building. So a save
	// waits until no login runs, and adopts nothing when one started
	// while it was writing (the login's changes are saved next).
	auth *authState
	// fleet, when the store is shared by processes (a RecoveryLocker),
	// is the login generation; it is also the first of savers.
	fleet *fleetState

	saveMu sync.Mutex // serialises saves, so snapshots are written in order

	mu      sync.Mutex // guards the fields below
	ready   bool       // false while New restores the loaded state
	dirty   bool
	tombs   []store.Tombstone
	adopted map[jar.Key]time.Time // cookies being adopted from a merge: not changes of ours
	lastErr error

	kick     chan struct{} // autosave wake-up; capacity 1
	stop     chan struct{} // closed by close, once
	stopOnce sync.Once
	done     chan struct{} // closed when the autosave goroutine ends
}

func newPersistence(st SessionStore, o Options, logger *slog.Logger) *persistence {
	p := &persistence{st: st, auto: !o.ManualSave, delay: o.SaveDelay, logger: logger}
	if p.fleet = newFleetState(st, o.RecoveryWait); p.fleet != nil {
		p.savers = []StateSaver{p.fleet}
	}
	if p.delay <= 0 {
		p.delay = DefaultSaveDelay
	}
	return p
}

// onChange is the jar's change notification.
func (p *persistence) onChange(c jar.Change) {
	p.mu.Lock()
	if !p.ready {
		p.mu.Unlock()
		return
	}
	if at, ok := p.adopted[c.Cookie.Key()]; ok && (c.Kind == jar.ChangeDeleted || c.Cookie.Updated.Equal(at)) {
		p.mu.Unlock()
		return
	}
	if c.Kind == jar.ChangeDeleted {
		p.tombs = append(p.tombs, store.Tombstone{Key: c.Cookie.Key(), Deleted: c.Time})
	}
	p.dirty = true
	p.mu.Unlock()
	p.wake()
}

// markDirty records a change of state outside the jar (a new token).
func (p *persistence) markDirty() {
	p.mu.Lock()
	p.dirty = p.ready || p.dirty
	p.mu.Unlock()
	p.wake()
}

func (p *persistence) wake() {
	if !p.auto {
		return
	}
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// load restores the stored state; a missing session is not an error.
func (p *persistence) load(ctx context.Context) error {
	snap, err := p.st.Load(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return fmt.Errorf("limpet: loading the saved session: %w", err)
	default:
		if err := p.jar.Restore(snap.JarCookies()); err != nil {
			var re *jar.RestoreError
			if !errors.As(err, &re) {
				return fmt.Errorf("limpet: restoring the saved session's cookies: %w", err)
			}
			p.warnSkipped(re)
		}
		for _, s := range p.savers {
			s.LoadState(snap)
		}
	}
	p.mu.Lock()
	p.ready = true
	p.mu.Unlock()
	if p.auto {
		p.kick = make(chan struct{}, 1)
		p.stop = make(chan struct{})
		p.done = make(chan struct{})
		go p.loop()
	}
	return nil
}

// warnSkipped reports the saved cookies the jar could not take back: the
// session goes on without them (they stay in the store), and each gets a
// warning, on slog.Default() when the Session has no Logger.
func (p *persistence) warnSkipped(re *jar.RestoreError) {
	logger := p.logger
	if logger == nil {
		logger = slog.Default()
	}
	for _, s := range re.Skipped {
		k := s.Cookie.Key()
		logger.Warn("limpet: a saved cookie was skipped; the session goes on without it",
			slog.String("name", k.Name), slog.String("domain", k.Domain), slog.String("path", k.Path),
			slog.String("reason", s.Err.Error()))
	}
}

// loop is the autosave goroutine: it waits for a change, lets further
// changes gather for delay, and saves. close stops it.
func (p *persistence) loop() {
	defer close(p.done)
	for {
		select {
		case <-p.stop:
			return
		case <-p.kick:
		}
		t := time.NewTimer(p.delay)
		select {
		case <-p.stop:
			t.Stop()
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := p.save(ctx, false)
		cancel()
		if err != nil && p.logger != nil {
			p.logger.Warn("limpet: autosave failed; will retry on the next change and on Close", slog.String("error", err.Error()))
		}
	}
}

// save writes the session's state and adopts what the store merged in.
// Unless force is set, nothing is written when nothing changed, nor while
// the Session's last login failed (and none succeeded since): a wrong
// password leaves no session file behind, and an existing one as it was.
// The changes stay pending, for the next save after a login succeeds.
func (p *persistence) save(ctx context.Context, force bool) error {
	for {
		err := p.saveOnce(ctx, force)
		if err != errLoginStarted {
			return err
		}
		// A login started while the state was about to be taken: wait
		// for it, and decide again.
	}
}

// errLoginStarted stops a save whose state would be taken while a login
// runs; save tries again once it has ended.
var errLoginStarted = errors.New("limpet: a login started during the save")

func (p *persistence) saveOnce(ctx context.Context, force bool) error {
	if p.auth == nil {
		return p.write(ctx, force, false, nil, p.adopt)
	}
	gen, err := p.auth.idle(ctx)
	if err != nil {
		return fmt.Errorf("limpet: saving the session: %w", err)
	}
	// guard takes the state to write in the generation save waited for,
	// with no login running; none starts meanwhile.
	guard := func(take func()) error {
		failed := false
		if !p.auth.unchanged(gen, func() {
			if failed = p.auth.failed() && !force; !failed {
				take()
			}
		}) {
			return errLoginStarted
		}
		if failed {
			return errNotSaved
		}
		return nil
	}
	adopt := func(merged store.Snapshot) { p.auth.unchanged(gen, func() { p.adopt(merged) }) }
	if p.fleet != nil {
		return p.saveShared(ctx, force, guard, adopt) // fleet.go
	}
	return p.write(ctx, force, false, guard, adopt)
}

// errNotSaved is a guard's answer when nothing may be saved now (a failed
// login): write keeps the changes pending and reports no error.
var errNotSaved = errors.New("limpet: not saved after a failed login")

// write is save without waiting for a login: the caller either has no
// Authenticator, waited, or runs in the login's own generation (fleet.go).
// guard, when set, runs the taking of the state, or returns an error
// instead (errLoginStarted, errNotSaved); the changes then stay pending.
// adopt takes what the store merged in. stale writes nothing: the state
// belongs to a login that another process has replaced since (fleet.go).
func (p *persistence) write(ctx context.Context, force, stale bool, guard func(take func()) error, adopt func(store.Snapshot)) error {
	p.saveMu.Lock()
	defer p.saveMu.Unlock()
	var (
		snap  store.Snapshot
		tombs []store.Tombstone
		skip  bool
	)
	take := func() {
		p.mu.Lock()
		if !p.dirty && !force {
			p.mu.Unlock()
			skip = true
			return
		}
		tombs = p.tombs
		p.tombs, p.dirty = nil, false
		p.mu.Unlock()
		if stale {
			skip = true
			return
		}
		snap = store.Snapshot{
			Meta:       store.Meta{Limpet: Version},
			Cookies:    store.CookiesFromJar(p.jar.Snapshot()),
			Tombstones: tombs,
		}
		for _, s := range p.savers {
			s.SaveState(&snap)
		}
	}
	if guard == nil {
		take()
	} else if err := guard(take); err == errNotSaved {
		return nil
	} else if err != nil {
		return err
	}
	if skip {
		return nil
	}
	merged, err := p.st.Save(ctx, snap)
	if err != nil {
		p.mu.Lock()
		p.tombs = append(tombs, p.tombs...)
		p.dirty = true
		p.lastErr = err
		p.mu.Unlock()
		return fmt.Errorf("limpet: saving the session: %w", err)
	}
	adopt(merged)
	return nil
}

// adopt brings cookies and deletions that other writers saved into the jar,
// where they are newer than what the jar holds.
func (p *persistence) adopt(merged store.Snapshot) {
	have := make(map[jar.Key]time.Time, p.jar.Len())
	for _, c := range p.jar.All() {
		have[c.Key()] = c.Updated
	}
	var put []jar.Cookie
	var del []jar.Key
	for _, c := range merged.Cookies {
		if at, ok := have[c.Key()]; !ok || at.Before(c.Updated) {
			put = append(put, c.Cookie)
		}
	}
	for _, t := range merged.Tombstones {
		if at, ok := have[t.Key]; ok && !at.After(t.Deleted) {
			del = append(del, t.Key)
		}
	}
	if len(put) > 0 || len(del) > 0 {
		p.mu.Lock()
		p.adopted = make(map[jar.Key]time.Time, len(put)+len(del))
		for _, c := range put {
			p.adopted[c.Key()] = c.Updated
		}
		for _, k := range del {
			p.adopted[k] = time.Time{}
		}
		p.mu.Unlock()
		for _, c := range put {
			if err := p.jar.Put(c); err != nil && p.logger != nil {
				p.logger.Debug("limpet: a saved cookie was not adopted", slog.String("name", c.Name), slog.String("error", err.Error()))
			}
		}
		for _, k := range del {
			p.jar.Delete(k)
		}
		p.mu.Lock()
		p.adopted = nil
		p.mu.Unlock()
	}
	for _, s := range p.savers {
		s.LoadState(merged)
	}
}

// close stops autosave and writes what has changed since the last save.
// It may be called any number of times, from any goroutine.
func (p *persistence) close(ctx context.Context) error {
	if p.stop != nil {
		p.stopOnce.Do(func() { close(p.stop) })
		<-p.done
	}
	return p.save(ctx, false)
}
