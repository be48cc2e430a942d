package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/storetest"
)

// benchSnapshot is a session of n cookies with realistic attributes.
func benchSnapshot(n int) store.Snapshot { return storetest.Snapshot(n, t0) }

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
	// The same cookies, each with times of its own (storetest's share
	// them, as cookies set together do): no time is written twice.
	distinct := snap.Clone()
	for i := range distinct.Cookies {
		c := &distinct.Cookies[i]
		at := t0.Add(time.Duration(i) * time.Millisecond)
		c.Created, c.Updated, c.LastAccess = at, at.Add(time.Second), at.Add(time.Minute)
		if c.Persistent {
			c.Expires = at.Add(400 * 24 * time.Hour)
		}
	}
	b.Run("Marshal/limpet-distinct-times", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if _, err := store.Marshal(distinct); err != nil {
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
	// A file written by a newer limpet, with a member this one does not
	// know in every cookie: Parse keeps them (the slow path).
	newer := snap.Clone()
	for i := range newer.Cookies {
		newer.Cookies[i].Extra = map[string]json.RawMessage{"priority": json.RawMessage(`"High"`)}
	}
	rawNewer, err := store.Marshal(newer)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Parse/limpet-unknown-members", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(rawNewer)))
		for b.Loop() {
			if _, err := store.Parse(rawNewer); err != nil {
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
