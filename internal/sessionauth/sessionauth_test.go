package sessionauth_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/limpet-http/limpet/internal/sessionauth"
	"github.com/limpet-http/limpet/store"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// The settings round-trip through a file; the password only as the
// Secret, which WithoutPasswords drops.
func TestSaveLoad(t *testing.T) {
	var s store.Snapshot
	a := sessionauth.Settings{Kind: "basic", User: "alice", PasswordFrom: sessionauth.FromStored, Password: "s3cret", Updated: t0}
	if err := sessionauth.Save(&s, store.Snapshot{}, a); err != nil {
		t.Fatal(err)
	}
	b, err := store.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := store.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	got, legacy, ok := sessionauth.Load(back)
	if !ok || legacy || got != a {
		t.Fatalf("Load: %+v %v %v, want %+v", got, legacy, ok, a)
	}
	if string(back.State[sessionauth.Owner].Data) != `{"kind":"basic","user":"alice","password_from":"stored"}` {
		t.Errorf("data %s: the password goes in the Secret only", back.State[sessionauth.Owner].Data)
	}
	got, _, _ = sessionauth.Load(back.WithoutPasswords())
	if got.Password != "" || got.User != "alice" {
		t.Errorf("without passwords: %+v", got)
	}
	// A typed password is never kept.
	var typed store.Snapshot
	_ = sessionauth.Save(&typed, store.Snapshot{}, sessionauth.Settings{Kind: "basic", User: "a", PasswordFrom: sessionauth.FromPrompt, Password: "x"})
	if typed.State[sessionauth.Owner].Secret != nil {
		t.Errorf("a typed password was kept: %s", typed.State[sessionauth.Owner].Secret)
	}
	// Removed: not loaded, and a merge with the older copy keeps the removal.
	var rm store.Snapshot
	sessionauth.Remove(&rm, s, t0.Add(time.Second))
	if _, _, ok := sessionauth.Load(store.Merge(s, rm, store.MergeOptions{Now: t0})); ok {
		t.Error("removed settings came back")
	}
}

// An earlier release kept the settings in "auth" and a bearer token in
// "tokens": they are converted, and the save removes them (the other
// tokens stay).
func TestLegacy(t *testing.T) {
	old, err := store.Parse([]byte(`{"format": "limpet-session", "version": 1,
		"auth": {"kind": "bearer", "updated": "2026-03-01T12:00:00Z"},
		"tokens": [{"source": "api", "access_token": "a"}, {"source": "bearer", "access_token": "tok"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a, legacy, ok := sessionauth.Load(old)
	if !ok || !legacy || a.Kind != "bearer" || a.Token != "tok" || !a.Updated.Equal(t0) {
		t.Fatalf("Load: %+v %v %v", a, legacy, ok)
	}
	var mine store.Snapshot
	if err := sessionauth.Save(&mine, old, a); err != nil {
		t.Fatal(err)
	}
	merged := store.Merge(old, mine, store.MergeOptions{Now: t0})
	if merged.Extra["auth"] != nil || string(merged.Extra["tokens"]) != `[{"source":"api","access_token":"a"}]` {
		t.Fatalf("after the save: %s", merged.Extra)
	}
	if got, legacy, ok := sessionauth.Load(merged); !ok || legacy || got.Token != "tok" {
		t.Fatalf("Load after the save: %+v %v %v", got, legacy, ok)
	}
}

// FuzzLoad checks that whatever a session file holds as the settings, Load
// does not panic, and what it loads saves and loads back the same.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"kind":"basic","user":"u","password_from":"stored"}`), []byte(`{"password":"p"}`), 1)
	f.Add([]byte(`{"kind":"bearer","token":"t"}`), []byte(`null`), 1)
	f.Add([]byte(`{"kind":""}`), []byte(`[]`), 2)
	f.Add([]byte(`"x"`), []byte(`{"password":5}`), 1)
	f.Fuzz(func(t *testing.T, data, secret []byte, version int) {
		if !json.Valid(data) {
			return
		}
		st := store.State{Version: version, Updated: t0, Data: data}
		if json.Valid(secret) {
			st.Secret = secret
		}
		s := store.Snapshot{State: map[string]store.State{sessionauth.Owner: st}}
		a, _, ok := sessionauth.Load(s)
		if !ok {
			return
		}
		var again store.Snapshot
		if err := sessionauth.Save(&again, s, a); err != nil {
			t.Fatal(err)
		}
		b, _, ok := sessionauth.Load(again)
		want := a
		if want.PasswordFrom != sessionauth.FromStored {
			want.Password = ""
		}
		if !ok || b != want {
			t.Fatalf("saved %+v, loaded %+v", want, b)
		}
	})
}
