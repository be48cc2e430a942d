package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/redisstore"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func cookie(name, value string, updated time.Time) store.Cookie {
	return store.Cookie{Cookie: jar.Cookie{Name: name, Value: value, Domain: "localhost", Path: "/", HostOnly: true,
		Created: t0, Updated: updated, LastAccess: updated}}
}

func names(s store.Snapshot) string {
	var n []string
	for _, c := range s.Cookies {
		n = append(n, c.Name+"="+c.Value)
	}
	slices.Sort(n)
	return strings.Join(n, ",")
}

// fullSnapshot uses every part of the format.
func fullSnapshot() store.Snapshot {
	return store.Snapshot{
		Meta: store.Meta{Created: t0, Updated: t0, Limpet: "v0.1.0",
			Extra: map[string]json.RawMessage{"host": json.RawMessage(`"box"`)}},
		Cookies: []store.Cookie{
			{Cookie: jar.Cookie{Name: "JSESSIONID", Value: "6F1C2A9E0B", Domain: "localhost", Path: "/app",
				HostOnly: true, HttpOnly: true, Created: t0, Updated: t0, LastAccess: t0.Add(time.Minute)}},
			{Cookie: jar.Cookie{Name: "remember-me", Value: "dXNlcjox", Domain: "example.com", Path: "/",
				Persistent: true, Expires: t0.Add(14 * 24 * time.Hour), Secure: true, HttpOnly: true,
				SameSite: jar.SameSiteStrict, Partitioned: true, Created: t0.Add(time.Second), Updated: t0.Add(time.Second)},
				Extra: map[string]json.RawMessage{"priority": json.RawMessage(`"High"`)}},
			{Cookie: jar.Cookie{Name: "bin\xff", Value: "\x80 raw\ttab", Domain: "example.com", Path: "/x",
				SameSite: jar.SameSiteNone, Created: t0.Add(2 * time.Second), Updated: t0.Add(2 * time.Second)}},
		},
		Tombstones: []store.Tombstone{{Key: jar.Key{Domain: "example.com", Path: "/", Name: "old"}, Deleted: t0}},
		Headers:    &store.Headers{Updated: t0, List: []store.Header{{Name: "X-Client", Value: "demo"}, {Name: "X-Client", Value: "two"}}},
		State: map[string]store.State{
			"token/oauth2": {Version: 1, Updated: t0, Data: json.RawMessage(`{"access_token":"at","refresh_token":"rt"}`)},
			"cli": {Version: 1, Updated: t0, Data: json.RawMessage(`{"user":"alice","password_from":"stored"}`),
				Secret: json.RawMessage(`{"password":"s3cret"}`)},
		},
		Extra: map[string]json.RawMessage{"future": json.RawMessage(`{"a":[1,2]}`)},
	}
}

func fixedClock() time.Time { return t0.Add(time.Hour) }

func newStore(t *testing.T, addr string, opts redisstore.Options) *redisstore.Store {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = fixedClock
	}
	return redisstore.New(newClient(t, addr), opts)
}

