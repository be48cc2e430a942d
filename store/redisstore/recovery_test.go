package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet/store/redisstore"
)

// One holder at a time; a release wakes a waiter.
func TestLockRecoveryExclusive(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ss, err := redisstore.New(newClient(t, addr), redisstore.Options{}).Session("locked")
			if err != nil {
				t.Error(err)
				return
			}
			for range 5 {
				unlock, err := ss.LockRecovery(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				if n > most.Load() {
					most.Store(n)
				}
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				if err := unlock(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Errorf("%d holders at once", most.Load())
	}
}

// A holder that died (its token stays, nobody renews it) stalls a waiter
// only until the lock expires; a wait that the context ends is an error
// naming the key.
func TestLockRecoveryDeadHolder(t *testing.T) {
	addr := startRedis(t)
	c := newClient(t, addr)
	ss, err := redisstore.New(c, redisstore.Options{LockTTL: 300 * time.Millisecond}).Session("dead")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Set(ctx, ss.LockKey(), "a-dead-process", 300*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = ss.LockRecovery(short)
	cancel()
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockRecovery while held: %v; want a deadline error", err)
	}
	unlock, err := ss.LockRecovery(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
}

// The holder renews the lock past its TTL; a lock that vanished while held
// is reported by unlock.
func TestLockRecoveryRenewAndLost(t *testing.T) {
	addr := startRedis(t)
	c := newClient(t, addr)
	ss, err := redisstore.New(c, redisstore.Options{LockTTL: 150 * time.Millisecond}).Session("renewed")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	unlock, err := ss.LockRecovery(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // several TTLs: held only if renewed
	if n, err := c.Exists(ctx, ss.LockKey()).Result(); err != nil || n != 1 {
		t.Fatalf("lock key after 3 TTLs: %d, %v; want it renewed", n, err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(ctx, ss.LockKey()).Result(); n != 0 {
		t.Fatal("unlock left the key")
	}
	unlock, err = ss.LockRecovery(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Del(ctx, ss.LockKey())
	if err := unlock(); !errors.Is(err, redisstore.ErrLockLost) {
		t.Fatalf("unlock of a lost lock: %v; want ErrLockLost", err)
	}
}
