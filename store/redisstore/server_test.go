package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

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

// startRedis starts a private redis-server on a free loopback port, with no
// persistence and its working directory in a temporary directory, waits
// until it answers PING and stops it when the test ends. It returns the
// server's address. It skips the test when redis-server is not installed,
// unless LIMPET_INTEROP=require.
func startRedis(tb testing.TB) string {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("LIMPET_INTEROP") == "require" {
			tb.Fatalf("redis-server not found and LIMPET_INTEROP=require: %v", err)
		}
		tb.Skipf("redis-server not found (install the Debian package redis-server): %v", err)
	}
	var lastErr error
	for range 5 { // a free port can be taken between the probe and the start
		addr, err := tryStartRedis(tb, bin)
		if err == nil {
			return addr
		}
		lastErr = err
	}
	tb.Fatal(lastErr)
	return ""
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tryStartRedis(tb testing.TB, bin string) (string, error) {
	port, err := freePort()
	if err != nil {
		return "", err
	}
	dir := tb.TempDir()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--protected-mode", "yes")
	cmd.Dir = dir
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	deadline := time.Now().Add(30 * time.Second) // a liveness bound, not a measurement
	for {
		select {
		case err := <-exited:
			return "", fmt.Errorf("redis-server on port %d exited: %v\n%s", port, err, out.String())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return "", fmt.Errorf("redis-server on port %d did not answer PING: %v\n%s", port, err, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		if err := <-exited; err != nil && !isKilled(err) {
			tb.Errorf("redis-server: %v\n%s", err, out.String())
		}
	})
	return addr, nil
}

func isKilled(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && !ee.Exited()
}

// newClient returns a client of the server at addr, closed when the test
// ends.
func newClient(tb testing.TB, addr string) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}
