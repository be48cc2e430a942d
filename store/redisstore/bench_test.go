package redisstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/store/redisstore"
	"github.com/limpet-http/limpet/store/storetest"
)

var runs atomic.Int64 // numbers the Redis benchmark runs

// saver is what both stores' per-session values offer.
type saver interface {
	Save(ctx context.Context, s store.Snapshot) (store.Snapshot, error)
}

// BenchmarkSave measures saving a 1,000-cookie session in which one cookie
// changed, as an autosave does, to Redis (WATCH, GET, merge, encode,
// MULTI/SET/EXEC over loopback) and, as the peer in the same run, to a file
// (lock, read, merge, encode, write, fsync, rename). In "cached" one writer
// saves, so the stored value is the one it last wrote; in "contended" two
// writers alternate, so each Save decodes the other's value.
func BenchmarkSave(b *testing.B) {
	addr := startRedis(b)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return t0 }
	const n = 1000
	newRedis := func(b *testing.B, prefix string) saver {
		c := redis.NewClient(&redis.Options{Addr: addr})
		b.Cleanup(func() { _ = c.Close() })
		ss, err := redisstore.New(c, redisstore.Options{Prefix: prefix, Clock: clock}).Session("bench")
		if err != nil {
			b.Fatal(err)
		}
		return ss
	}
	stores := []struct {
		name string
		open func(b *testing.B) (saver, saver)
	}{
		{"redis", func(b *testing.B) (saver, saver) {
			// A fresh key each time: a value left by an earlier run holds
			// later cookies, so the Saves would merge to no change.
			prefix := fmt.Sprintf("bench%d:", runs.Add(1))
			return newRedis(b, prefix), newRedis(b, prefix)
		}},
		{"filestore", func(b *testing.B) (saver, saver) {
			p := filepath.Join(b.TempDir(), "s.json")
			return filestore.Open(p, filestore.Options{Clock: clock}), filestore.Open(p, filestore.Options{Clock: clock})
		}},
	}
	for _, mode := range []string{"cached", "contended"} {
		for _, st := range stores {
			b.Run(fmt.Sprintf("%s/%s/%d", mode, st.name, n), func(b *testing.B) {
				snap := storetest.Snapshot(n, t0)
				one, two := st.open(b)
				if _, err := one.Save(ctx, snap); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					w := one
					if mode == "contended" && i%2 == 1 {
						w = two
					}
					snap.Cookies[i%n].Value = fmt.Sprint(i)
					snap.Cookies[i%n].Updated = t0.Add(time.Duration(i+1) * time.Millisecond)
					if _, err := w.Save(ctx, snap); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
