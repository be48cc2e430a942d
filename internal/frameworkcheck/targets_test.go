package frameworkcheck_test

import (
	"context"
	"testing"
	"time"

	"github.com/limpet-http/limpet/internal/testserver/frameworks"
)

// The setup and the checks that TestLibrary and TestCLI share.

// target is an application to log in to: a framework fixture, or the single sign-on relying party.
type target struct {
	name string
	srv  *frameworks.Server // the application
	sso  *frameworks.SSO    // for the single sign-on target
	url  string             // what the user gives: the login page, or the application's root for single sign-on
}

func (tg target) login(u frameworks.User) string {
	if tg.sso != nil {
		return u.Name
	}
	return u.Login(tg.name)
}

// frameworkTarget returns the fixture app, started once for the test binary.
func frameworkTarget(t *testing.T, app string) target {
	srv := frameworks.Start(t, app)
	return target{name: app, srv: srv, url: srv.URL + frameworks.LoginPath(app)}
}

func ssoTarget(t *testing.T) target {
	sso := frameworks.StartSSO(t)
	return target{name: "sso", srv: sso.App, sso: sso, url: sso.App.URL + "/"}
}

func users(t *testing.T) []frameworks.User {
	t.Helper()
	all, err := frameworks.LoadUsers()
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// forEachTarget runs checks against every framework fixture and the single sign-on fixture, each in a subtest named
// after it.
func forEachTarget(t *testing.T, checks func(*testing.T, target)) {
	for _, app := range append(frameworks.Apps(), "sso") {
		t.Run(app, func(t *testing.T) {
			if app == "sso" {
				checks(t, ssoTarget(t))
			} else {
				checks(t, frameworkTarget(t, app))
			}
		})
	}
}

func loginsOK(t *testing.T, tg target, name string) int { return tg.srv.Counters(t).LoginsOK[name] }

// oneLogin ends every server session of tg, runs do and checks that it logged in as name exactly once.
func oneLogin(t *testing.T, tg target, name string, do func(*testing.T)) {
	t.Helper()
	before := loginsOK(t, tg, name)
	tg.srv.ExpireAll(t)
	do(t)
	if got := loginsOK(t, tg, name) - before; got != 1 {
		t.Fatalf("%d logins, want 1", got)
	}
}

// onePost runs do, a login as name that fails, and checks that it posted the credentials once (the single sign-on
// fixture counts no posts: they go to the provider).
func onePost(t *testing.T, tg target, name string, do func(*testing.T)) {
	t.Helper()
	before := tg.srv.Counters(t).LoginPosts[name]
	do(t)
	if n := tg.srv.Counters(t).LoginPosts[name] - before; tg.sso == nil && n != 1 {
		t.Errorf("%d login POSTs, want 1", n)
	}
}

// countsOnce runs do, a POST to the counter key, and checks that the counter went up by one exactly.
func countsOnce(t *testing.T, tg target, key string, do func(*testing.T)) {
	t.Helper()
	before := tg.srv.Counters(t).Counts[key]
	do(t)
	if after := tg.srv.Counters(t).Counts[key]; after != before+1 {
		t.Fatalf("counter %s went from %d to %d, want +1", key, before, after)
	}
}

// wantName is what the page greets the user as.
func wantName(tg target, u frameworks.User) string {
	if tg.sso != nil {
		return u.Name
	}
	return u.Login(tg.name)
}
