package filestore

import (
	"context"
	"fmt"
	"net/url"

	"github.com/limpet-http/limpet/store"
)

func init() { store.Register("file", openURL) }

// openURL is the store.Opener of "file" URLs and plain paths: the URL's
// path is the configuration directory (sessions live in its sessions/
// directory). "file:dir" and "file:///abs/dir" both work; a host other than
// localhost is refused.
func openURL(_ context.Context, u *url.URL, raw string) (store.Store, error) {
	dir := u.Path
	if u.Scheme != "" {
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("filestore: store URL %s: a file URL names no host (want file:/dir or file:///dir)", store.Redacted(raw))
		}
		if u.Opaque != "" {
			dir = u.Opaque
		}
		if u.RawQuery != "" || u.User != nil {
			return nil, fmt.Errorf("filestore: store URL %s: a file URL takes no user or query", store.Redacted(raw))
		}
	}
	if dir == "" {
		return nil, fmt.Errorf("filestore: store URL %s: no directory", store.Redacted(raw))
	}
	return New(Options{Dir: dir})
}

// Bind returns the File of the session called name, which implements
// store.Bound (and limpet.RecoveryLocker). It is Store.File for store.Bind.
func (s *Store) Bind(name string) (store.Bound, error) {
	f, err := s.File(name)
	if err != nil {
		return nil, err
	}
	return f, nil
}
