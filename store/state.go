package store

import (
	"encoding/json"
	"fmt"
	"maps"
	"time"
)

// State is the saved state of one piece of a session (a login, a CSRF
// strategy, a token source), kept in Snapshot.State under the name of its
// owner. The owner defines what Data holds and versions it; the store never
// reads Data, so it knows nothing of what a piece saves.
//
// Security: Data is written as it is, so an owner keeps passwords out of
// it. A password the user asked to keep goes in Secret, which the file and
// Redis stores leave out unless their SavePasswords option is set (see
// Snapshot.WithoutPasswords). Tokens are secrets too, but are kept in Data,
// as a session needs them: the stores write files only their owner can read.
type State struct {
	// Version is the version of Data's layout, defined by the owner. An
	// owner that finds a version newer than it knows should treat the state
	// as absent rather than misread it.
	Version int
	// Updated is when the owner last changed the state. Merge keeps, per
	// owner, the entry with the later Updated.
	Updated time.Time
	// Data is the owner's state as JSON. An entry without Data records that
	// the owner's state was removed; Merge prunes such records like
	// tombstones (MergeOptions.TombstoneTTL after Updated).
	Data json.RawMessage
	// Secret is the owner's secrets as JSON (a password the user asked to
	// keep), nil when none. Stores drop it unless told to keep passwords.
	Secret json.RawMessage
	// Extra holds unknown members, written back as they were.
	Extra map[string]json.RawMessage
}

// Removed reports whether s records that its owner's state was removed: it
// has no Data (or JSON null).
func (s State) Removed() bool { return len(s.Data) == 0 || string(s.Data) == "null" }

// SetState stores v, encoded with encoding/json, as the state of owner with
// the given version and time, without a Secret. It replaces s.State by a new map rather than
// changing the one s has, which other snapshots may share (Merge's result
// shares maps with its arguments).
func (s *Snapshot) SetState(owner string, version int, updated time.Time, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: state %q: %w", owner, err)
	}
	s.putState(owner, State{Version: version, Updated: updated, Data: data})
	return nil
}

// SetSecret sets the Secret of owner's state, set before with SetState, to
// v encoded with encoding/json; a nil v clears it. Like SetState, it
// replaces s.State by a new map.
func (s *Snapshot) SetSecret(owner string, v any) error {
	st, ok := s.State[owner]
	if !ok {
		return fmt.Errorf("store: state %q: no state to add a secret to", owner)
	}
	st.Secret = nil
	if v != nil {
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("store: state %q: secret: %w", owner, err)
		}
		st.Secret = data
	}
	s.putState(owner, st)
	return nil
}

// RemoveState records that owner's state was removed at updated, so that a
// merge with an older copy does not bring it back. Like SetState, it
// replaces s.State by a new map.
func (s *Snapshot) RemoveState(owner string, updated time.Time) {
	s.putState(owner, State{Updated: updated})
}

func (s *Snapshot) putState(owner string, st State) {
	m := make(map[string]State, len(s.State)+1)
	maps.Copy(m, s.State)
	m[owner] = st
	s.State = m
}

// LookupState returns the state of owner. ok is false when s has none, or
// only the record of its removal. The owner checks the entry's Version and
// decodes Data itself.
func (s Snapshot) LookupState(owner string) (st State, ok bool) {
	st, ok = s.State[owner]
	if !ok || st.Removed() {
		return State{}, false
	}
	return st, true
}
