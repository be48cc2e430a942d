package store_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

// ck builds a cookie on example.com with the given name, value and Updated
// offset from t0.
func ck(name, value string, updated time.Duration) store.Cookie {
	return store.Cookie{Cookie: jar.Cookie{Name: name, Value: value, Domain: "example.com", Path: "/",
		Created: t0, Updated: t0.Add(updated)}}
}

func tomb(name string, at time.Duration) store.Tombstone {
	return store.Tombstone{Key: jar.Key{Domain: "example.com", Path: "/", Name: name}, Deleted: t0.Add(at)}
}

// describe renders cookies and tombstones as "name=value" and "-name".
func describe(s store.Snapshot) string {
	var parts []string
	for _, c := range s.Cookies {
		parts = append(parts, c.Name+"="+c.Value)
	}
	for _, t := range s.Tombstones {
		parts = append(parts, "-"+t.Key.Name)
	}
	return strings.Join(parts, " ")
}

func TestMergeCookies(t *testing.T) {
	now := t0.Add(time.Hour)
	tests := []struct {
		name       string
		disk, mine store.Snapshot
		want       string
	}{
		{"union", store.Snapshot{Cookies: []store.Cookie{ck("a", "1", 0)}},
			store.Snapshot{Cookies: []store.Cookie{ck("b", "2", 0)}}, "a=1 b=2"},
		{"later mine wins", store.Snapshot{Cookies: []store.Cookie{ck("a", "old", 0)}},
			store.Snapshot{Cookies: []store.Cookie{ck("a", "new", time.Second)}}, "a=new"},
		{"later disk wins", store.Snapshot{Cookies: []store.Cookie{ck("a", "new", time.Second)}},
			store.Snapshot{Cookies: []store.Cookie{ck("a", "stale", 0)}}, "a=new"},
		{"tie goes to mine", store.Snapshot{Cookies: []store.Cookie{ck("a", "disk", 0)}},
			store.Snapshot{Cookies: []store.Cookie{ck("a", "mine", 0)}}, "a=mine"},
		{"tombstone on disk removes stale copy", store.Snapshot{Tombstones: []store.Tombstone{tomb("a", time.Second)}},
			store.Snapshot{Cookies: []store.Cookie{ck("a", "stale", 0)}}, "-a"},
		{"tombstone at same time removes", store.Snapshot{Tombstones: []store.Tombstone{tomb("a", 0)}},
			store.Snapshot{Cookies: []store.Cookie{ck("a", "x", 0)}}, "-a"},
		{"my tombstone removes disk copy", store.Snapshot{Cookies: []store.Cookie{ck("a", "1", 0)}},
			store.Snapshot{Tombstones: []store.Tombstone{tomb("a", time.Second)}}, "-a"},
		{"newer cookie beats tombstone", store.Snapshot{Tombstones: []store.Tombstone{tomb("a", time.Second)}},
			store.Snapshot{Cookies: []store.Cookie{ck("a", "again", 2*time.Second)}}, "a=again"},
		{"disk cookie newer than my tombstone", store.Snapshot{Cookies: []store.Cookie{ck("a", "set-later", 2*time.Second)}},
			store.Snapshot{Tombstones: []store.Tombstone{tomb("a", time.Second)}}, "a=set-later"},
		{"latest tombstone kept", store.Snapshot{Tombstones: []store.Tombstone{tomb("a", time.Second)}},
			store.Snapshot{Tombstones: []store.Tombstone{tomb("a", 3*time.Second)}, Cookies: []store.Cookie{ck("a", "x", 2*time.Second)}}, "-a"},
		{"old tombstone pruned", store.Snapshot{Tombstones: []store.Tombstone{tomb("a", -store.DefaultTombstoneTTL)}},
			store.Snapshot{}, ""},
		{"expired cookie dropped", store.Snapshot{Cookies: []store.Cookie{func() store.Cookie {
			c := ck("a", "1", 0)
			c.Persistent, c.Expires = true, now
			return c
		}()}}, store.Snapshot{Cookies: []store.Cookie{ck("b", "2", 0)}}, "b=2"},
		{"session cookie kept", store.Snapshot{Cookies: []store.Cookie{ck("JSESSIONID", "s", 0)}}, store.Snapshot{}, "JSESSIONID=s"},
		{"same name other path is another cookie", store.Snapshot{Cookies: []store.Cookie{ck("a", "root", 0)}},
			store.Snapshot{Cookies: []store.Cookie{func() store.Cookie { c := ck("a", "app", 0); c.Path = "/app"; return c }()}},
			"a=root a=app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diskBefore, _ := store.Marshal(tt.disk)
			mineBefore, _ := store.Marshal(tt.mine)
			got := store.Merge(tt.disk, tt.mine, store.MergeOptions{Now: now})
			if d := describe(got); d != tt.want {
				t.Errorf("Merge = %q, want %q", d, tt.want)
			}
			diskAfter, _ := store.Marshal(tt.disk)
			mineAfter, _ := store.Marshal(tt.mine)
			if string(diskBefore) != string(diskAfter) || string(mineBefore) != string(mineAfter) {
				t.Error("Merge changed its arguments")
			}
		})
	}
}

