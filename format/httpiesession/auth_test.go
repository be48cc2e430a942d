package httpiesession_test

import (
	"testing"
	"time"

	"github.com/limpet-http/limpet/internal/sessionauth"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/token"
)

// withAuth returns s with the session authentication settings a (as the
// command line's -a keeps them, or an import saves them).
func withAuth(t testing.TB, s store.Snapshot, a sessionauth.Settings) store.Snapshot {
	t.Helper()
	if a.Password != "" && a.PasswordFrom == "" {
		a.PasswordFrom = sessionauth.FromStored
	}
	if err := sessionauth.Save(&s, store.Snapshot{}, a); err != nil {
		t.Fatal(err)
	}
	return s
}

// authOf returns the session authentication settings s keeps.
func authOf(s store.Snapshot) (sessionauth.Settings, bool) {
	a, _, ok := sessionauth.Load(s)
	return a, ok
}

// tokenSnapshot returns a snapshot holding the token of a token source
// called name, as the token package saves it.
func tokenSnapshot(t testing.TB, name, access string) store.Snapshot {
	t.Helper()
	var s store.Snapshot
	if err := s.SetState(token.StatePrefix+name, 1, time.Now(), map[string]string{"access_token": access}); err != nil {
		t.Fatal(err)
	}
	return s
}