func mustMarshal(t *testing.T, s store.Snapshot) string {
	t.Helper()
	b, err := store.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRoundTrip(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	tests := []struct {
		name          string
		opts          redisstore.Options
		wantPasswords bool
	}{
		{"default", redisstore.Options{}, false},
		{"save passwords", redisstore.Options{SavePasswords: true, Prefix: "pw:"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t, addr, tt.opts)
			in := fullSnapshot()
			saved, err := st.Save(ctx, "shop", in)
			if err != nil {
				t.Fatal(err)
			}
			// What Save promises: the merge of nothing with in, stamped.
			want := store.Merge(store.Snapshot{}, fullSnapshot(), store.MergeOptions{Now: fixedClock()})
			store.Stamp(&want, fixedClock())
			if got, w := mustMarshal(t, saved), mustMarshal(t, want); got != w {
				t.Fatalf("Save returned\n%s\nwant\n%s", got, w)
			}
			if len(saved.Cookies) != 3 || len(saved.Tombstones) != 1 || string(saved.State["cli"].Secret) != `{"password":"s3cret"}` {
				t.Fatalf("Save lost parts of the session: %s", mustMarshal(t, saved))
			}
			if !saved.Meta.Updated.Equal(fixedClock()) || !saved.Meta.Created.Equal(t0) {
				t.Errorf("Meta %+v, want Created %v, Updated %v", saved.Meta, t0, fixedClock())
			}
			// A Store on another connection reads the same state.
			loaded, err := newStore(t, addr, tt.opts).Load(ctx, "shop")
			if err != nil {
				t.Fatal(err)
			}
			if !tt.wantPasswords {
				want = want.WithoutPasswords()
			}
			if got, w := mustMarshal(t, loaded), mustMarshal(t, want); got != w {
				t.Fatalf("Load returned\n%s\nwant\n%s", got, w)
			}
			if hasPw := loaded.State["cli"].Secret != nil; hasPw != tt.wantPasswords {
				t.Errorf("stored passwords: %v, want %v", hasPw, tt.wantPasswords)
			}
			raw, err := newClient(t, addr).Get(ctx, st.Prefix()+"shop").Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if string(raw) != mustMarshal(t, want) {
				t.Errorf("stored value\n%s\nwant\n%s", raw, mustMarshal(t, want))
			}
		})
	}
}

func TestMerge(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	snap := func(cs ...store.Cookie) store.Snapshot { return store.Snapshot{Cookies: cs} }
	tests := []struct {
		name        string
		first, then store.Snapshot
		want        string // cookies after both saves, as names() has them
	}{
		{"disjoint cookies", snap(cookie("a", "1", t0)), snap(cookie("b", "2", t0)), "a=1,b=2"},
		{"later update wins", snap(cookie("a", "old", t0)), snap(cookie("a", "new", t0.Add(time.Second))), "a=new"},
		{"older save loses", snap(cookie("a", "new", t0.Add(time.Second))), snap(cookie("a", "old", t0)), "a=new"},
		{"tie: the later save wins", snap(cookie("a", "1", t0)), snap(cookie("a", "2", t0)), "a=2"},
		{"tombstone removes an older copy", snap(cookie("a", "1", t0), cookie("b", "2", t0)),
			store.Snapshot{Tombstones: []store.Tombstone{{Key: jar.Key{Domain: "localhost", Path: "/", Name: "a", HostOnly: true},
				Deleted: t0.Add(time.Second)}}}, "b=2"},
		{"tombstone older than the cookie", snap(cookie("a", "1", t0.Add(2*time.Second))),
			store.Snapshot{Tombstones: []store.Tombstone{{Key: jar.Key{Domain: "localhost", Path: "/", Name: "a", HostOnly: true},
				Deleted: t0.Add(time.Second)}}}, "a=1"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("merge%d", i)
			a, b := newStore(t, addr, redisstore.Options{}), newStore(t, addr, redisstore.Options{})
			if _, err := a.Save(ctx, name, tt.first); err != nil {
				t.Fatal(err)
			}
			got, err := b.Save(ctx, name, tt.then)
			if err != nil {
				t.Fatal(err)
			}
			if names(got) != tt.want {
				t.Errorf("Save returned %s, want %s", names(got), tt.want)
			}
			loaded, err := a.Load(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if names(loaded) != tt.want {
				t.Errorf("Load returned %s, want %s", names(loaded), tt.want)
			}
		})
	}
}

