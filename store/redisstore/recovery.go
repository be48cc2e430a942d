package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultLockTTL is the recovery lock's expiry when Options.LockTTL is zero.
const DefaultLockTTL = 10 * time.Second

// ErrLockLost is wrapped by the error of a recovery lock's unlock when the
// lock expired while held (its renewals failed: Redis was unreachable for
// longer than the lock's TTL) and so may have been taken by another
// process meanwhile.
var ErrLockLost = errors.New("redisstore: the recovery lock expired while held")

// renew extends the lock when the caller still holds it.
var renew = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)

// release deletes the lock when the caller still holds it.
var release = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// LockKey returns the key of the session's recovery lock: Key()+":login",
// in the cluster hash slot of the session's key.
func (s *Session) LockKey() string { return sibling(s.key, ":login") }

// lockChannel is the pub/sub channel on which a released lock is announced.
func (s *Session) lockChannel() string { return sibling(s.key, ":login:released") }

// LockRecovery takes the session's recovery lock, waiting until ctx ends;
// it implements limpet.RecoveryLocker, so that of the processes sharing the
// session (on any hosts) one logs in again and the others wait, then adopt
// its session.
//
// The lock is the key LockKey set (SET NX PX) to a random token, with an
// expiry of Options.LockTTL that a goroutine renews every third of it while
// the lock is held; only the holder releases it (a script deletes the key
// when it still holds the token), and announces the release on a pub/sub
// channel, which wakes the waiters at once. A waiter also tries again when
// the lock's expiry comes, so a holder that died stalls the others at most
// LockTTL. unlock releases the lock; it reports, wrapping ErrLockLost, a
// lock that expired while held. Errors name the key, never a password.
func (s *Session) LockRecovery(ctx context.Context) (unlock func() error, err error) {
	c := s.st.client
	key := s.LockKey()
	fail := func(err error) (func() error, error) {
		return nil, &Error{Op: "lock recovery", Key: key, Err: err}
	}
	ttl := s.st.opts.LockTTL
	if ttl <= 0 {
		ttl = DefaultLockTTL
	}
	b := make([]byte, 16)
	rand.Read(b)
	token := hex.EncodeToString(b)
	ok, err := c.SetNX(ctx, key, token, ttl).Result()
	if err != nil {
		return fail(err)
	}
	if !ok {
		// Subscribe, then try again: a release between the first try and
		// the subscription is not missed.
		sub := c.Subscribe(ctx, s.lockChannel())
		defer sub.Close()
		if _, err := sub.Receive(ctx); err != nil {
			return fail(err)
		}
		msgs := sub.Channel()
		start := time.Now()
		for !ok {
			if ok, err = c.SetNX(ctx, key, token, ttl).Result(); err != nil {
				if ctx.Err() != nil {
					return fail(fmt.Errorf("another process held the lock for %s, then: %w", time.Since(start).Round(time.Millisecond), err))
				}
				return fail(err)
			}
			if ok {
				break
			}
			wait := 500 * time.Millisecond // a holder that died: try again when its lock expires
			if left, err := c.PTTL(ctx, key).Result(); err == nil && left > 0 && left < wait {
				wait = left
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fail(fmt.Errorf("another process holds the lock; gave up after waiting %s: %w", time.Since(start).Round(time.Millisecond), ctx.Err()))
			case <-msgs:
				t.Stop()
			case <-t.C:
			}
		}
	}
	h := &held{done: make(chan struct{})}
	h.wg.Add(1)
	go h.renew(c, key, token, ttl)
	return func() error {
		var lost bool
		h.once.Do(func() { close(h.done) })
		h.wg.Wait()
		h.mu.Lock()
		lost = h.lost
		h.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n, err := release.Run(ctx, c, []string{key}, token).Int()
		if err != nil {
			return &Error{Op: "unlock recovery", Key: key, Err: err}
		}
		if n == 1 {
			_ = c.Publish(ctx, s.lockChannel(), "released").Err() // best effort: waiters also retry at the lock's expiry
		} else {
			lost = true
		}
		if lost {
			return &Error{Op: "unlock recovery", Key: key, Err: ErrLockLost}
		}
		return nil
	}, nil
}

// held is a recovery lock being held: renewed until done is closed.
type held struct {
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup

	mu   sync.Mutex // guards lost
	lost bool
}

func (h *held) renew(c redis.UniversalClient, key, token string, ttl time.Duration) {
	defer h.wg.Done()
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), ttl/3)
		n, err := renew.Run(ctx, c, []string{key}, token, ttl.Milliseconds()).Int()
		cancel()
		if err == nil && n == 0 {
			h.mu.Lock()
			h.lost = true
			h.mu.Unlock()
			return
		}
	}
}
