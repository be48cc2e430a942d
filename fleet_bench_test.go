package limpet_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/redisserver"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/store/redisstore"
)

// benchStores are the stores the fleet benchmarks compare: none, memory
// (store.Memory, one process), the file store and Redis (shared by
// processes: the recovery lock is used).
func benchStores(b *testing.B) map[string]func() limpet.SessionStore {
	srv := redisserver.Start(b)
	dir := b.TempDir()
	return map[string]func() limpet.SessionStore{
		"none": func() limpet.SessionStore { return nil },
		"memory": func() limpet.SessionStore {
			bd, _ := store.Bind(store.NewMemory(store.MergeOptions{}), "bench")
			return bd
		},
		"file": func() limpet.SessionStore {
			return filestore.Open(filepath.Join(dir, "bench.json"), filestore.Options{})
		},
		"redis": func() limpet.SessionStore {
			st, err := redisstore.OpenStore(srv.URL(0), redisstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			ss, _ := st.Session("bench")
			return ss
		},
	}
}

// BenchmarkFleetSteadyState: requests on a live session, by store. A
// Session reads its store only when it starts and when it recovers, and
// writes it only after a change, so the store costs nothing per request.
func BenchmarkFleetSteadyState(b *testing.B) {
	ss := newSessionServerB(b)
	for _, name := range []string{"none", "memory", "file", "redis"} {
		b.Run(name, func(b *testing.B) {
			s := benchSession(b, ss, benchStores(b)[name]())
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				resp, err := s.Get(ctx, "/api/me")
				if err != nil {
					b.Fatal(err)
				}
				resp.Close()
			}
		})
	}
}

// BenchmarkFleetRecovery: a request that meets an expired server session
// and recovers (one login POST), by store: with a file or Redis store the
// recovery also takes the recovery lock, loads the stored session and
// saves the new login with its generation.
func BenchmarkFleetRecovery(b *testing.B) {
	ss := newSessionServerB(b)
	for _, name := range []string{"none", "memory", "file", "redis"} {
		b.Run(name, func(b *testing.B) {
			s := benchSession(b, ss, benchStores(b)[name]())
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				ss.mu.Lock()
				clear(ss.sessions)
				ss.mu.Unlock()
				b.StartTimer()
				resp, err := s.Get(ctx, "/api/me")
				if err != nil {
					b.Fatal(err)
				}
				resp.Close()
				if len(resp.Recoveries) != 1 {
					b.Fatalf("recoveries %+v", resp.Recoveries)
				}
			}
		})
	}
}

func benchSession(b *testing.B, ss *sessionServer, st limpet.SessionStore) *limpet.Session {
	o := limpet.Options{BaseURL: ss.URL, Authenticator: &formAuth{password: ss.password}, ManualSave: true}
	if st != nil {
		o.Store = st
	}
	s, err := limpet.New(o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Login(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s
}

// newSessionServerB is newSessionServer for benchmarks.
func newSessionServerB(b *testing.B) *sessionServer {
	ss := &sessionServer{password: "s3cret", sessions: map[string]bool{}}
	ss.Server = httptest.NewServer(http.HandlerFunc(ss.serve))
	b.Cleanup(ss.Close)
	return ss
}
