package spring

import (
	"context"
	"net/http"
	"time"
)

// Requests in flight. A login waits until the requests sent before it are
// answered: their answers, to the server session being replaced, set new
// session cookies of their own (a servlet container creates a session to
// save a request for after the login), and one landing in the jar between
// two steps of the login would spoil it. New requests wait at the gate
// meanwhile, so the wait ends.

// track records req, prepared and about to be sent, as in flight until
// Check sees its answer or, when it fails, its context ends.
func (a *Authenticator) track(req *http.Request) {
	if req.Context().Done() == nil {
		// A context that never ends could not untrack a request whose
		// transport failed (Check never sees it): such requests are not
		// waited for, and the pinned cookie still undoes a late answer.
		return
	}
	a.flightMu.Lock()
	if a.flights == nil {
		a.flights = make(map[*http.Request]func() bool)
	}
	a.flights[req] = nil
	a.flightMu.Unlock()
	stop := context.AfterFunc(req.Context(), func() { a.untrack(req) })
	a.flightMu.Lock()
	if _, ok := a.flights[req]; ok {
		a.flights[req] = stop
		stop = nil
	}
	a.flightMu.Unlock()
	if stop != nil {
		stop() // answered already
	}
}

// untrack records that req was answered (or failed).
func (a *Authenticator) untrack(req *http.Request) {
	a.flightMu.Lock()
	stop, ok := a.flights[req]
	if ok {
		delete(a.flights, req)
		if len(a.flights) == 0 && a.idle != nil {
			close(a.idle)
			a.idle = nil
		}
	}
	a.flightMu.Unlock()
	if stop != nil {
		stop()
	}
}

// maxDrain bounds a login's wait for the answers to the requests sent
// before it: a slow request must not hold every recovering goroutine up
// (an answer that comes later is still undone by the pinned cookie, see
// guardPin), and a request whose transport failed without a context that
// ends is never seen again.
const maxDrain = 2 * time.Second

// drain waits until no request is in flight, ctx ends, or maxDrain passes.
func (a *Authenticator) drain(ctx context.Context) {
	a.flightMu.Lock()
	if len(a.flights) == 0 {
		a.flightMu.Unlock()
		return
	}
	if a.idle == nil {
		a.idle = make(chan struct{})
	}
	idle := a.idle
	a.flightMu.Unlock()
	t := time.NewTimer(maxDrain)
	defer t.Stop()
	select {
	case <-idle:
	case <-ctx.Done():
	case <-t.C:
	}
}
