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

// TestLegacyMemberConverted checks that a top-level member an earlier
// release kept for a piece ("csrf") is read as an unknown member, and that
// the owner's save, which writes its State entry and removes the member,
// leaves no trace of it after a merge with the stored copy.
func TestLegacyMemberConverted(t *testing.T) {
	disk, err := store.Parse([]byte(`{"format": "limpet-session", "version": 1,
		"csrf": {"token": "t", "header_name": "X-T", "updated": "2026-03-01T12:00:00Z"},
		"login": {"url": "http://localhost/login"}, "cookies": []}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(disk.Extra["csrf"]) != `{"token": "t", "header_name": "X-T", "updated": "2026-03-01T12:00:00Z"}` {
		t.Fatalf("csrf member: %s", disk.Extra["csrf"])
	}
	var mine store.Snapshot // what a process saves: its owners' state only
	if err := mine.SetState("csrf-owner", 1, t0, map[string]string{"token": "t"}); err != nil {
		t.Fatal(err)
	}
	mine.RemoveExtra("csrf")
	b, err := store.Marshal(store.Merge(disk, mine, store.MergeOptions{Now: t0}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.LookupState("csrf-owner"); !ok || got.Extra["csrf"] != nil || got.Extra["login"] == nil {
		t.Fatalf("after the save:\n%s", b)
	}
}

// An owner converts the member an earlier release kept for it to a State
// entry of its own: while it has no entry it reads the member (kept in
// Extra), and from then on it keeps its state in the entry, under a
// version of its own; the save removes the old member.
func ExampleSnapshot_SetState() {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	type csrfState struct {
		Token  string `json:"token"`
		Header string `json:"header"`
	}
	snap, err := store.Parse([]byte(`{"format": "limpet-session", "version": 1,
		"csrf": {"token": "4b1d", "header_name": "X-XSRF-TOKEN"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}

	var mine csrfState
	if st, ok := snap.LookupState("csrf"); ok && st.Version == 1 {
		if err := json.Unmarshal(st.Data, &mine); err != nil {
			fmt.Println(err)
			return
		}
	} else if raw := snap.Extra["csrf"]; raw != nil { // an earlier release's member
		var old struct {
			Token  string `json:"token"`
			Header string `json:"header_name"`
		}
		if json.Unmarshal(raw, &old) == nil {
			mine = csrfState{Token: old.Token, Header: old.Header}
		}
		snap.RemoveExtra("csrf")
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
	fmt.Println(st.Version, string(st.Data), len(back.Extra))
	// Output: 1 {"token":"4b1d","header":"X-XSRF-TOKEN"} 0
}