func TestMergeTieKeepsDiskExtra(t *testing.T) {
	d := ck("a", "1", 0)
	d.Extra = map[string]json.RawMessage{"priority": json.RawMessage(`"High"`)}
	got := store.Merge(store.Snapshot{Cookies: []store.Cookie{d}}, store.Snapshot{Cookies: []store.Cookie{ck("a", "1", 0)}},
		store.MergeOptions{Now: t0})
	if string(got.Cookies[0].Extra["priority"]) != `"High"` {
		t.Fatalf("extra lost: %v", got.Cookies[0].Extra)
	}
}

func TestMergeTombstoneTTL(t *testing.T) {
	disk := store.Snapshot{Tombstones: []store.Tombstone{tomb("a", 0)}}
	tests := []struct {
		name string
		ttl  time.Duration
		now  time.Duration
		keep bool
	}{
		{"default within", 0, store.DefaultTombstoneTTL - time.Second, true},
		{"default past", 0, store.DefaultTombstoneTTL, false},
		{"short past", time.Minute, time.Minute, false},
		{"short within", time.Minute, time.Second, true},
		{"forever", -1, 100 * store.DefaultTombstoneTTL, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := store.Merge(disk, store.Snapshot{}, store.MergeOptions{Now: t0.Add(tt.now), TombstoneTTL: tt.ttl})
			if kept := len(got.Tombstones) == 1; kept != tt.keep {
				t.Fatalf("kept = %v, want %v", kept, tt.keep)
			}
		})
	}
}

