package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/limpet-http/limpet"
)

// Timeouts. --timeout bounds an API call, from sending the request to the
// last byte of the body (limpet.DefaultTimeout when not given). A download
// or a stream may rightly last long: --timeout bounds the wait for its
// response's headers, and --idle-timeout each wait for more of its body
// (defaultDownloadIdle for a download, none for a stream).

// defaultDownloadIdle is how long a download may go without a byte.
const defaultDownloadIdle = 60 * time.Second

// timeoutError is a timeout (exit status 2): a net.Error whose Timeout is
// true.
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string   { return e.msg }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return false }

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// exchangeClock cancels the exchange's context when a timeout runs out.
// Safe for concurrent use.
type exchangeClock struct {
	cancel context.CancelCauseFunc

	mu    sync.Mutex
	timer *time.Timer
}

// startClock returns a context for the exchange, cancelled when the
// --timeout of o runs out.
func (o *RequestOptions) startClock(ctx context.Context) (context.Context, *exchangeClock) {
	ctx, cancel := context.WithCancelCause(ctx)
	c := &exchangeClock{cancel: cancel}
	d := limpet.DefaultTimeout
	if o.Timeout > 0 {
		d = seconds(o.Timeout)
	}
	c.timer = time.AfterFunc(d, func() {
		cancel(&timeoutError{fmt.Sprintf("timed out: no complete answer within %s (see --timeout)", d)})
	})
	return ctx, c
}

// stop stops the --timeout clock (for a download or a stream, once its
// headers have come) and releases the context when done.
func (c *exchangeClock) stop(done bool) {
	c.mu.Lock()
	c.timer.Stop()
	c.mu.Unlock()
	if done {
		c.cancel(nil)
	}
}

// idleBody returns body bounded by an idle timeout: a read that waits
// longer than d for the server cancels the exchange. d <= 0 returns body.
func (c *exchangeClock) idleBody(body io.Reader, d time.Duration) io.Reader {
	if d <= 0 {
		return body
	}
	return &idleReader{r: body, d: d, c: c}
}

// idleReader arms the idle timer for each read, and only for the read: the
// time the output takes to be written does not count.
type idleReader struct {
	r io.Reader
	d time.Duration
	c *exchangeClock
}

func (ir *idleReader) Read(p []byte) (int, error) {
	t := time.AfterFunc(ir.d, func() {
		ir.c.cancel(&timeoutError{fmt.Sprintf("timed out: no data for %s (see --idle-timeout)", ir.d)})
	})
	n, err := ir.r.Read(p)
	t.Stop()
	return n, err
}

// timeoutCause replaces the error of an exchange cancelled by its clock
// with the timeout that cancelled it.
func timeoutCause(ctx context.Context, err error) error {
	var te *timeoutError
	if err != nil && errors.As(context.Cause(ctx), &te) && !errors.As(err, &te) {
		return te
	}
	return err
}

// idleTimeout is --idle-timeout, or its default for a download or a
// stream.
func (o *RequestOptions) idleTimeout(download bool) time.Duration {
	switch {
	case o.IdleTimeout > 0:
		return seconds(o.IdleTimeout)
	case download:
		return defaultDownloadIdle
	}
	return 0
}
