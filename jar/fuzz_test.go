package jar

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzSetCookie feeds arbitrary Set-Cookie lines, from arbitrary request
// URLs, to a jar. Whatever the input: no panic; a line stores at most one
// cookie, and only a valid one (Put accepts it as it is); the cookie goes
// back to the URL it came from unless its Path or Secure flag says
// otherwise; and Snapshot/Restore round-trips the jar.
func FuzzSetCookie(f *testing.F) {
	seeds := []struct{ url, line string }{
		{"http://home.example.org/cookie-parser", "foo=bar"},
		{"http://home.example.org/", "foo=bar; Expires=Fri, 07 Aug 2019 08:04:19 GMT"},
		{"http://home.example.org/", "foo=bar; max-age=10000;"},
		{"http://home.example.org/a/b", "foo=bar; Domain=.example.org; Path=/a"},
		{"https://home.example.org/", "__Host-sid=1; Secure; Path=/; HttpOnly; SameSite=Strict"},
		{"https://home.example.org/", "__Secure-x=1; Secure; Partitioned"},
		{"http://localhost:8080/app/", "JSESSIONID=6F1C2A9E0B; Path=/app; HttpOnly"},
		{"http://localhost/", "XSRF-TOKEN=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:10 GMT; Path=/"},
		{"http://127.0.0.1/", "a=b; Domain=127.0.0.1; Secure"},
		{"http://[::1]:9/", "nameless"},
		{"http://home.example.org/", "=a=b"},
		{"http://home.example.org/", `test="fubar! = foo;bar\";" parser; max-age=6`},
		{"http://home.example.org/", "a=b; Domain=com"},
		{"http://bücher.example/", "a=b; Domain=bücher.example"},
		{"http://home.example.org/", "foo\t=\tbar\t \t;\tttt"},
		{"http://home.example.org/", "a=b; Expires=Thu, 31 Dec 23:55:55 2037 GMT; Max-Age=-1"},
		{"http://home.example.org/", "a=b\x00c"},
		{"ws://home.example.org/x;y", "a=b; Path=/x;y"},
		{"http://0/;/", "0"}, // a default-path with ';'
		{"http://h.test/app;jsessionid=ABC/page", "a=b"},
	}
	for _, s := range seeds {
		f.Add(s.url, s.line)
	}
	now := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, rawURL, line string) {
		u, err := url.Parse(rawURL)
		if err != nil {
			return
		}
		j := New(Options{Clock: func() time.Time { return now }})
		j.SetCookieHeaders(u, []string{line})
		all := j.All()
		if len(all) > 1 {
			t.Fatalf("one line stored %d cookies: %+v", len(all), all)
		}
		if len(all) == 0 {
			if h := j.CookieHeader(u); h != "" {
				t.Fatalf("empty jar sends %q", h)
			}
			return
		}
		c := all[0]
		fresh := New(Options{Clock: func() time.Time { return now }})
		if err := fresh.Put(c); err != nil {
			t.Fatalf("stored cookie %+v is not valid: %v", c, err)
		}
		tg, err := newTarget(u)
		if err != nil {
			t.Fatalf("cookie stored from a URL that cannot carry cookies: %v", err)
		}
		h := j.CookieHeader(u)
		wantSent := pathMatch(tg.path, c.Path) // same URL, so domain and Secure match
		if sent := h != ""; sent != wantSent {
			t.Fatalf("cookie %+v: sent=%v (header %q), want %v", c, sent, h, wantSent)
		}
		if wantSent {
			want := c.Value
			if c.Name != "" {
				want = c.Name + "=" + c.Value
			}
			if h != want {
				t.Fatalf("header %q, want %q", h, want)
			}
		}
		snap := j.Snapshot()
		r := New(Options{Clock: func() time.Time { return now }})
		if err := r.Restore(snap); err != nil {
			t.Fatalf("Restore(Snapshot()) failed: %v", err)
		}
		if got := r.Snapshot(); len(got) != 1 || got[0] != snap[0] {
			t.Fatalf("round trip: %+v, want %+v", got, snap)
		}
	})
}

