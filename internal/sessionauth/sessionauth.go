// Package sessionauth keeps a session's own authentication settings: the
// scheme, user and bearer token the command line's -a/-A used with
// --session, or an HTTPie session file's "auth". They are saved as a State
// entry under Owner, so that the command-line tool, the HTTPie import and
// export, and the session commands share one vocabulary.
//
// Security: the password is saved only when the caller sets it, in the
// entry's Secret, which the file and Redis stores drop unless their
// SavePasswords option is set. A bearer token is saved like the tokens of
// token sources (the stores keep files only their owner can read).
package sessionauth

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/store"
)

// Owner is the key of the settings in store.Snapshot.State.
const Owner = "sessionauth"

// stateVersion is the layout version of the saved settings.
const stateVersion = 1

// Where a password comes from (Settings.PasswordFrom).
const (
	FromPrompt = "prompt" // typed: at a prompt, or in -a USER:PASS
	FromNetrc  = "netrc"  // ~/.netrc
	FromStored = "stored" // the session keeps it (Settings.Password)
)

// Token sources under which earlier releases kept a session's bearer
// token in their "tokens" member: the command line's -A bearer, and an
// HTTPie import.
var legacySources = []string{"bearer", "httpie"}

// Settings are a session's authentication settings.
type Settings struct {
	// Kind is the scheme: "basic", "digest", "bearer", or another name an
	// HTTPie file gave.
	Kind string `json:"kind"`
	// User is the user name, if the kind has one.
	User string `json:"user,omitempty"`
	// PasswordFrom tells where the password comes from: FromPrompt,
	// FromNetrc or FromStored ("" when unknown).
	PasswordFrom string `json:"password_from,omitempty"`
	// Token is the bearer token of the kind "bearer".
	Token string `json:"token,omitempty"`
	// Password is the password, saved only in the entry's Secret; see the
	// package's security note.
	Password string `json:"-"`
	// Updated is when the settings last changed: the entry's Updated.
	Updated time.Time `json:"-"`
}

type secret struct {
	Password string `json:"password"`
}

// Load returns the settings s keeps: its entry, or the "auth" member (and
// the bearer token in the "tokens" member) of an earlier release's file,
// converted (legacy is then true: Save removes those members). ok is false
// when there are none, when they were removed, or when the entry's version
// is newer than this one knows.
func Load(s store.Snapshot) (a Settings, legacy, ok bool) {
	if st, found := s.LookupState(Owner); found {
		if st.Version != stateVersion || json.Unmarshal(st.Data, &a) != nil {
			return Settings{}, false, false
		}
		var sec secret
		if st.Secret != nil && json.Unmarshal(st.Secret, &sec) == nil {
			a.Password = sec.Password
		}
		a.Updated = st.Updated
		return a, false, a.Kind != ""
	}
	if _, found := s.State[Owner]; found {
		return Settings{}, false, false // removed
	}
	old, found := legacystate.AuthOf(s)
	if !found || old.Kind == "" {
		return Settings{}, false, false
	}
	a = Settings{Kind: old.Kind, User: old.User, PasswordFrom: old.PasswordFrom, Password: old.Password, Updated: old.Updated.Time}
	if a.Password != "" {
		a.PasswordFrom = FromStored
	}
	if a.Kind == "bearer" {
		for _, src := range legacySources {
			if t, ok := legacystate.TokenOf(s, src); ok && t.AccessToken != "" {
				a.Token = t.AccessToken
				break
			}
		}
	}
	return a, true, true
}

// Save adds a to dst, a snapshot about to be saved, with the password in
// the entry's Secret when a.PasswordFrom is FromStored. loaded is the
// snapshot the settings were read from: the members an earlier release
// kept them in are removed from the save.
func Save(dst *store.Snapshot, loaded store.Snapshot, a Settings) error {
	if err := dst.SetState(Owner, stateVersion, a.Updated, a); err != nil {
		return fmt.Errorf("sessionauth: %w", err)
	}
	if a.PasswordFrom == FromStored && a.Password != "" {
		if err := dst.SetSecret(Owner, secret{Password: a.Password}); err != nil {
			return fmt.Errorf("sessionauth: %w", err)
		}
	}
	removeLegacy(dst, loaded)
	return nil
}

// Remove records in dst that the settings were removed at (a logout), so
// that a merge with an older copy does not bring them back.
func Remove(dst *store.Snapshot, loaded store.Snapshot, at time.Time) {
	dst.RemoveState(Owner, at)
	removeLegacy(dst, loaded)
}

func removeLegacy(dst *store.Snapshot, loaded store.Snapshot) {
	if _, ok := loaded.Extra[legacystate.MemberAuth]; ok {
		legacystate.Remove(dst, legacystate.MemberAuth)
	}
	for _, src := range legacySources {
		if _, ok := legacystate.TokenOf(loaded, src); ok {
			legacystate.RemoveToken(dst, loaded, src)
		}
	}
}
