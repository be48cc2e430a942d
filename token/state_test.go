package token_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/token"
)

// FuzzLoadState checks that whatever a session file holds as a token
// Authenticator's state (its entry, or an earlier release's "tokens"
// member), LoadState does not panic and SaveState writes a state that
// reads back the same token.
func FuzzLoadState(f *testing.F) {
	f.Add([]byte(`{"access_token":"a","refresh_token":"r","token_type":"Bearer","expiry":"2026-01-01T00:00:00Z","recipe":{"flow":"jwt"}}`),
		[]byte(`[{"source":"jwt POST http://127.0.0.1:1/token","access_token":"b","updated":"2026-01-01T00:00:00Z"}]`))
	f.Add([]byte(`{}`), []byte(`[{"source":"jwt POST http://127.0.0.1:1/token","expiry":""},{"source":"x"}]`))
	f.Add([]byte(`{"expiry":5}`), []byte(`[1]`))
	f.Fuzz(func(t *testing.T, data, tokens []byte) {
		a := token.JWTLogin("http://127.0.0.1:1/token", "u", "p", token.JWTOptions{})
		var snap store.Snapshot
		if json.Valid(data) {
			snap.State = map[string]store.State{token.StatePrefix + a.Name(): {Version: 1, Updated: time.Unix(1, 0), Data: data}}
		}
		if json.Valid(tokens) {
			snap.SetExtra("tokens", tokens)
		}
		for _, snap := range []store.Snapshot{snap, {Extra: snap.Extra}} {
			a := token.JWTLogin("http://127.0.0.1:1/token", "u", "p", token.JWTOptions{})
			a.LoadState(snap)
			var out store.Snapshot
			a.SaveState(&out)
			if _, err := store.Marshal(out); err != nil {
				t.Fatal(err)
			}
			held := a.Token()
			b := token.JWTLogin("http://127.0.0.1:1/token", "u", "p", token.JWTOptions{})
			b.LoadState(out)
			if got := b.Token(); (held == nil) != (got == nil) || held != nil && (held.AccessToken != got.AccessToken || held.RefreshToken != got.RefreshToken) {
				t.Fatalf("held %+v, read back %+v", held, got)
			}
		}
	})
}

// An earlier release kept every source's token in one "tokens" member:
// each Authenticator converts its own, and the save keeps the others.
func TestLoadStateConvertsTheEarlierMember(t *testing.T) {
	loaded, err := store.Parse([]byte(`{"format": "limpet-session", "version": 1,
		"login": {"url": "http://127.0.0.1:1/token", "flow": "jwt", "user": "u", "params": {"encoding": "json"}},
		"tokens": [{"source": "jwt POST http://127.0.0.1:1/token", "access_token": "a1", "refresh_token": "r1", "token_type": "Bearer", "updated": "2026-03-01T12:00:00Z"},
			{"source": "other", "access_token": "o1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a := token.JWTLogin("http://127.0.0.1:1/token", "u", "p", token.JWTOptions{})
	a.LoadState(loaded)
	if tok := a.Token(); tok == nil || tok.AccessToken != "a1" || tok.RefreshToken != "r1" {
		t.Fatalf("token %+v", tok)
	}
	var mine store.Snapshot
	a.SaveState(&mine)
	merged := store.Merge(loaded, mine, store.MergeOptions{})
	if merged.Extra["login"] != nil || string(merged.Extra["tokens"]) != `[{"source":"other","access_token":"o1"}]` {
		t.Fatalf("members after the save: %s", merged.Extra)
	}
	if st, ok := merged.LookupState(token.StatePrefix + a.Name()); !ok || st.Secret != nil || !st.Updated.Equal(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("state %+v", st)
	}
	toks := token.SavedTokens(merged)
	if len(toks) != 2 || toks[a.Name()].AccessToken != "a1" || toks["other"].AccessToken != "o1" {
		t.Errorf("SavedTokens: %+v", toks)
	}
}
