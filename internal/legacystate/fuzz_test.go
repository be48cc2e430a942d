package legacystate_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/store"
)

// FuzzMembers checks that the members of an earlier release's file, whatever
// they hold, are read without a panic, and that removing one token keeps
// the others of the list as they were.
func FuzzMembers(f *testing.F) {
	f.Add(`{"kind": "basic", "user": "u", "updated": ""}`, `[{"source": "a", "access_token": "x"}, {"source": "b"}]`, "a")
	f.Add(`{"url": "http://h/login", "flow": "spring-form", "params": {"a": "b"}, "updated": "2026-01-01T00:00:00Z"}`, `[{"source": "a"}]`, "a")
	f.Add(`null`, `[1, "x", {"source": 2}]`, "")
	f.Add(`{"updated": 5}`, `{}`, "b")
	legacy, _ := filepath.Glob("../../testdata/legacy/*.json")
	for _, p := range legacy {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		s, err := store.Parse(b)
		if err != nil {
			f.Fatal(err)
		}
		for _, m := range []string{"auth", "login", "csrf"} {
			if s.Extra[m] != nil {
				f.Add(string(s.Extra[m]), string(s.Extra["tokens"]), "bearer")
			}
		}
	}
	f.Fuzz(func(t *testing.T, member, tokens, source string) {
		var s store.Snapshot
		for _, m := range []string{legacystate.MemberAuth, legacystate.MemberLogin, legacystate.MemberCSRF} {
			if json.Valid([]byte(member)) {
				s.SetExtra(m, json.RawMessage(member))
			}
		}
		if json.Valid([]byte(tokens)) {
			s.SetExtra(legacystate.MemberTokens, json.RawMessage(tokens))
		}
		legacystate.AuthOf(s)
		legacystate.LoginOf(s)
		legacystate.CSRFOf(s)
		_, had := legacystate.TokenOf(s, source)
		before := legacystate.Tokens(s)
		var dst store.Snapshot
		legacystate.RemoveToken(&dst, s, source)
		if _, still := legacystate.TokenOf(dst, source); still {
			t.Fatalf("token %q still there: %s", source, dst.Extra)
		}
		if had {
			raw, set := dst.Extra[legacystate.MemberTokens]
			if !set {
				t.Fatal("the removal was not recorded")
			}
			var all, rest []json.RawMessage
			_ = json.Unmarshal(s.Extra[legacystate.MemberTokens], &all)
			if raw != nil {
				if err := json.Unmarshal(raw, &rest); err != nil {
					t.Fatalf("what is left is not a list: %s", raw)
				}
			}
			n := 0
			for _, tk := range before {
				if tk.Source == source {
					n++
				}
			}
			if len(rest) != len(all)-n {
				t.Fatalf("%d tokens left of %d, %d removed: %s", len(rest), len(all), n, raw)
			}
		}
		if _, err := store.Marshal(store.Merge(s, dst, store.MergeOptions{})); err != nil {
			t.Fatal(err)
		}
	})
}
