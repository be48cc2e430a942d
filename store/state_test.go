package store_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/limpet-http/limpet/store"
)

func TestStateHelpers(t *testing.T) {
	var s store.Snapshot
	if _, ok := s.LookupState("a"); ok {
		t.Fatal("LookupState found state in an empty snapshot")
	}
	if err := s.SetState("a", 2, t0, map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	st, ok := s.LookupState("a")
	if !ok || st.Version != 2 || !st.Updated.Equal(t0) || string(st.Data) != `{"n":1}` {
		t.Fatalf("LookupState = %+v, %v", st, ok)
	}

	// SetState and RemoveState do not change a map another snapshot shares.
	shared := s
	s.RemoveState("a", t0.Add(time.Second))
	if _, ok := shared.LookupState("a"); !ok {
		t.Error("RemoveState changed a map shared with another snapshot")
	}
	if _, ok := s.LookupState("a"); ok {
		t.Error("LookupState found removed state")
	}
	if rec := s.State["a"]; !rec.Removed() || !rec.Updated.Equal(t0.Add(time.Second)) {
		t.Errorf("removal record %+v", rec)
	}
	if err := shared.SetState("b", 1, t0, "x"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.State["b"]; ok {
		t.Error("SetState changed a map shared with another snapshot")
	}

	err := s.SetState("c", 1, t0, func() {})
	if err == nil || !strings.HasPrefix(err.Error(), `store: state "c": `) {
		t.Errorf("SetState of a func: %v", err)
	}
}

// TestStateBesideLegacyMembers checks that a state entry and the legacy
// member it replaces coexist in one file and both survive a round trip
// and a merge.
func TestStateBesideLegacyMembers(t *testing.T) {
	old := store.Snapshot{CSRF: &store.CSRF{Token: "t", HeaderName: "X-T", Updated: t0},
		Login: &store.Login{URL: "http://localhost/login", Updated: t0}}
	mine := old.Clone()
	if err := mine.SetState("login", 1, t0.Add(time.Second), map[string]string{"url": "http://localhost/login"}); err != nil {
		t.Fatal(err)
	}
	b, err := store.Marshal(store.Merge(old, mine, store.MergeOptions{Now: t0}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := got.LookupState("login")
	if !ok || string(st.Data) != `{"url":"http://localhost/login"}` || got.CSRF == nil || got.CSRF.Token != "t" ||
		got.Login == nil || got.Login.URL != "http://localhost/login" {
		t.Fatalf("lost a member:\n%s", b)
	}
}

// An owner moves its legacy member to a State entry of its own: while it
// has no entry it reads the legacy member, and from then on it keeps its
// state in the entry, under a version of its own.
func ExampleSnapshot_SetState() {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	type csrfState struct {
		Token  string `json:"token"`
		Header string `json:"header"`
	}
	snap := store.Snapshot{CSRF: &store.CSRF{Token: "4b1d", HeaderName: "X-XSRF-TOKEN", Updated: t0}}

	var mine csrfState
	if st, ok := snap.LookupState("csrf"); ok && st.Version == 1 {
		if err := json.Unmarshal(st.Data, &mine); err != nil {
			fmt.Println(err)
			return
		}
	} else if snap.CSRF != nil { // not migrated yet
		mine = csrfState{Token: snap.CSRF.Token, Header: snap.CSRF.HeaderName}
	}
	if err := snap.SetState("csrf", 1, t0, mine); err != nil {
		fmt.Println(err)
		return
	}

	data, err := store.Marshal(snap)
	if err != nil {
		fmt.Println(err)
		return
	}
	back, err := store.Parse(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	st, _ := back.LookupState("csrf")
	fmt.Println(st.Version, string(st.Data))
	// Output: 1 {"token":"4b1d","header":"X-XSRF-TOKEN"}
}
