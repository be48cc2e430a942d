package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/limpet-http/limpet/store"
)

func init() {
	store.Register("redis", openURL)
	store.Register("rediss", openURL)
}

func openURL(_ context.Context, _ *url.URL, raw string) (store.Store, error) {
	return OpenStore(raw, Options{})
}

// OpenStore connects to Redis at rawURL and returns a Store with a client
// of its own, which Close closes. rawURL is a redis:// or rediss:// (TLS)
// URL as go-redis reads it, with a few query parameters of this package:
//
//	redis://[[user]:password@]host[:port][/db][?prefix=myapp:&ttl=24h&lock_ttl=10s&dial_timeout=3s&...]
//	redis://host:7000?cluster=1&addr=host:7001&addr=host:7002    a Redis Cluster
//
// prefix, ttl and lock_ttl set Options.Prefix, Options.TTL and
// Options.LockTTL (they override opts);
// cluster=1, or any addr parameter, makes a cluster client
// (redis.ParseClusterURL; the URL's host and every addr are seed nodes, and
// a cluster has no database number). Other parameters are go-redis's own.
// OpenStore does not connect: the first command does. Errors never show
// the password.
func OpenStore(rawURL string, opts Options) (*Store, error) {
	fail := func(err error) (*Store, error) {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message repeats the URL, password included
		}
		return nil, fmt.Errorf("redisstore: %s: %w", redactURL(rawURL), err)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return fail(err)
	}
	if s := strings.ToLower(u.Scheme); s != "redis" && s != "rediss" {
		return fail(fmt.Errorf("scheme %q is not redis or rediss", u.Scheme))
	}
	q := u.Query()
	cluster := q.Has("addr")
	if v := q.Get("prefix"); q.Has("prefix") {
		if v == "" {
			return fail(errors.New("empty prefix"))
		}
		opts.Prefix = v
	}
	if v := q.Get("ttl"); q.Has("ttl") {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fail(fmt.Errorf("ttl %q is not a duration such as 24h", v))
		}
		opts.TTL = d
	}
	if v := q.Get("lock_ttl"); q.Has("lock_ttl") {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fail(fmt.Errorf("lock_ttl %q is not a duration such as 10s", v))
		}
		opts.LockTTL = d
	}
	if q.Has("cluster") {
		switch strings.ToLower(q.Get("cluster")) {
		case "1", "true", "yes":
			cluster = true
		case "0", "false", "no":
		default:
			return fail(fmt.Errorf("cluster=%q: want 1 or 0", q.Get("cluster")))
		}
	}
	q.Del("prefix")
	q.Del("ttl")
	q.Del("cluster")
	q.Del("lock_ttl")
	u.RawQuery = q.Encode()
	var c redis.UniversalClient
	if cluster {
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return fail(fmt.Errorf("a Redis Cluster has only database 0, not %s", p))
		}
		u.Path = ""
		co, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return fail(err)
		}
		c = redis.NewClusterClient(co)
	} else {
		ro, err := redis.ParseURL(u.String())
		if err != nil {
			return fail(err)
		}
		c = redis.NewClient(ro)
	}
	st := New(c, opts)
	st.owned = true
	return st, nil
}

// Close closes the Redis client when the Store made it (OpenStore, or
// store.Open of a redis:// URL), and does nothing otherwise. Such a Store
// must not be used after Close.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("redisstore: close: %w", err)
	}
	return nil
}

// Bind returns the Session called name, which implements store.Bound (and
// limpet.RecoveryLocker). It is Store.Session for store.Bind.
func (s *Store) Bind(name string) (store.Bound, error) {
	ss, err := s.Session(name)
	if err != nil {
		return nil, err
	}
	return ss, nil
}

// Client returns the Redis client the Store uses.
func (s *Store) Client() redis.UniversalClient { return s.client }

// sibling returns the key of something kept beside the session key (its
// recovery lock, its version): key+suffix in the same cluster hash slot.
// A key with a hash tag ("...{tag}...") keeps it; one without is made the
// tag of its siblings, "{key}"+suffix, which Redis Cluster hashes as it
// hashes key itself.
func sibling(key, suffix string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key + suffix
		}
	}
	return "{" + key + "}" + suffix
}