func TestMergeSections(t *testing.T) {
	now := t0.Add(time.Hour)
	older := store.Snapshot{
		Headers: &store.Headers{Updated: t0, List: []store.Header{{Name: "X", Value: "old"}}},
		Meta:    store.Meta{Created: t0, Updated: t0, Limpet: "v1"},
		Extra:   map[string]json.RawMessage{"x": json.RawMessage(`1`), "y": json.RawMessage(`1`), "z": json.RawMessage(`1`)},
	}
	newer := store.Snapshot{
		Headers: &store.Headers{Updated: t0.Add(time.Second), List: []store.Header{{Name: "X", Value: "new"}}},
		Meta:    store.Meta{Created: t0.Add(time.Minute), Updated: t0.Add(time.Second), Limpet: "v2"},
		Extra:   map[string]json.RawMessage{"y": json.RawMessage(`2`)},
	}
	check := func(t *testing.T, got store.Snapshot) {
		t.Helper()
		if got.Headers.List[0].Value != "new" {
			t.Errorf("older section won: %+v", got.Headers)
		}
		if !got.Meta.Created.Equal(t0) || !got.Meta.Updated.Equal(t0.Add(time.Second)) {
			t.Errorf("meta times %v %v", got.Meta.Created, got.Meta.Updated)
		}
	}
	t.Run("newer is mine", func(t *testing.T) {
		got := store.Merge(older, newer, store.MergeOptions{Now: now})
		check(t, got)
		if got.Meta.Limpet != "v2" || string(got.Extra["y"]) != "2" || string(got.Extra["x"]) != "1" {
			t.Errorf("meta/extra: %q %s %s", got.Meta.Limpet, got.Extra["y"], got.Extra["x"])
		}
	})
	t.Run("newer is disk", func(t *testing.T) {
		got := store.Merge(newer, older, store.MergeOptions{Now: now})
		check(t, got)
		if got.Meta.Limpet != "v1" {
			t.Errorf("limpet %q, want mine's v1", got.Meta.Limpet)
		}
	})
	t.Run("nil loses", func(t *testing.T) {
		got := store.Merge(older, store.Snapshot{}, store.MergeOptions{Now: now})
		if got.Headers == nil {
			t.Errorf("sections lost: %+v", got)
		}
	})
	// A member mine records as removed is left out, whatever disk has.
	removed := newer
	removed.RemoveExtra("z")
	removed.RemoveExtra("w") // not on disk either
	for _, got := range []store.Snapshot{store.Merge(older, removed, store.MergeOptions{Now: now}),
		store.Merge(store.Snapshot{}, removed, store.MergeOptions{Now: now})} {
		if _, ok := got.Extra["z"]; ok {
			t.Errorf("removed member kept: %s", got.Extra)
		}
		if _, ok := got.Extra["w"]; ok {
			t.Errorf("removal record kept: %s", got.Extra)
		}
		b, err := store.Marshal(got)
		if err != nil || strings.Contains(string(b), `"z"`) || strings.Contains(string(b), `"w"`) {
			t.Errorf("Marshal: %v\n%s", err, b)
		}
	}
	if _, ok := newer.Extra["z"]; ok || len(newer.Extra) != 1 {
		t.Errorf("RemoveExtra changed the map of a copy: %s", newer.Extra)
	}
}

func TestMergeState(t *testing.T) {
	now := t0.Add(time.Hour)
	st := func(data string, at time.Duration) store.State {
		s := store.State{Version: 1, Updated: t0.Add(at)}
		if data != "" {
			s.Data = json.RawMessage(data)
		}
		return s
	}
	disk := store.Snapshot{State: map[string]store.State{
		"a":       st(`"disk"`, time.Second),          // newer than mine
		"b":       st(`"disk"`, 0),                    // older than mine
		"tie":     st(`"disk"`, 0),                    // mine wins
		"removed": st(`"disk"`, 0),                    // mine records a removal
		"gone":    st(``, -store.DefaultTombstoneTTL), // an old removal record
		"back":    st(``, 0),                          // removed, then set again by mine
		"disk":    st(`"disk"`, 0),
	}}
	mine := store.Snapshot{State: map[string]store.State{
		"a":       st(`"mine"`, 0),
		"b":       st(`"mine"`, time.Second),
		"tie":     st(`"mine"`, 0),
		"removed": st(``, time.Second),
		"back":    st(`"mine"`, time.Second),
		"mine":    st(`"mine"`, 0),
	}}
	describeState := func(s store.Snapshot) string {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(s.State)) {
			v := s.State[k]
			if v.Removed() {
				parts = append(parts, "-"+k)
			} else {
				parts = append(parts, k+"="+string(v.Data))
			}
		}
		return strings.Join(parts, " ")
	}
	want := `a="disk" b="mine" back="mine" disk="disk" mine="mine" -removed tie="mine"`
	if got := describeState(store.Merge(disk, mine, store.MergeOptions{Now: now})); got != want {
		t.Errorf("Merge = %s\nwant    %s", got, want)
	}
	// Disk and mine swapped: the same but for the tie.
	want = `a="disk" b="mine" back="mine" disk="disk" mine="mine" -removed tie="disk"`
	if got := describeState(store.Merge(mine, disk, store.MergeOptions{Now: now})); got != want {
		t.Errorf("Merge swapped = %s\nwant            %s", got, want)
	}
	// The removal record goes after the TTL.
	later := store.Merge(disk, mine, store.MergeOptions{Now: t0.Add(time.Second + store.DefaultTombstoneTTL)})
	if _, ok := later.State["removed"]; ok {
		t.Errorf("removal record kept past the TTL: %s", describeState(later))
	}
	if got := store.Merge(store.Snapshot{}, store.Snapshot{}, store.MergeOptions{}); got.State != nil {
		t.Errorf("State = %v, want nil", got.State)
	}
}

