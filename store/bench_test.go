package store_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

// benchSnapshot is a session of n cookies with realistic attributes.
func benchSnapshot(n int) store.Snapshot {
	s := store.Snapshot{Cookies: make([]store.Cookie, n)}
	for i := range n {
		s.Cookies[i] = store.Cookie{Cookie: jar.Cookie{
			Name: fmt.Sprintf("cookie_%04d", i), Value: fmt.Sprintf("%032x", i*7919),
			Domain: fmt.Sprintf("host%d.example.com", i%10), Path: "/", HostOnly: i%2 == 0,
			Persistent: i%3 != 0, Secure: i%2 == 1, HttpOnly: true, SameSite: jar.SameSiteLax,
			Created: t0, Updated: t0, LastAccess: t0,
		}}
		if s.Cookies[i].Persistent {
			s.Cookies[i].Expires = t0.Add(400 * 24 * time.Hour)
		}
	}
	return s
}

// BenchmarkCodec measures the snapshot codec at 1,000 cookies against
// encoding/json on the same cookies (which keeps no unknown members and
// writes times with the same layout), in the same run.
func BenchmarkCodec(b *testing.B) {
	snap := benchSnapshot(1000)
	raw, err := store.Marshal(snap)
	if err != nil {
		b.Fatal(err)
	}
	cookies := snap.JarCookies()
	peer, _ := json.Marshal(cookies)
	b.Run("Marshal/limpet", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if _, err := store.Marshal(snap); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Marshal/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(peer)))
		for b.Loop() {
			if _, err := json.Marshal(cookies); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parse/limpet", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if _, err := store.Parse(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Parse/encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(peer)))
		for b.Loop() {
			var cs []jar.Cookie
			if err := json.Unmarshal(peer, &cs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Merge", func(b *testing.B) {
		mine := snap.Clone()
		mine.Cookies[500].Value = "changed"
		mine.Cookies[500].Updated = t0.Add(time.Second)
		b.ReportAllocs()
		for b.Loop() {
			store.Merge(snap, mine, store.MergeOptions{Now: t0})
		}
	})
}
