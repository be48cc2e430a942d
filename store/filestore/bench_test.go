package filestore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/store/storetest"
)

// benchSnapshot is a session of n cookies with realistic attributes.
func benchSnapshot(n int) store.Snapshot { return storetest.Snapshot(n, t0) }

// BenchmarkSave measures File.Save of a 1,000-cookie session in which one
// cookie changed, as an autosave does: lock, read, merge, encode, write to a
// temporary file, fsync, rename, fsync the directory.
//
//   - cached: the file is as this process last wrote it (one writer).
//   - contended: another process wrote the file since (it must be decoded).
//   - peer-json-nosync: the naive save many tools do (encoding/json,
//     os.WriteFile, no lock, no fsync, not atomic), for scale.
func BenchmarkSave(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10, 1000} {
		snap := benchSnapshot(n)
		b.Run(fmt.Sprintf("cached/%d", n), func(b *testing.B) {
			f := filestore.Open(filepath.Join(b.TempDir(), "s.json"), filestore.Options{Clock: func() time.Time { return t0 }})
			if _, err := f.Save(ctx, snap); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				snap.Cookies[i%n].Value = fmt.Sprint(i)
				snap.Cookies[i%n].Updated = t0.Add(time.Duration(i+1) * time.Millisecond)
				if _, err := f.Save(ctx, snap); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("contended/%d", n), func(b *testing.B) {
			p := filepath.Join(b.TempDir(), "s.json")
			f := filestore.Open(p, filestore.Options{Clock: func() time.Time { return t0 }})
			other := filestore.Open(p, filestore.Options{Clock: func() time.Time { return t0 }})
			if _, err := f.Save(ctx, snap); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				w := f
				if i%2 == 1 {
					w = other
				}
				snap.Cookies[i%n].Value = fmt.Sprint(i)
				snap.Cookies[i%n].Updated = t0.Add(time.Duration(i+1) * time.Millisecond)
				if _, err := w.Save(ctx, snap); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("peer-json-nosync/%d", n), func(b *testing.B) {
			p := filepath.Join(b.TempDir(), "s.json")
			cookies := snap.JarCookies()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				cookies[i%n].Value = fmt.Sprint(i)
				raw, err := json.MarshalIndent(cookies, "", "    ")
				if err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(p, raw, 0o600); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoad measures loading a 1,000-cookie session: decoding the file
// (a fresh File each time), the cached path of a File that wrote it last,
// and, for scale, encoding/json decoding the same cookies without keeping
// unknown members.
func BenchmarkLoad(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10, 1000} {
		snap := benchSnapshot(n)
		p := filepath.Join(b.TempDir(), "s.json")
		f := filestore.Open(p, filestore.Options{})
		if _, err := f.Save(ctx, snap); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("decode/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := filestore.Open(p, filestore.Options{}).Load(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("cached/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.Load(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("peer-json/%d", n), func(b *testing.B) {
			pp := filepath.Join(b.TempDir(), "peer.json")
			raw, _ := json.Marshal(snap.JarCookies())
			if err := os.WriteFile(pp, raw, 0o600); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				data, err := os.ReadFile(pp)
				if err != nil {
					b.Fatal(err)
				}
				var cs []jar.Cookie
				if err := json.Unmarshal(data, &cs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
