package limpet_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
)

// flaky answers 503 (with Retry-After) to the first fail requests of each
// path and 200 afterwards, counting attempts and the Cookie headers seen.
type flaky struct {
	fail       int32
	retryAfter string
	attempts   atomic.Int32
	cookies    []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.attempts.Add(1)
	f.cookies = append(f.cookies, r.Header.Get("Cookie"))
	body, _ := io.ReadAll(r.Body)
	if n <= f.fail {
		http.SetCookie(w, &http.Cookie{Name: "attempt", Value: string(rune('0' + n))})
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.Write(body)
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	fast := limpet.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
	cases := []struct {
		name         string
		policy       limpet.RetryPolicy
		fail         int32
		retryAfter   string
		req          limpet.Request
		wantStatus   int
		wantAttempts int32
	}{
		{"GET retried until it works", fast, 2, "0", limpet.Request{Method: "GET"}, 200, 3},
		{"gives up after Max", fast, 5, "0", limpet.Request{Method: "GET"}, 503, 3},
		{"PUT body replayed", fast, 1, "", limpet.Request{Method: "PUT", Body: limpet.Bytes([]byte("payload"), "text/plain")}, 200, 2},
		{"POST not retried", fast, 1, "0", limpet.Request{Method: "POST", Body: limpet.JSON(1)}, 503, 1},
		{"POST with Idempotency-Key retried", fast, 1, "0", limpet.Request{Method: "POST", Body: limpet.JSON(1), Header: http.Header{"Idempotency-Key": {"k1"}}}, 200, 2},
		{"Retry-After beyond the cap is not waited for", fast, 1, "86400", limpet.Request{Method: "GET"}, 503, 1},
		{"retries off", limpet.RetryPolicy{Max: limpet.NoRetries}, 1, "0", limpet.Request{Method: "GET"}, 503, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &flaky{fail: c.fail, retryAfter: c.retryAfter}
			srv := httptest.NewServer(f)
			defer srv.Close()
			s := newSession(t, limpet.Options{Retry: c.policy})
			r := c.req
			r.URL = srv.URL
			resp, err := s.Do(ctx, &r)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := resp.Bytes()
			if resp.StatusCode != c.wantStatus || f.attempts.Load() != c.wantAttempts {
				t.Errorf("status %d after %d attempts, want %d after %d", resp.StatusCode, f.attempts.Load(), c.wantStatus, c.wantAttempts)
			}
			if c.req.Method == "PUT" && string(body) != "payload" {
				t.Errorf("replayed body %q", body)
			}
			// Each attempt carries the jar's cookies once, fresh.
			for i, ch := range f.cookies {
				if strings.Count(ch, "attempt=") > 1 {
					t.Errorf("attempt %d sent duplicated cookies %q", i+1, ch)
				}
			}
		})
	}
}

func TestRetryConnectionFailuresAndContext(t *testing.T) {
	var dials atomic.Int32
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return nil, errors.New("connection refused (simulated by the dialer)")
	}
	s := newSession(t, limpet.Options{DialContext: dial, Retry: limpet.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}})
	_, err := s.Get(context.Background(), "http://127.0.0.1:9/")
	if err == nil || dials.Load() != 3 {
		t.Errorf("err %v after %d dials, want an error after 3", err, dials.Load())
	}
	// A Retry-After wait ends with the context.
	f := &flaky{fail: 5, retryAfter: "20"}
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.ServeHTTP(w, r)
		arrived <- struct{}{}
	}))
	defer srv.Close()
	s2 := newSession(t, limpet.Options{Timeout: limpet.NoTimeout})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	_, err = s2.Do(ctx, &limpet.Request{URL: srv.URL})
	if !errors.Is(err, context.Canceled) || f.attempts.Load() != 1 {
		t.Errorf("err %v after %d attempts; want the cancellation while waiting", err, f.attempts.Load())
	}
}

// A Retry-After longer than the time the request has left is not waited
// for: the 503 comes back at once, instead of a timeout, whether the time
// is the Request's Timeout, the Session's, or the context's deadline.
func TestRetryAfterBeyondTheTimeLeft(t *testing.T) {
	withDeadline := func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(context.Background(), 3*time.Second)
	}
	background := func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }
	cases := []struct {
		name string
		o    limpet.Options
		r    limpet.Request
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"Request.Timeout", limpet.Options{}, limpet.Request{Timeout: 3 * time.Second}, background},
		{"Options.Timeout", limpet.Options{Timeout: 3 * time.Second}, limpet.Request{}, background},
		{"context deadline", limpet.Options{Timeout: limpet.NoTimeout}, limpet.Request{}, withDeadline},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &flaky{fail: 5, retryAfter: "20"}
			srv := httptest.NewServer(f)
			defer srv.Close()
			s := newSession(t, c.o)
			ctx, cancel := c.ctx()
			defer cancel()
			r := c.r
			r.URL = srv.URL
			resp, err := s.Do(ctx, &r)
			if err != nil {
				t.Fatalf("err %v, want the 503", err)
			}
			resp.Close()
			if resp.StatusCode != http.StatusServiceUnavailable || f.attempts.Load() != 1 {
				t.Errorf("status %d after %d attempts, want 503 after 1", resp.StatusCode, f.attempts.Load())
			}
		})
	}
}

// TestOnRetry: the hook sees each attempt that is retried, with its status
// and the wait (the server's Retry-After here), and no other.
func TestOnRetry(t *testing.T) {
	f := &flaky{fail: 2, retryAfter: "0"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	var seen []string
	s, err := limpet.New(limpet.Options{BaseURL: srv.URL, Retry: limpet.RetryPolicy{
		OnRetry: func(req *http.Request, resp *http.Response, err error, wait time.Duration) {
			seen = append(seen, req.Method+" "+resp.Status+" "+wait.String())
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, err := s.Get(context.Background(), "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	want := []string{"GET 503 Service Unavailable 0s", "GET 503 Service Unavailable 0s"}
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Errorf("OnRetry saw %q, want %q", seen, want)
	}
}
