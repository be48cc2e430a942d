package spring_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cputime"
	"github.com/limpet-http/limpet/login"
	"github.com/limpet-http/limpet/spring"
)

// benchServer answers like a logged-in Spring application: a login page with a token, a login that sets the
// session cookie, a home page with the token as meta tags, and an API that wants the session (and the token on
// POST). It checks nothing more: the benchmark measures the client.
func benchServer(b *testing.B) *httptest.Server {
	const tok = "dG9rZW4tdG9rZW4tdG9rZW4"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/login" && r.Method == http.MethodGet:
			w.Header().Set("Content-Type", "text/html;charset=UTF-8")
			io.WriteString(w, `<form method="post" action="/login"><input name="username"><input type="password" name="password">`+
				`<input name="_csrf" type="hidden" value="`+tok+`"></form>`)
		case r.URL.Path == "/login":
			http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "6F1C2A9E0B6F1C2A9E0B", Path: "/", HttpOnly: true})
			http.Redirect(w, r, "/", http.StatusFound)
		case r.URL.Path == "/":
			w.Header().Set("Content-Type", "text/html;charset=UTF-8")
			io.WriteString(w, `<meta name="_csrf" content="`+tok+`"><meta name="_csrf_header" content="X-CSRF-TOKEN">`)
		default:
			if _, err := r.Cookie("JSESSIONID"); err != nil {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			if r.Method == http.MethodPost && r.Header.Get("X-CSRF-TOKEN") != tok {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"ok":true}`)
		}
	}))
	b.Cleanup(srv.Close)
	return srv
}

// benchBatch is how many requests a client sends in a row in the Authenticator benchmarks.
const benchBatch = 50

// BenchmarkAuthenticator measures what the Authenticator adds to a request on a live session (Prepare, the CSRF
// token on POST, Check): each iteration sends the same request through a Session without an Authenticator (with
// the session cookie and token set by hand: the cookie in its jar, the token as a default header) and through one with spring.FormLogin, on one loopback server, in
// interleaved rounds of benchBatch requests per client, and
// reports both times and their ratio (and the ratio for login.Auto, which wraps the same pieces), in wall-clock
// time and in the process's CPU time (the "-cpu" ratios; the server's share, the same for each, included): on a
// machine other processes load, wall-clock time counts their turns too, CPU time does not.
func BenchmarkAuthenticator(b *testing.B) {
	srv := benchServer(b)
	ctx := context.Background()
	// The plain Session holds the session cookie in its jar, as one that logged in by hand does (the jar's work
	// is the Session's, not the Authenticator's), and sends the token as a default header.
	plain, err := limpet.New(limpet.Options{BaseURL: srv.URL, Header: http.Header{"X-Csrf-Token": {"dG9rZW4tdG9rZW4tdG9rZW4"}}})
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	u, _ := url.Parse(srv.URL)
	plain.Jar().SetCookies(u, []*http.Cookie{{Name: "JSESSIONID", Value: "6F1C2A9E0B6F1C2A9E0B", Path: "/", HttpOnly: true}})
	auth, err := limpet.New(limpet.Options{BaseURL: srv.URL, Authenticator: spring.FormLogin("user", "password", spring.Options{})})
	if err != nil {
		b.Fatal(err)
	}
	defer auth.Close()
	if err := auth.Login(ctx); err != nil {
		b.Fatal(err)
	}
	auto, err := limpet.New(limpet.Options{BaseURL: srv.URL,
		Authenticator: login.Auto(limpet.StaticCredentials("user", "password"), login.Options{})})
	if err != nil {
		b.Fatal(err)
	}
	defer auto.Close()
	if err := auto.Login(ctx); err != nil {
		b.Fatal(err)
	}
	requests := []struct {
		name string
		req  func() *limpet.Request
	}{
		{"GET", func() *limpet.Request { return &limpet.Request{URL: "/api/me"} }},
		{"POST", func() *limpet.Request {
			return &limpet.Request{Method: http.MethodPost, URL: "/api/echo", Body: limpet.JSON(map[string]int{"n": 1})}
		}},
	}
	for _, r := range requests {
		b.Run(r.name, func(b *testing.B) {
			type times struct{ wall, cpu time.Duration }
			// batch sends n requests through s, adding their time to t.
			batch := func(s *limpet.Session, n int, t *times) {
				start, cpu := time.Now(), cputime.Process()
				for range n {
					resp, err := s.Do(ctx, r.req())
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK || len(resp.Recoveries) != 0 {
						b.Fatalf("%d %+v", resp.StatusCode, resp.Recoveries)
					}
				}
				t.cpu += cputime.Process() - cpu
				t.wall += time.Since(start)
			}
			var tPlain, tAuth, tAuto times
			b.ReportAllocs()
			b.ResetTimer()
			// Rounds of benchBatch requests per client, each round starting
			// with the next client, so that none always runs first and
			// each is measured in a steady state of its own (connection,
			// goroutines, caches), as a program using one Session is.
			for i, round := 0, 0; i < b.N; round++ {
				n := min(benchBatch, b.N-i)
				switch round % 3 {
				case 0:
					batch(plain, n, &tPlain)
					batch(auth, n, &tAuth)
					batch(auto, n, &tAuto)
				case 1:
					batch(auth, n, &tAuth)
					batch(auto, n, &tAuto)
					batch(plain, n, &tPlain)
				default:
					batch(auto, n, &tAuto)
					batch(plain, n, &tPlain)
					batch(auth, n, &tAuth)
				}
				i += n
			}
			b.ReportMetric(float64(tPlain.wall.Nanoseconds())/float64(b.N), "plain-ns/req")
			b.ReportMetric(float64(tAuth.wall.Nanoseconds())/float64(b.N), "spring-ns/req")
			b.ReportMetric(float64(tAuth.wall)/float64(tPlain.wall), "spring/plain")
			b.ReportMetric(float64(tAuto.wall)/float64(tPlain.wall), "auto/plain")
			if cputime.Supported {
				b.ReportMetric(float64(tAuth.cpu)/float64(tPlain.cpu), "spring/plain-cpu")
				b.ReportMetric(float64(tAuto.cpu)/float64(tPlain.cpu), "auto/plain-cpu")
			}
		})
	}
}