// TestMergeConverges checks that merging in any order gives the same state:
// saves from several processes commute.
func TestMergeConverges(t *testing.T) {
	now := t0.Add(time.Hour)
	a := store.Snapshot{Cookies: []store.Cookie{ck("x", "a", 1), ck("y", "a", 5)}, Tombstones: []store.Tombstone{tomb("z", 3)}}
	b := store.Snapshot{Cookies: []store.Cookie{ck("x", "b", 2), ck("z", "b", 2)}}
	c := store.Snapshot{Cookies: []store.Cookie{ck("y", "c", 4), ck("w", "c", 1)}, Tombstones: []store.Tombstone{tomb("x", 1)}}
	parts := []store.Snapshot{a, b, c}
	var results []string
	for _, order := range [][]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
		var s store.Snapshot
		for _, i := range order {
			s = store.Merge(s, parts[i], store.MergeOptions{Now: now})
		}
		results = append(results, fmt.Sprint(order)+": "+describe(s))
	}
	want := describe(store.Snapshot{Cookies: []store.Cookie{ck("w", "c", 0), ck("x", "b", 0), ck("y", "a", 0)},
		Tombstones: []store.Tombstone{tomb("z", 0)}})
	for _, r := range results {
		if !strings.HasSuffix(r, ": "+want) {
			t.Errorf("%s, want %s", r, want)
		}
	}
}

func TestSnapshotHelpers(t *testing.T) {
	s := fullSnapshot()
	np := s.WithoutPasswords()
	if np.State["cli"].Secret != nil || string(np.State["cli"].Data) != `{"user":"alice"}` || len(np.State) != len(s.State) {
		t.Errorf("WithoutPasswords: %+v", np.State)
	}
	if string(s.State["cli"].Secret) != `{"password":"s3cret"}` {
		t.Error("WithoutPasswords changed its receiver")
	}
	ns := s.WithoutSessionCookies()
	if len(ns.Cookies) != 1 || ns.Cookies[0].Name != "remember-me" || len(s.Cookies) != 6 {
		t.Errorf("WithoutSessionCookies: %d cookies, receiver %d", len(ns.Cookies), len(s.Cookies))
	}
	cl := s.Clone()
	cl.Cookies[0].Value = "changed"
	cl.State["cli"].Secret[2] = 'X'
	cl.Headers.List[0].Value = "changed"
	cl.State["login"].Data[2] = 'X'
	cl.State["empty"] = store.State{}
	if s.Cookies[0].Value == "changed" || s.State["cli"].Secret[2] == 'X' || s.Headers.List[0].Value == "changed" ||
		s.State["login"].Data[2] == 'X' || s.State["empty"].Data == nil {
		t.Error("Clone shares memory with its receiver")
	}
	jc := s.JarCookies()
	back := store.CookiesFromJar(jc)
	if len(back) != len(s.Cookies) || back[1].Cookie != s.Cookies[1].Cookie {
		t.Error("JarCookies/CookiesFromJar do not round-trip")
	}
}

