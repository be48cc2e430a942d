package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// Memory is a Store that keeps snapshots in memory, for tests and for
// programs that share a session between goroutines but not processes. It
// merges on Save exactly as the file store does.
//
// The zero Memory is not usable; call NewMemory. A Memory is safe for
// concurrent use by multiple goroutines.
type Memory struct {
	opts MergeOptions
	now  func() time.Time

	mu sync.Mutex          // guards m
	m  map[string]Snapshot // deep copies, owned by the Memory
}

// NewMemory returns an empty Memory store. Merges use opts; when opts.Now is
// zero each Save uses the current time.
func NewMemory(opts MergeOptions) *Memory {
	now := time.Now
	if !opts.Now.IsZero() {
		fixed := opts.Now
		now = func() time.Time { return fixed }
	}
	return &Memory{opts: opts, now: now, m: map[string]Snapshot{}}
}

func (s *Memory) check(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if name == "" {
		return fmt.Errorf("store: empty session name")
	}
	return nil
}

// Load returns a copy of the snapshot saved under name.
func (s *Memory) Load(ctx context.Context, name string) (Snapshot, error) {
	if err := s.check(ctx, name); err != nil {
		return Snapshot{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	snap, ok := s.m[name]
	if !ok {
		return Snapshot{}, fmt.Errorf("store: %q: %w", name, ErrNotFound)
	}
	return snap.Clone(), nil
}

// Save merges snap into the snapshot saved under name and returns a copy of
// the result. Meta.Updated is set to the time of the save, Meta.Created
// when it is zero, and Meta.Limpet when it is empty.
func (s *Memory) Save(ctx context.Context, name string, snap Snapshot) (Snapshot, error) {
	if err := s.check(ctx, name); err != nil {
		return Snapshot{}, err
	}
	now := s.now()
	mine := snap.Clone()
	Stamp(&mine, now)
	s.mu.Lock()
	defer s.mu.Unlock()
	opts := s.opts
	opts.Now = now
	merged := Merge(s.m[name], mine, opts).Clone()
	s.m[name] = merged
	return merged.Clone(), nil
}

// Delete removes the snapshot saved under name.
func (s *Memory) Delete(ctx context.Context, name string) error {
	if err := s.check(ctx, name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[name]; !ok {
		return fmt.Errorf("store: %q: %w", name, ErrNotFound)
	}
	delete(s.m, name)
	return nil
}

// List returns the saved names, sorted.
func (s *Memory) List(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.m)), nil
}

// Stamp sets the metadata of a snapshot about to be saved at now:
// Meta.Updated to now, Meta.Created to now when it is zero, and Meta.Limpet
// to LimpetVersion() when it is empty. Stores call it; it is exported for
// other Store implementations.
func Stamp(s *Snapshot, now time.Time) {
	s.Meta.Updated = now
	if s.Meta.Created.IsZero() {
		s.Meta.Created = now
	}
	if s.Meta.Limpet == "" {
		s.Meta.Limpet = LimpetVersion()
	}
}
