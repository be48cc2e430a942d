package har_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/har"
)

// BenchmarkRecordedGet measures what recording costs: each iteration
// sends one keep-alive GET through a plain Session and one through a
// Session with a Recorder, to the same loopback server, and reports the
// time per request of each and their ratio (recorded/plain).
func BenchmarkRecordedGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"items":[{"name":"book","qty":2}],"page":1}`)
	}))
	defer srv.Close()
	url := srv.URL + "/api/items?page=1"
	ctx := context.Background()

	plain, err := limpet.New(limpet.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	newRecorded := func() *limpet.Session {
		rec := har.New(har.Options{})
		s, err := limpet.New(limpet.Options{Middleware: []func(http.RoundTripper) http.RoundTripper{rec.Middleware()}})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	recorded := newRecorded()
	defer func() { recorded.Close() }()
	get := func(s *limpet.Session) time.Duration {
		start := time.Now()
		resp, err := s.Get(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start)
	}
	get(plain)
	get(recorded)

	var tPlain, tRec time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%10000 == 9999 {
			// Start a fresh log now and then, so that the benchmark
			// measures recording, not a growing heap.
			b.StopTimer()
			recorded.Close()
			recorded = newRecorded()
			get(recorded)
			b.StartTimer()
		}
		tPlain += get(plain)
		tRec += get(recorded)
	}
	b.ReportMetric(float64(tPlain.Nanoseconds())/float64(b.N), "plain-ns/req")
	b.ReportMetric(float64(tRec.Nanoseconds())/float64(b.N), "recorded-ns/req")
	b.ReportMetric(float64(tRec)/float64(tPlain), "recorded/plain")
}

// BenchmarkWriteTo measures writing a log of 100 recorded exchanges.
func BenchmarkWriteTo(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "6F1C2A9E0B6F1C2A9E0B", Path: "/"})
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"items":[{"name":"book","qty":2}],"token":"abcdefghijklmnop"}`)
	}))
	defer srv.Close()
	rec := har.New(har.Options{})
	s, err := limpet.New(limpet.Options{Middleware: []func(http.RoundTripper) http.RoundTripper{rec.Middleware()}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for range 100 {
		resp, err := s.Post(context.Background(), srv.URL+"/api?access_token=x", limpet.JSON(map[string]string{"password": "hunter2hunter2"}))
		if err != nil {
			b.Fatal(err)
		}
		resp.Bytes()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := rec.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
