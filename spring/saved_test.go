package spring_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
)

// savedCSRF and savedLogin read the Authenticator's saved state (its
// State entry, layout version 1) as another reader of the file would.
type savedCSRF struct {
	Token   string    `json:"token,omitempty"`
	Header  string    `json:"header,omitempty"`
	Param   string    `json:"param,omitempty"`
	Source  string    `json:"source,omitempty"`
	Updated time.Time `json:"updated"`
}

type savedLogin struct {
	URL      string            `json:"url,omitempty"`
	Flow     string            `json:"flow"`
	User     string            `json:"user,omitempty"`
	Password string            `json:"password,omitempty"` // must stay empty
	Params   map[string]string `json:"params,omitempty"`
	Updated  time.Time         `json:"updated"`
}

type savedSpring struct {
	CSRF  *savedCSRF  `json:"csrf,omitempty"`
	Login *savedLogin `json:"login,omitempty"`
}

// springState returns what snap keeps under spring.StateOwner (zero when
// nothing).
func springState(t testing.TB, snap store.Snapshot) savedSpring {
	t.Helper()
	var s savedSpring
	st, ok := snap.LookupState(spring.StateOwner)
	if !ok {
		return s
	}
	if st.Version != 1 || st.Secret != nil {
		t.Fatalf("state %q: version %d, secret %s", spring.StateOwner, st.Version, st.Secret)
	}
	if err := json.Unmarshal(st.Data, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// withSpringState returns a snapshot holding s under spring.StateOwner.
func withSpringState(t testing.TB, s savedSpring) store.Snapshot {
	t.Helper()
	var at time.Time
	if s.CSRF != nil {
		at = s.CSRF.Updated
	}
	if s.Login != nil && s.Login.Updated.After(at) {
		at = s.Login.Updated
	}
	var snap store.Snapshot
	if err := snap.SetState(spring.StateOwner, 1, at, s); err != nil {
		t.Fatal(err)
	}
	return snap
}
