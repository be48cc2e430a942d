package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/store/redisstore"
)

// sessionStoreEnv names the environment variable that chooses where named
// sessions live when --session-store is not given.
const sessionStoreEnv = "LIMPET_SESSION_STORE"

// sessionFile is one session the commands read and write: a file (named or
// given by path) or a session in a Redis store. Its Load and Save are the
// store's; a file or Redis session also implements limpet.RecoveryLocker,
// so that processes sharing it log in once.
type sessionFile interface {
	limpet.SessionStore
	Delete(ctx context.Context) error
	// Update changes the stored session with fn, atomically.
	Update(ctx context.Context, fn func(*store.Snapshot) error) (store.Snapshot, error)
	// Path says where the session is, for messages: the file, or the
	// Redis key with the store's URL (password masked).
	Path() string
	// savingPasswords returns the same session with passwords kept in
	// what it saves (limpet login --save-password).
	savingPasswords() limpet.SessionStore
}

// namedStore holds the named sessions: the file store of the
// configuration directory (the default) or the store --session-store names.
type namedStore interface {
	List(ctx context.Context) ([]string, error)
	file(name string) (sessionFile, error)
	// where says where the sessions are, for messages.
	where() string
}

// fileSession is a session file.
type fileSession struct{ *filestore.File }

func (f fileSession) savingPasswords() limpet.SessionStore {
	return filestore.Open(f.File.Path(), filestore.Options{SavePasswords: true})
}

// fileStore is the file store of named sessions.
type fileStore struct{ *filestore.Store }

func (s fileStore) file(name string) (sessionFile, error) {
	f, err := s.Store.File(name)
	if err != nil {
		return nil, err
	}
	return fileSession{f}, nil
}

func (s fileStore) where() string { return s.Dir() }

// redisStore is a Redis store of named sessions.
type redisStore struct {
	*redisstore.Store
	url string // redacted
}

func (s redisStore) file(name string) (sessionFile, error) {
	ss, err := s.Store.Session(name)
	if err != nil {
		return nil, err
	}
	return redisSession{Session: ss, st: s}, nil
}

func (s redisStore) where() string { return s.url }

// redisSession is a session kept in Redis.
type redisSession struct {
	*redisstore.Session
	st redisStore
}

func (r redisSession) Path() string { return r.st.url + " key " + r.Key() }

func (r redisSession) savingPasswords() limpet.SessionStore {
	ss, err := redisstore.New(r.st.Client(), redisstore.Options{Prefix: r.st.Prefix(), SavePasswords: true}).Session(r.Name())
	if err != nil { // cannot happen: the name was valid for the same prefix
		return r
	}
	return ss
}

// openNamedStore opens the store of named sessions: rawURL (from
// --session-store or $LIMPET_SESSION_STORE) when set, else the file store
// of dir.
func openNamedStore(rawURL string, dir func() (string, error)) (namedStore, error) {
	if rawURL == "" {
		d, err := dir()
		if err != nil {
			return nil, err
		}
		st, err := filestore.New(filestore.Options{Dir: d})
		if err != nil {
			return nil, err
		}
		return fileStore{st}, nil
	}
	st, err := store.Open(context.Background(), rawURL)
	if err != nil {
		return nil, fmt.Errorf("--session-store (or $%s): %w", sessionStoreEnv, err)
	}
	switch s := st.(type) {
	case *filestore.Store:
		return fileStore{s}, nil
	case *redisstore.Store:
		// go-redis logs failed dials on its own; the command's error says it.
		redis.SetLogger(quietRedis{})
		return redisStore{Store: s, url: store.Redacted(rawURL)}, nil
	}
	store.Close(st)
	return nil, fmt.Errorf("--session-store %s: not a store the commands know (want a directory, file: or redis(s)://)", store.Redacted(rawURL))
}

// isStoreLocation reports whether path is where a session of a store that
// is not a directory lives ("redis://... key ..."): nothing to check on
// disk.
func isStoreLocation(path string) bool {
	return strings.HasPrefix(path, "redis://") || strings.HasPrefix(path, "rediss://")
}

// quietRedis drops go-redis's log lines.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// storeMessage words an error of the Redis session store, keeping which
// key it was about in front of what went wrong on the network.
func storeMessage(err error) string {
	var re *redisstore.Error
	if !errors.As(err, &re) {
		return ""
	}
	if m := networkMessage(err); m != "" {
		return fmt.Sprintf("session store: %s %s: %s", re.Op, re.Key, m)
	}
	return ""
}
