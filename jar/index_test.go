package jar

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"testing"
	"time"
)

// checkInvariants checks the jar's internal state: every bucket in sending
// order, the index of a large bucket in step with its entries, find
// returning each cookie's position, and the counters right.
func checkInvariants(t *testing.T, j *Jar) {
	t.Helper()
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	secure := map[string]int{}
	for d, b := range j.domains {
		if len(b.entries) == 0 {
			t.Fatalf("empty bucket %q kept", d)
		}
		if b.index == nil && len(b.entries) > indexMin {
			t.Fatalf("bucket %q of %d cookies has no index", d, len(b.entries))
		}
		if b.index != nil && len(b.index) != len(b.entries) {
			t.Fatalf("bucket %q: %d cookies, %d in the index", d, len(b.entries), len(b.index))
		}
		for i := range b.entries {
			e := b.entries[i]
			if e.c.Domain != d {
				t.Fatalf("cookie %s in bucket %q", e.c.Key(), d)
			}
			if i > 0 && compareEntries(b.entries[i-1], e) >= 0 {
				t.Fatalf("bucket %q out of order at %d", d, i)
			}
			if got := b.find(e.c.Key()); got != i {
				t.Fatalf("find(%s) = %d, want %d", e.c.Key(), got, i)
			}
			if b.index != nil {
				if s := b.index[e.c.Key()]; !s.created.Equal(e.c.Created) || s.seq != e.seq {
					t.Fatalf("index of %s: %+v, entry created %v seq %d", e.c.Key(), s, e.c.Created, e.seq)
				}
			}
			if e.c.Secure {
				secure[e.c.Name]++
			}
			n++
		}
	}
	if n != j.n {
		t.Fatalf("%d cookies, counter says %d", n, j.n)
	}
	if len(secure) != len(j.secureNames) {
		t.Fatalf("secure names %v, counter %v", secure, j.secureNames)
	}
	for name, c := range secure {
		if j.secureNames[name] != c {
			t.Fatalf("secure names %v, counter %v", secure, j.secureNames)
		}
	}
}

// TestIndexedBuckets drives jars with buckets on both sides of indexMin
// through random sets, replacements (in place and moving), deletions,
// expiries, evictions, Puts with other creation times, ClearSession and
// Restore, checking the internal state after every step.
func TestIndexedBuckets(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			now := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			j := New(Options{Clock: clock, MaxCookiesPerDomain: 20 + r.IntN(150), MaxCookies: 200 + r.IntN(200)})
			paths := []string{"/", "/a", "/a/b", "/other"}
			hosts := []string{"h.test", "www.h.test", "x.test"}
			largest := 0
			for step := range 3000 {
				host := hosts[r.IntN(len(hosts))]
				u := &url.URL{Scheme: []string{"http", "https"}[r.IntN(2)], Host: host, Path: "/a/b/c"}
				name := fmt.Sprintf("c%03d", r.IntN(120))
				switch op := r.IntN(100); {
				case op < 60:
					line := fmt.Sprintf("%s=%d; Path=%s", name, step, paths[r.IntN(len(paths))])
					switch r.IntN(6) {
					case 0:
						line += "; Max-Age=0"
					case 1:
						line += fmt.Sprintf("; Max-Age=%d", 1+r.IntN(50))
					case 2:
						line += "; Secure"
					case 3:
						line += "; Domain=h.test"
					}
					j.SetCookieHeaders(u, []string{line})
				case op < 70:
					c := Cookie{Name: name, Value: "p", Domain: host, Path: paths[r.IntN(len(paths))], HostOnly: true,
						Secure: r.IntN(2) == 0}
					if r.IntN(2) == 0 {
						c.Created = now.Add(-time.Duration(r.IntN(100)) * time.Second) // may move the cookie
					}
					_ = j.Put(c)
				case op < 78:
					j.Delete(Key{Domain: host, Path: paths[r.IntN(len(paths))], Name: name, HostOnly: true})
				case op < 90:
					now = now.Add(time.Duration(r.IntN(5)) * time.Second)
					j.CookieHeader(u)
				case op < 92:
					j.ClearSession()
				case op < 95:
					if err := j.Restore(j.Snapshot()); err != nil {
						t.Fatal(err)
					}
				default:
					j.CookiesFor(u)
				}
				checkInvariants(t, j)
				j.mu.Lock()
				for _, b := range j.domains {
					largest = max(largest, len(b.entries))
				}
				j.mu.Unlock()
			}
			if largest <= indexMin {
				t.Fatalf("no bucket grew over %d cookies: the index was not exercised", indexMin)
			}
		})
	}
}
