package store_test

import (
	"context"
	"fmt"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

// Two processes share a session: one set a cookie, the other deleted one.
// Merge keeps both changes.
func ExampleMerge() {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cookie := func(name, value string, at time.Time) store.Cookie {
		return store.Cookie{Cookie: jar.Cookie{Name: name, Value: value, Domain: "localhost", Path: "/",
			HostOnly: true, Created: t0, Updated: at}}
	}
	disk := store.Snapshot{Cookies: []store.Cookie{
		cookie("JSESSIONID", "old", t0),
		cookie("XSRF-TOKEN", "t1", t0),
	}}
	// This process got a new JSESSIONID and saw XSRF-TOKEN deleted.
	mine := store.Snapshot{
		Cookies: []store.Cookie{cookie("JSESSIONID", "new", t0.Add(time.Minute))},
		Tombstones: []store.Tombstone{{
			Key:     jar.Key{Domain: "localhost", Path: "/", Name: "XSRF-TOKEN", HostOnly: true},
			Deleted: t0.Add(time.Minute),
		}},
	}
	merged := store.Merge(disk, mine, store.MergeOptions{Now: t0.Add(time.Hour)})
	for _, c := range merged.Cookies {
		fmt.Println("cookie", c.Name, c.Value)
	}
	for _, t := range merged.Tombstones {
		fmt.Println("deleted", t.Key.Name)
	}
	// Output:
	// cookie JSESSIONID new
	// deleted XSRF-TOKEN
}

func ExampleMarshal() {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	snap := store.Snapshot{
		Meta: store.Meta{Created: t0, Updated: t0, Limpet: "v0.1.0"},
		Cookies: []store.Cookie{{Cookie: jar.Cookie{Name: "JSESSIONID", Value: "6F1C", Domain: "localhost",
			Path: "/app", HostOnly: true, HttpOnly: true, Created: t0, Updated: t0, LastAccess: t0}}},
	}
	// A piece of the session (here a login) saves its state under its owner name.
	if err := snap.SetState("login", 1, t0, map[string]string{"kind": "form", "user": "alice"}); err != nil {
		fmt.Println(err)
		return
	}
	data, err := store.Marshal(snap)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(data))
	// Output:
	// {
	//   "format": "limpet-session",
	//   "version": 1,
	//   "meta": {"created": "2026-03-01T12:00:00Z", "updated": "2026-03-01T12:00:00Z", "limpet": "v0.1.0"},
	//   "state": {
	//     "login": {"version": 1, "updated": "2026-03-01T12:00:00Z", "data": {"kind":"form","user":"alice"}}
	//   },
	//   "cookies": [
	//     {"name": "JSESSIONID", "value": "6F1C", "domain": "localhost", "path": "/app", "host_only": true, "http_only": true, "created": "2026-03-01T12:00:00Z", "updated": "2026-03-01T12:00:00Z", "last_access": "2026-03-01T12:00:00Z"}
	//   ]
	// }
}

func ExampleMemory() {
	ctx := context.Background()
	st := store.NewMemory(store.MergeOptions{})
	c := store.Cookie{Cookie: jar.Cookie{Name: "a", Value: "1", Domain: "localhost", Path: "/", HostOnly: true,
		Created: time.Now(), Updated: time.Now()}}
	if _, err := st.Save(ctx, "shop", store.Snapshot{Cookies: []store.Cookie{c}}); err != nil {
		fmt.Println(err)
		return
	}
	snap, err := st.Load(ctx, "shop")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(snap.Cookies), "cookie:", snap.Cookies[0].Name)
	// Output: 1 cookie: a
}