func TestTombstoneFor(t *testing.T) {
	c := ck("a", "1", 0).Cookie
	tests := []struct {
		kind jar.ChangeKind
		ok   bool
	}{
		{jar.ChangeSet, false},
		{jar.ChangeDeleted, true},
		{jar.ChangeExpired, false},
		{jar.ChangeEvicted, false},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			ts, ok := store.TombstoneFor(jar.Change{Kind: tt.kind, Cookie: c, Time: t0})
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if ok && (ts.Key != c.Key() || !ts.Deleted.Equal(t0)) {
				t.Fatalf("tombstone %+v", ts)
			}
		})
	}
}

// TestMergeOrder: cookies come out in creation order, as jar.Restore wants
// them, whatever order the inputs had.
func TestMergeOrder(t *testing.T) {
	a, b, c := ck("z", "1", 0), ck("y", "2", 0), ck("x", "3", 0)
	a.Created, b.Created, c.Created = t0, t0.Add(time.Second), t0.Add(2*time.Second)
	got := store.Merge(store.Snapshot{Cookies: []store.Cookie{c, a}}, store.Snapshot{Cookies: []store.Cookie{b}},
		store.MergeOptions{Now: t0})
	if d := describe(got); d != "z=1 y=2 x=3" {
		t.Fatalf("order %q, want creation order", d)
	}
}

// used returns c last used at t0+at.
func used(c store.Cookie, at time.Duration) store.Cookie {
	c.LastAccess = t0.Add(at)
	return c
}

