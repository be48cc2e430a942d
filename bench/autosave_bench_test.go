package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store/filestore"
)

// BenchmarkAutosave sends sequential GETs to a server that rotates a
// cookie on every response (cookie churn, as a server refreshing a token
// cookie does), with a Session that keeps its state in a session file with
// autosave, and with one that keeps nothing; the ratio is what autosave
// costs the request path.
func BenchmarkAutosave(b *testing.B) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		http.SetCookie(w, &http.Cookie{Name: "rot" + strconv.FormatInt(i%50, 10), Value: strconv.FormatInt(i, 10), Path: "/"})
		io.WriteString(w, "ok")
	}))
	b.Cleanup(srv.Close)
	ctx := context.Background()
	loop := func(b *testing.B, o limpet.Options) {
		s, err := limpet.New(o)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			resp, err := s.Get(ctx, srv.URL+"/api")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		b.StopTimer()
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	jo := jar.Options{MaxCookiesPerDomain: jar.NoLimit}
	b.Run("nostore", func(b *testing.B) { loop(b, limpet.Options{JarOptions: jo}) })
	b.Run("autosave", func(b *testing.B) {
		f := filestore.Open(filepath.Join(b.TempDir(), "s.json"), filestore.Options{})
		loop(b, limpet.Options{JarOptions: jo, Store: f})
	})
}
