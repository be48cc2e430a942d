package cli

import (
	"os"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store/filestore"
)

// Factory holds what the commands take from the world outside them: the
// I/O streams, the way to make a Session, the clock, the environment and
// the configuration directory. NewFactory gives the process's own; tests
// replace any of them. Its fields are read, never changed, by the
// commands, and every field is set by NewFactory: a command may call any
// of them.
type Factory struct {
	// IOStreams are standard input, output and error.
	IOStreams *IOStreams
	// NewSession makes the Session a command sends its requests with.
	NewSession func(limpet.Options) (*limpet.Session, error)
	// Now is the clock: cookie stamps, expiry shown, elapsed times.
	Now func() time.Time
	// Getenv reads an environment variable (--password-env, a login
	// recipe's env: source).
	Getenv func(string) string
	// ConfigDir is limpet's configuration directory: sessions live under
	// its sessions/ directory.
	ConfigDir func() (string, error)
	// HomeDir is the user's home directory: ~/ in session paths and
	// request items, ~/.netrc.
	HomeDir func() (string, error)
	// HTTPS makes https the default scheme, as the limpet-s command does
	// (HTTPie's https).
	HTTPS bool

	// sessionStore is --session-store, set by the root command's flag
	// parsing (the one field that changes after NewFactory).
	sessionStore string
	opened       openedStore
}

// NewFactory returns the Factory of the process: its environment, its
// clock, limpet.New, and the configuration directory of package
// filestore ($LIMPET_CONFIG_DIR, else $XDG_CONFIG_HOME/limpet, else
// ~/.config/limpet).
func NewFactory(io *IOStreams) *Factory {
	return &Factory{
		IOStreams:  io,
		NewSession: limpet.New,
		Now:        time.Now,
		Getenv:     os.Getenv,
		ConfigDir:  filestore.DefaultDir,
		HomeDir:    os.UserHomeDir,
	}
}

// sessions returns where the commands find stored sessions.
func (f *Factory) sessions() sessionDir {
	return sessionDir{configDir: f.ConfigDir, homeDir: f.HomeDir, storeURL: f.sessionStoreURL, opened: &f.opened}
}

// sessionStoreURL is where named sessions live: --session-store, else
// $LIMPET_SESSION_STORE; "" means the file store of ConfigDir.
func (f *Factory) sessionStoreURL() string {
	if f.sessionStore != "" {
		return f.sessionStore
	}
	if f.Getenv == nil {
		return ""
	}
	return f.Getenv(sessionStoreEnv)
}
