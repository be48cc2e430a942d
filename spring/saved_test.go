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

// FuzzLoadState checks that whatever a session file holds as the
// Authenticator's state (its entry, or an earlier release's "csrf" and
// "login" members), LoadState does not panic and SaveState writes a state
// that reads back.
func FuzzLoadState(f *testing.F) {
	f.Add([]byte(`{"csrf":{"token":"t","header":"X-T","source":"cookie:XSRF-TOKEN","updated":"2026-01-01T00:00:00Z"},"login":{"flow":"spring-form","user":"u","params":{"csrf-cookie":"masked"},"updated":"2026-01-01T00:00:00Z"}}`),
		[]byte(`{"token":"t","source":"form:_csrf"}`), []byte(`{"flow":"spring-form","user":"u","updated":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`null`), []byte(`{"token":"t","header_name":"bad header","updated":""}`), []byte(`{"flow":"spring-basic","params":null}`))
	f.Add([]byte(`{"csrf":{"updated":5}}`), []byte(`[]`), []byte(`"x"`))
	f.Fuzz(func(t *testing.T, data, csrf, login []byte) {
		var snap store.Snapshot
		if json.Valid(data) {
			snap.State = map[string]store.State{spring.StateOwner: {Version: 1, Updated: time.Unix(1, 0), Data: data}}
		}
		if json.Valid(csrf) {
			snap.SetExtra("csrf", csrf)
		}
		if json.Valid(login) {
			snap.SetExtra("login", login)
		}
		for _, snap := range []store.Snapshot{snap, {Extra: snap.Extra}} {
			a := spring.FormLogin("u", "p", spring.Options{LoginPage: "http://127.0.0.1:1/login"})
			a.LoadState(snap)
			var out store.Snapshot
			a.SaveState(&out)
			if _, err := store.Marshal(out); err != nil {
				t.Fatal(err)
			}
			if st, ok := out.LookupState(spring.StateOwner); ok {
				var s savedSpring
				if err := json.Unmarshal(st.Data, &s); err != nil {
					t.Fatalf("saved state does not read back: %v\n%s", err, st.Data)
				}
			}
		}
	})
}

// A session file of an earlier release keeps the state in its "csrf" and
// "login" members: LoadState converts them, and the next save writes the
// State entry and removes them, except a login recipe of the command line
// (it says where the password comes from), which is the command line's to
// convert.
func TestLoadStateConvertsTheEarlierMembers(t *testing.T) {
	for _, tt := range []struct {
		login       string
		removeLogin bool
	}{
		{`{"url": "http://127.0.0.1:1/login", "flow": "spring-form", "user": "u", "params": {"csrf-cookie": "masked"}, "updated": "2026-03-01T12:00:00Z"}`, true},
		{`{"url": "http://127.0.0.1:1/login", "flow": "spring-form", "user": "u", "password_from": "prompt", "params": {"csrf-cookie": "masked"}, "updated": "2026-03-01T12:00:00Z"}`, false},
	} {
		loaded, err := store.Parse([]byte(`{"format": "limpet-session", "version": 1,
			"csrf": {"token": "t1", "header_name": "X-XSRF-TOKEN", "param_name": "_csrf", "source": "form:_csrf", "updated": "2026-03-01T12:00:00Z"},
			"login": ` + tt.login + `}`))
		if err != nil {
			t.Fatal(err)
		}
		a := spring.FormLogin("u", "p", spring.Options{LoginPage: "http://127.0.0.1:1/login"})
		a.LoadState(loaded)
		var mine store.Snapshot
		a.SaveState(&mine)
		saved := springState(t, mine)
		if saved.CSRF == nil || saved.CSRF.Token != "t1" || saved.CSRF.Header != "X-XSRF-TOKEN" || saved.Login == nil ||
			saved.Login.Params["csrf-cookie"] != "masked" || saved.Login.User != "u" {
			t.Fatalf("converted state: %+v %+v", saved.CSRF, saved.Login)
		}
		merged := store.Merge(loaded, mine, store.MergeOptions{})
		if merged.Extra["csrf"] != nil || (merged.Extra["login"] == nil) != tt.removeLogin {
			t.Errorf("%s: members after the save: %s", tt.login, merged.Extra)
		}
		// The converted state is what the next process reads.
		b := spring.FormLogin("u", "p", spring.Options{LoginPage: "http://127.0.0.1:1/login"})
		b.LoadState(merged)
		var again store.Snapshot
		b.SaveState(&again)
		if got := springState(t, again); got.Login == nil || got.Login.Params["csrf-cookie"] != "masked" || got.CSRF == nil || got.CSRF.Token != "t1" {
			t.Errorf("read back: %+v %+v", got.CSRF, got.Login)
		}
	}
}
