// Package storetest has helpers for tests and benchmarks of session stores:
// realistic snapshots to save, load and merge.
package storetest

import (
	"fmt"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

// Snapshot returns a session of n cookies with realistic attributes, all
// created, updated and last used at t: ten hosts of example.com, half of
// them host-only, two thirds persistent (expiring 400 days after t), half
// Secure, all HttpOnly and SameSite=Lax. The same n and t give the same
// snapshot.
func Snapshot(n int, t time.Time) store.Snapshot {
	s := store.Snapshot{Cookies: make([]store.Cookie, n)}
	for i := range n {
		s.Cookies[i] = store.Cookie{Cookie: jar.Cookie{
			Name: fmt.Sprintf("cookie_%04d", i), Value: fmt.Sprintf("%032x", i*7919),
			Domain: fmt.Sprintf("host%d.example.com", i%10), Path: "/", HostOnly: i%2 == 0,
			Persistent: i%3 != 0, Secure: i%2 == 1, HttpOnly: true, SameSite: jar.SameSiteLax,
			Created: t, Updated: t, LastAccess: t,
		}}
		if s.Cookies[i].Persistent {
			s.Cookies[i].Expires = t.Add(400 * 24 * time.Hour)
		}
	}
	return s
}