// TestMergeLimits: the merged state holds no more cookies than a jar keeps,
// dropping the least recently used as the jar evicts them, and without
// tombstones for them.
func TestMergeLimits(t *testing.T) {
	now := t0.Add(time.Hour)
	other := func(c store.Cookie) store.Cookie { c.Domain = "other.test"; return c }
	secure := func(c store.Cookie) store.Cookie { c.Secure = true; return c }
	tests := []struct {
		name            string
		disk, mine      []store.Cookie
		perDomain, max  int
		want            string
		wantLastAccessB time.Duration // of cookie "b", when kept
	}{
		{
			name:      "per domain, least recently used first",
			disk:      []store.Cookie{used(ck("a", "1", 0), 1), used(ck("b", "1", 0), 3), used(ck("c", "1", 0), 2)},
			mine:      []store.Cookie{used(ck("d", "1", 0), 4), used(other(ck("e", "1", 0)), 0)},
			perDomain: 2, max: jar.NoLimit,
			want: "b=1 d=1 e=1", wantLastAccessB: 3,
		},
		{
			name:      "per domain, non-Secure first",
			disk:      []store.Cookie{secure(used(ck("a", "1", 0), 1)), used(ck("b", "1", 0), 3)},
			mine:      []store.Cookie{used(ck("c", "1", 0), 4)},
			perDomain: 2, max: jar.NoLimit,
			want: "a=1 c=1",
		},
		{
			name:      "in all, least recently used first, Secure or not",
			disk:      []store.Cookie{secure(used(ck("a", "1", 0), 1)), used(other(ck("b", "1", 0)), 3)},
			mine:      []store.Cookie{used(ck("c", "1", 0), 2)},
			perDomain: jar.NoLimit, max: 2,
			want: "b=1 c=1", wantLastAccessB: 3,
		},
		{
			name: "the winning copy takes the latest use of any copy",
			disk: []store.Cookie{used(ck("b", "new", 2), 2), used(ck("a", "1", 0), 3)},
			mine: []store.Cookie{used(ck("b", "old", 1), 5), used(ck("c", "1", 0), 4)},
			// b is the most recently used (by mine's copy), so a goes.
			perDomain: 2, max: jar.NoLimit,
			want: "b=new c=1", wantLastAccessB: 5,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, swap := range []bool{false, true} {
				disk, mine := tt.disk, tt.mine
				if swap {
					disk, mine = mine, disk
				}
				got := store.Merge(store.Snapshot{Cookies: disk}, store.Snapshot{Cookies: mine},
					store.MergeOptions{Now: now, MaxCookiesPerDomain: tt.perDomain, MaxCookies: tt.max})
				names := strings.Fields(describe(got))
				slices.Sort(names)
				if d := strings.Join(names, " "); d != tt.want {
					t.Errorf("swap=%v: %q, want %q", swap, d, tt.want)
				}
				if len(got.Tombstones) > 0 {
					t.Errorf("swap=%v: tombstones for evicted cookies: %+v", swap, got.Tombstones)
				}
				for _, c := range got.Cookies {
					if c.Name == "b" && !c.LastAccess.Equal(t0.Add(tt.wantLastAccessB)) {
						t.Errorf("swap=%v: b last used %v, want t0+%v", swap, c.LastAccess.Sub(t0), tt.wantLastAccessB)
					}
				}
			}
		})
	}
	t.Run("the jar's limits by default", func(t *testing.T) {
		var mine []store.Cookie
		for i := range jar.DefaultMaxCookiesPerDomain + 5 {
			mine = append(mine, used(ck(fmt.Sprintf("c%03d", i), "1", 0), time.Duration(i)))
		}
		got := store.Merge(store.Snapshot{}, store.Snapshot{Cookies: mine}, store.MergeOptions{Now: now})
		if len(got.Cookies) != jar.DefaultMaxCookiesPerDomain || got.Cookies[0].Name != "c005" {
			t.Fatalf("%d cookies, first %s; want %d, the five least recently used gone",
				len(got.Cookies), got.Cookies[0].Name, jar.DefaultMaxCookiesPerDomain)
		}
		got = store.Merge(store.Snapshot{}, store.Snapshot{Cookies: mine},
			store.MergeOptions{Now: now, MaxCookiesPerDomain: jar.NoLimit, MaxCookies: jar.NoLimit})
		if len(got.Cookies) != len(mine) {
			t.Fatalf("NoLimit: %d cookies, want %d", len(got.Cookies), len(mine))
		}
	})
	t.Run("the jar restores what Merge keeps, evicting nothing", func(t *testing.T) {
		var disk, mine []store.Cookie
		for i := range 300 {
			c := used(ck(fmt.Sprintf("c%03d", i), "1", 0), time.Duration(i*7919%300)) // all used at different times
			c.Secure = i%3 == 0
			c.HostOnly = i%2 == 0
			if i%2 == 0 {
				disk = append(disk, c)
			} else {
				mine = append(mine, c)
			}
		}
		got := store.Merge(store.Snapshot{Cookies: disk}, store.Snapshot{Cookies: mine}, store.MergeOptions{Now: now})
		var evicted []string
		j := jar.New(jar.Options{Clock: func() time.Time { return now }, OnChange: func(c jar.Change) {
			evicted = append(evicted, c.Cookie.Name)
		}})
		if err := j.Restore(got.JarCookies()); err != nil {
			t.Fatal(err)
		}
		if j.Len() != len(got.Cookies) {
			t.Fatalf("the jar kept %d of the %d merged cookies", j.Len(), len(got.Cookies))
		}
		// The same cookies as a jar given all of them keeps.
		all := jar.New(jar.Options{Clock: func() time.Time { return now }})
		if err := all.Restore(append(store.Snapshot{Cookies: disk}.JarCookies(), store.Snapshot{Cookies: mine}.JarCookies()...)); err != nil {
			t.Fatal(err)
		}
		var want, have []string
		for _, c := range all.All() {
			want = append(want, c.Key().String())
		}
		for _, c := range j.All() {
			have = append(have, c.Key().String())
		}
		if !slices.Equal(have, want) {
			t.Fatalf("merge kept\n%v\na jar keeps\n%v", have, want)
		}
	})
}
