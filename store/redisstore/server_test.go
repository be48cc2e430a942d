package redisstore_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/redisserver"
	"github.com/redis/go-redis/v9"
)

// syncBuffer is an io.Writer safe for the process's output copier and the
// test reading it.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// startRedis starts a private redis-server (redisserver.Start: a free
// loopback port, no persistence, stopped when the test ends; skipped when
// redis-server is missing unless LIMPET_INTEROP=require) and returns its
// address.
func startRedis(tb testing.TB) string {
	tb.Helper()
	return redisserver.Start(tb).Addr
}

// newClient returns a client of the server at addr, closed when the test
// ends.
func newClient(tb testing.TB, addr string) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}