func TestCorruptValue(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	c := newClient(t, addr)
	tests := []struct{ name, value string }{
		{"not JSON", "{not json"},
		{"array", "[]"},
		{"wrong member type", `{"cookies": 5}`},
		{"truncated", mustMarshal(t, fullSnapshot())[:40]},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t, addr, redisstore.Options{})
			name := fmt.Sprintf("bad%d", i)
			key, err := st.Key(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Set(ctx, key, tt.value, 0).Err(); err != nil {
				t.Fatal(err)
			}
			_, err = st.Load(ctx, name)
			if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), key) {
				t.Errorf("Load: %v, want an error wrapping ErrCorrupt naming %s", err, key)
			}
			var re *redisstore.Error
			if !errors.As(err, &re) || re.Key != key || re.Op != "load" {
				t.Errorf("Load: %#v, want a *redisstore.Error for %s", err, key)
			}
			_, err = st.Save(ctx, name, store.Snapshot{Cookies: []store.Cookie{cookie("a", "1", t0)}})
			if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), key) {
				t.Errorf("Save: %v, want an error wrapping ErrCorrupt naming %s", err, key)
			}
			if got, err := c.Get(ctx, key).Result(); err != nil || got != tt.value {
				t.Errorf("value after the failed Save: %q, %v; want it unchanged %q", got, err, tt.value)
			}
			// Deleting it lets the session start again.
			if err := st.Delete(ctx, name); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Save(ctx, name, store.Snapshot{Cookies: []store.Cookie{cookie("a", "1", t0)}}); err != nil {
				t.Errorf("Save after Delete: %v", err)
			}
		})
	}
}

func TestTTL(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	c := newClient(t, addr)
	tests := []struct {
		name    string
		ttl     time.Duration
		wantTTL bool
	}{
		{"none", 0, false},
		{"hour", time.Hour, true},
		{"milliseconds", 1500 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(t, addr, redisstore.Options{TTL: tt.ttl, Prefix: "ttl:" + tt.name + ":"})
			ss, err := st.Session("s")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ss.Save(ctx, store.Snapshot{Cookies: []store.Cookie{cookie("a", "1", t0)}}); err != nil {
				t.Fatal(err)
			}
			d, ok, err := ss.TTL(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantTTL || ok && (d <= 0 || d > tt.ttl) {
				t.Fatalf("TTL %v, %v; want one in (0, %v]: %v", d, ok, tt.ttl, tt.wantTTL)
			}
			if !tt.wantTTL {
				return
			}
			// Each Save sets it again.
			if err := c.PExpire(ctx, ss.Key(), 10*tt.ttl).Err(); err != nil {
				t.Fatal(err)
			}
			if _, err := ss.Save(ctx, store.Snapshot{Cookies: []store.Cookie{cookie("b", "2", t0)}}); err != nil {
				t.Fatal(err)
			}
			if d, ok, err := ss.TTL(ctx); err != nil || !ok || d > tt.ttl {
				t.Errorf("TTL after a second Save: %v, %v, %v; want at most %v again", d, ok, err, tt.ttl)
			}
		})
	}
	t.Run("missing key", func(t *testing.T) {
		ss, err := newStore(t, addr, redisstore.Options{}).Session("nothing")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := ss.TTL(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TTL of a missing key: %v, want ErrNotFound", err)
		}
	})
}

