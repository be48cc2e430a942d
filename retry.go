package limpet

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Retry defaults.
const (
	// DefaultMaxRetries is how often a failed idempotent request is sent
	// again when RetryPolicy.Max is zero.
	DefaultMaxRetries = 2
	// DefaultMinBackoff and DefaultMaxBackoff bound the exponential,
	// jittered wait between attempts.
	DefaultMinBackoff = 100 * time.Millisecond
	DefaultMaxBackoff = 2 * time.Second
	// DefaultMaxRetryAfter caps the Retry-After a retry waits for; a
	// server asking for longer gets its response returned instead of an
	// hours-long sleep.
	DefaultMaxRetryAfter = 30 * time.Second
)

// NoRetries, as RetryPolicy.Max, turns retries off.
const NoRetries = -1

// RetryPolicy says when a request is sent again. The zero value retries
// idempotent requests (GET, HEAD, OPTIONS, TRACE, PUT, DELETE, or any
// request with an Idempotency-Key header) up to DefaultMaxRetries times,
// after a connection failure or a 429, 502, 503 or 504 response, waiting
// an exponential, jittered backoff or the server's Retry-After (capped).
// A wait never runs past the request's context: when the time the request
// has left (its Timeout, the Session's, or the context's deadline) is
// shorter than the wait, the last response (or error) is returned at once.
type RetryPolicy struct {
	// Max is the most retries of one request: zero means
	// DefaultMaxRetries, NoRetries none.
	Max int
	// MinBackoff and MaxBackoff bound the wait; zero means the defaults.
	MinBackoff, MaxBackoff time.Duration
	// MaxRetryAfter caps Retry-After; a longer one is not waited for.
	// Zero means DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Statuses are the response statuses worth a retry; nil means 429,
	// 502, 503 and 504.
	Statuses []int
	// Check, when set, replaces the method and status rules: it reports
	// whether the attempt that gave resp or err should be retried. Bodies
	// are replayed through GetBody; a request without one is never retried.
	Check func(req *http.Request, resp *http.Response, err error) bool
	// OnRetry, when set, is called before each wait for another attempt
	// with the attempt that failed (its response, whose body is discarded
	// afterwards, or its error) and the wait. It runs on the goroutine that
	// sends the request.
	OnRetry func(req *http.Request, resp *http.Response, err error, wait time.Duration)
}

// retryTransport sends a request again when its policy says so. It keeps
// a copy of the header from before the first attempt, since the layers
// below change the request in place.
type retryTransport struct {
	next http.RoundTripper
	p    RetryPolicy
}

func newRetryTransport(next http.RoundTripper, p RetryPolicy) http.RoundTripper {
	if p.Max < 0 {
		return next
	}
	if p.Max == 0 {
		p.Max = DefaultMaxRetries
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = DefaultMinBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = DefaultMaxBackoff
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if p.Statuses == nil {
		p.Statuses = []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}
	}
	return &retryTransport{next: next, p: p}
}

func (t *retryTransport) retryable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	if t.p.Check != nil {
		return true
	}
	return idempotent(req.Method) || req.Header.Get("Idempotency-Key") != ""
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.retryable(req) {
		return t.next.RoundTrip(req)
	}
	pristine := req.Header.Clone()
	for attempt := 0; ; attempt++ {
		resp, err := t.next.RoundTrip(req)
		if attempt >= t.p.Max || !t.shouldRetry(req, resp, err) {
			return resp, err
		}
		wait := t.backoff(attempt)
		if resp != nil {
			if ra, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
				if ra > t.p.MaxRetryAfter {
					return resp, nil // not worth waiting for: let the caller see it
				}
				wait = ra
			}
		}
		if dl, ok := req.Context().Deadline(); ok && time.Until(dl) <= wait {
			// The request would time out while waiting: the answer (or
			// the error) it got says more than a timeout would.
			return resp, err
		}
		if t.p.OnRetry != nil {
			t.p.OnRetry(req, resp, err, wait)
		}
		if resp != nil {
			drain(resp.Body)
		}
		timer := time.NewTimer(wait)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return nil, req.Context().Err()
		case <-timer.C:
		}
		next := req.Clone(req.Context())
		next.Header = pristine.Clone()
		if req.GetBody != nil {
			body, gerr := req.GetBody()
			if gerr != nil {
				return nil, gerr
			}
			next.Body = body
		}
		req = next
	}
}

func (t *retryTransport) shouldRetry(req *http.Request, resp *http.Response, err error) bool {
	if errors.Is(err, errReplaced) {
		return false // the Session prepares it again after the login
	}
	if err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || req.Context().Err() != nil) {
		return false
	}
	if t.p.Check != nil {
		return t.p.Check(req, resp, err)
	}
	if err != nil {
		return true
	}
	for _, s := range t.p.Statuses {
		if resp.StatusCode == s {
			return true
		}
	}
	return false
}

// backoff is MinBackoff·2^attempt, capped, with full jitter in its upper half.
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := t.p.MinBackoff << attempt
	if d <= 0 || d > t.p.MaxBackoff {
		d = t.p.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// retryAfter parses a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		const forever = 100 * 365 * 24 * time.Hour // beyond any cap; avoids overflow
		if s > int64(forever/time.Second) {
			return forever, true
		}
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
