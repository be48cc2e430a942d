package store

import (
	"context"
	"errors"
)

// Store keeps session snapshots under names.
//
// What a name may look like is up to the implementation (the file store
// accepts "name" and "host_port/name"); an invalid name is an error, never a
// panic.
//
// Implementations must be safe for concurrent use by multiple goroutines. An
// implementation shared by several processes (the file store, a Redis store)
// must make Save atomic across them: two concurrent Saves of one name both
// end up in the stored state, as Merge combines them.
type Store interface {
	// Load returns the snapshot stored under name. When nothing is stored
	// under name the error wraps ErrNotFound. A stored snapshot that cannot
	// be decoded is an error wrapping ErrCorrupt; it is left as it is.
	Load(ctx context.Context, name string) (Snapshot, error)

	// Save merges s into the snapshot stored under name (see Merge: per
	// cookie the later Updated wins, tombstones are respected), stores the
	// result atomically and returns it, so that the caller can adopt what
	// other writers saved in the meantime. When nothing is stored yet, s is
	// stored as it is. A stored snapshot that cannot be decoded makes Save
	// fail with an error wrapping ErrCorrupt and nothing is written.
	Save(ctx context.Context, name string, s Snapshot) (Snapshot, error)

	// Delete removes the snapshot stored under name. When nothing is stored
	// under name the error wraps ErrNotFound.
	Delete(ctx context.Context, name string) error

	// List returns the names of the stored snapshots, sorted.
	List(ctx context.Context) ([]string, error)
}

// ErrNotFound is wrapped by the errors a Store returns when nothing is stored
// under a name.
var ErrNotFound = errors.New("store: session not found")

// ErrCorrupt is wrapped by the errors returned for stored data that cannot be
// decoded as a snapshot: bad JSON, a wrong member type, an unknown format or a
// version newer than this package knows.
var ErrCorrupt = errors.New("store: corrupt snapshot")