func TestListDelete(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	c := newClient(t, addr)
	st := newStore(t, addr, redisstore.Options{Prefix: "t[1]*:"})
	other := newStore(t, addr, redisstore.Options{})
	if got, err := st.List(ctx); err != nil || len(got) != 0 {
		t.Fatalf("List of an empty store: %v, %v", got, err)
	}
	saved := []string{"shop", "localhost_8080/shop", "b.c-d_e", "ünï"}
	for _, n := range saved {
		if _, err := st.Save(ctx, n, store.Snapshot{Cookies: []store.Cookie{cookie("a", "1", t0)}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := other.Save(ctx, "elsewhere", store.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	// Keys the glob in the prefix would match if it were not escaped.
	for _, k := range []string{"t1x:shop", "t[1]x:shop", "t[1]*:", "t[1]*:bad name"} {
		if err := c.Set(ctx, k, "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3000 { // more than one SCAN page
		if err := c.Set(ctx, fmt.Sprintf("noise:%d", i), "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	want := slices.Sorted(slices.Values(saved))
	got, err := st.List(ctx)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("List: %q, %v; want %q", got, err, want)
	}
	tests := []struct {
		name    string
		wantErr error
	}{
		{"shop", nil},
		{"shop", store.ErrNotFound},
		{"never-saved", store.ErrNotFound},
	}
	for _, tt := range tests {
		err := st.Delete(ctx, tt.name)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("Delete(%q): %v, want %v", tt.name, err, tt.wantErr)
		}
	}
	if _, err := st.Load(ctx, "shop"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Load after Delete: %v, want ErrNotFound", err)
	}
	got, err = st.List(ctx)
	if want := []string{"b.c-d_e", "localhost_8080/shop", "ünï"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("List after Delete: %q, %v; want %q", got, err, want)
	}
}

func TestNames(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	st := newStore(t, addr, redisstore.Options{})
	tests := []struct {
		name string
		ok   bool
	}{
		{"shop", true},
		{"localhost_8080/shop", true},
		{"a:b", true},
		{"", false},
		{"a b", false},
		{"a\x00b", false},
		{"a\nb", false},
		{"\xff", false},
		{strings.Repeat("x", 512), true},
		{strings.Repeat("x", 513), false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%.20q", tt.name), func(t *testing.T) {
			err := redisstore.ValidName(tt.name)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidName: %v, want ok=%v", err, tt.ok)
			}
			_, lerr := st.Load(ctx, tt.name)
			_, serr := st.Save(ctx, tt.name, store.Snapshot{})
			derr := st.Delete(ctx, tt.name)
			if tt.ok && (!errors.Is(lerr, store.ErrNotFound) || serr != nil || derr != nil) {
				t.Errorf("valid name: Load %v, Save %v, Delete %v", lerr, serr, derr)
			}
			if !tt.ok && (lerr == nil || serr == nil || derr == nil || errors.Is(lerr, store.ErrNotFound)) {
				t.Errorf("invalid name: Load %v, Save %v, Delete %v", lerr, serr, derr)
			}
			if !tt.ok && !strings.HasPrefix(serr.Error(), "redisstore: ") {
				t.Errorf("error %q lacks the package prefix", serr)
			}
		})
	}
}

// TestConcurrentSaves has many goroutines, each with its own connection,
// save distinct cookies into one key: every cookie is there at the end.
func TestConcurrentSaves(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	const writers, saves = 16, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		st := redisstore.New(newClient(t, addr), noLimits) // 400 cookies for one host
		wg.Go(func() {
			var mine store.Snapshot
			for i := range saves {
				mine.Cookies = append(mine.Cookies, cookie(fmt.Sprintf("w%02d_%02d", w, i), "v", time.Now()))
				merged, err := st.Save(ctx, "shared", mine)
				if err != nil {
					errs <- err
					return
				}
				mine = merged // adopt, as a Session does
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := newStore(t, addr, redisstore.Options{}).Load(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Cookies) != writers*saves {
		t.Fatalf("%d cookies stored, want %d", len(got.Cookies), writers*saves)
	}
}

// TestConflictBound makes another writer change the key between every read
// and write of a Save: the Save gives up after MaxRetries with ErrConflict
// and the other writer's state is intact.
func TestConflictBound(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	intruder := newStore(t, addr, redisstore.Options{})
	var attempts int
	clock := func() time.Time {
		// Called inside the transaction, after the key was read.
		attempts++
		if _, err := intruder.Save(ctx, "hot", store.Snapshot{Cookies: []store.Cookie{
			cookie(fmt.Sprintf("other%d", attempts), "x", t0)}}); err != nil {
			t.Error(err)
		}
		return fixedClock()
	}
	tests := []struct {
		name       string
		maxRetries int
		want       int
	}{
		{"three", 3, 4},
		{"default", 0, redisstore.DefaultMaxRetries + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attempts = 0
			st := newStore(t, addr, redisstore.Options{MaxRetries: tt.maxRetries, Clock: clock})
			_, err := st.Save(ctx, "hot", store.Snapshot{Cookies: []store.Cookie{cookie("mine", "1", t0)}})
			if !errors.Is(err, redisstore.ErrConflict) {
				t.Fatalf("Save: %v, want ErrConflict", err)
			}
			if attempts != tt.want {
				t.Errorf("%d attempts, want %d", attempts, tt.want)
			}
			got, err := intruder.Load(ctx, "hot")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(names(got), "mine=") || !strings.Contains(names(got), fmt.Sprintf("other%d=", attempts)) {
				t.Errorf("stored %s: want the other writer's cookies only", names(got))
			}
		})
	}
}

func TestOpen(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	ss, err := redisstore.Open("redis://"+addr+"/2", "via-url", redisstore.Options{Clock: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	if ss.Name() != "via-url" || ss.Key() != redisstore.DefaultPrefix+"via-url" {
		t.Errorf("Name %q, Key %q", ss.Name(), ss.Key())
	}
	if _, err := ss.Save(ctx, store.Snapshot{Cookies: []store.Cookie{cookie("a", "1", t0)}}); err != nil {
		t.Fatal(err)
	}
	got, err := ss.Load(ctx)
	if err != nil || names(got) != "a=1" {
		t.Fatalf("Load: %s, %v", names(got), err)
	}
	// It went to database 2, not 0.
	for db, want := range map[int]int64{0: 0, 2: 1} {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db})
		n, err := c.Exists(ctx, ss.Key()).Result()
		_ = c.Close()
		if err != nil || n != want {
			t.Errorf("key in database %d: %d, %v; want %d", db, n, err, want)
		}
	}

	bad := []struct{ name, url, session string }{
		{"scheme", "http://" + addr, "s"},
		{"port", "redis://:hunter2@127.0.0.1:notaport", "s"},
		{"db", "redis://" + addr + "/x", "s"},
		{"name", "redis://" + addr, "bad name"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			ss, err := redisstore.Open(tt.url, tt.session, redisstore.Options{})
			if err == nil {
				ss.Close()
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), "redisstore: ") || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q: want the package prefix and no password", err)
			}
		})
	}
}

// TestLimits: a save keeps the stored session within the jar's limits by
// default, and within the Options' limits when given.
func TestLimits(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	var many store.Snapshot
	for i := range jar.DefaultMaxCookiesPerDomain + 20 {
		many.Cookies = append(many.Cookies, cookie(fmt.Sprintf("c%03d", i), "v", t0.Add(time.Duration(i)*time.Second)))
	}
	for _, tt := range []struct {
		name string
		opts redisstore.Options
		want int
	}{
		{"default", redisstore.Options{}, jar.DefaultMaxCookiesPerDomain},
		{"per domain", redisstore.Options{MaxCookiesPerDomain: 50}, 50},
		{"in all", redisstore.Options{MaxCookies: 40}, 40},
		{"none", redisstore.Options{MaxCookiesPerDomain: jar.NoLimit}, len(many.Cookies)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Prefix = "limits:" + tt.name + ":"
			st := newStore(t, addr, tt.opts)
			if _, err := st.Save(ctx, "s", many); err != nil {
				t.Fatal(err)
			}
			got, err := st.Load(ctx, "s")
			if err != nil {
				t.Fatal(err)
			}
			// The least recently used go: the ones kept are the last ones.
			if len(got.Cookies) != tt.want || !strings.Contains(names(got), fmt.Sprintf("c%03d=v", len(many.Cookies)-1)) {
				t.Fatalf("%d cookies stored (%s), want the %d most recently used", len(got.Cookies), names(got), tt.want)
			}
		})
	}
}