// FuzzRestore feeds arbitrary JSON snapshots to Restore, as a store would
// after reading a file. Whatever the input: no panic; an error is a
// *RestoreError listing skipped cookies, each invalid (Put refuses it too)
// or a repeated key; Snapshot returns the other unexpired input cookies,
// each as given, and every restored cookie would be accepted by Put.
func FuzzRestore(f *testing.F) {
	now := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	src := New(Options{Clock: func() time.Time { return now }})
	src.SetCookieHeaders(&url.URL{Scheme: "https", Host: "www.example.com", Path: "/app/x"}, []string{
		"sid=1; HttpOnly; Secure", "pref=dark; Domain=example.com; Path=/; Max-Age=3600", "token", "__Host-a=b; Secure; Path=/",
	})
	seed, err := json.Marshal(src.Snapshot())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`[{"Name":"a","Value":"b","Domain":"example.com","Path":"/","HostOnly":true}]`))
	f.Add([]byte(`[{"Name":"a","Value":"b","Domain":"com","Path":"/"}]`))
	f.Add([]byte(`[{"Name":"a","Value":"b","Domain":"::1","Path":"/","Persistent":true,"Expires":"2019-01-01T00:00:00Z"}]`))
	f.Add([]byte(`[{"Name":"a","Value":"1","Domain":"h.test","Path":"/"},{"Name":"a","Value":"2","Domain":"h.test","Path":"/"}]`))
	f.Add([]byte(`[{"Name":"a","Value":"1","Domain":"h.test","Path":"/app;jsessionid=1"},{"Name":"b","Value":"2","Domain":"h.test","Path":"x"}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in []Cookie
		if json.Unmarshal(data, &in) != nil {
			return
		}
		j := New(Options{Clock: func() time.Time { return now }, MaxCookies: NoLimit, MaxCookiesPerDomain: NoLimit})
		j.SetCookieHeaders(&url.URL{Scheme: "http", Host: "before.test", Path: "/"}, []string{"keep=1"})
		skipped := map[int]bool{}
		if err := j.Restore(in); err != nil {
			var re *RestoreError
			if !errors.As(err, &re) || !errors.Is(err, ErrInvalidCookie) || !strings.HasPrefix(err.Error(), "jar: ") {
				t.Fatalf("error %T %v, want a *RestoreError wrapping ErrInvalidCookie", err, err)
			}
			if re.Total != len(in) || len(re.Skipped) == 0 {
				t.Fatalf("RestoreError %+v for %d cookies", re, len(in))
			}
			for _, s := range re.Skipped {
				if s.Cookie != in[s.Index] || skipped[s.Index] {
					t.Fatalf("skipped %d: %+v, given %+v", s.Index, s.Cookie, in[s.Index])
				}
				skipped[s.Index] = true
			}
		}
		var want []Cookie
		seen := map[Key]bool{}
		for i, c := range in {
			perr := New(Options{Clock: func() time.Time { return now }}).Put(c)
			valid := perr == nil || errors.Is(perr, ErrExpired) // Put checks validity before expiry
			if skipped[i] {
				if valid && !seen[c.Key()] {
					t.Fatalf("cookie %d skipped, but it is valid and its key is new: %+v", i, c)
				}
				continue
			}
			if !valid || seen[c.Key()] {
				t.Fatalf("cookie %d restored, but it is invalid or its key repeats: %+v", i, c)
			}
			seen[c.Key()] = true
			if !c.Persistent {
				c.Expires = time.Time{}
			}
			if c.Expired(now) {
				continue
			}
			for _, p := range []*time.Time{&c.Created, &c.Updated, &c.LastAccess} {
				if p.IsZero() {
					*p = now
				}
			}
			want = append(want, c)
		}
		got := j.Snapshot()
		if len(got) != len(want) {
			t.Fatalf("restored %d cookies, want %d", len(got), len(want))
		}
		byKey := make(map[Key]Cookie, len(want))
		for _, c := range want {
			byKey[c.Key()] = c
		}
		for _, c := range got {
			w, ok := byKey[c.Key()]
			if !ok || !sameCookie(c, w) {
				t.Fatalf("restored %+v\nwant     %+v", c, w)
			}
			if err := New(Options{Clock: func() time.Time { return now }}).Put(c); err != nil {
				t.Fatalf("restored cookie rejected by Put: %v", err)
			}
			_ = j.CookieHeader(&url.URL{Scheme: "https", Host: c.Domain, Path: c.Path})
		}
	})
}

// sameCookie compares cookies field by field, times by instant.
func sameCookie(a, b Cookie) bool {
	return a.Name == b.Name && a.Value == b.Value && a.Domain == b.Domain && a.Path == b.Path &&
		a.HostOnly == b.HostOnly && a.Persistent == b.Persistent && a.Expires.Equal(b.Expires) &&
		a.Secure == b.Secure && a.HttpOnly == b.HttpOnly && a.SameSite == b.SameSite &&
		a.Partitioned == b.Partitioned && a.Created.Equal(b.Created) && a.Updated.Equal(b.Updated) &&
		a.LastAccess.Equal(b.LastAccess)
}

// FuzzCookieDate feeds arbitrary Expires values to the cookie-date parser:
// no panic, and a date it accepts is a valid UTC time in the range the
// algorithm allows, which parses back to itself from its HTTP form.
func FuzzCookieDate(f *testing.F) {
	for _, s := range []string{
		"Wed, 09 Jun 2021 10:18:14 GMT", "Wednesday, 09-Jun-21 10:18:14 GMT", "Wed Jun  9 10:18:14 2021",
		"Thu, 31 Dec 23:55:55 2037 GMT", "Mon, 01-Jan-2011 00: 00:00 GMT", "Sat, 15-Apr-17 21:01:22 GMT-0400 (EDT)",
		"29 Feb 2023 00:00:00", "1-Jan-1601 0:0:0", "99 99 99 99:99:99", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseCookieDate(s)
		if !ok {
			return
		}
		if got.Location() != time.UTC || got.Year() < 1601 || got.Year() > 9999 || got.Nanosecond() != 0 {
			t.Fatalf("parseCookieDate(%q) = %v", s, got)
		}
		again, ok := parseCookieDate(got.Format("Mon, 02 Jan 2006 15:04:05 GMT"))
		if !ok || !again.Equal(got) {
			t.Fatalf("%q -> %v -> %v, %v", s, got, again, ok)
		}
	})
}
