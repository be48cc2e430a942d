package frameworkcheck_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/limpet-http/limpet/internal/testserver/frameworks"
)

// cli runs the limpet command with its configuration (sessions) in dir and the password in $LIMPET_TEST_PASSWORD,
// and returns its standard output and error and whether it succeeded.
func cli(t *testing.T, dir, password string, args ...string) (string, string, bool) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(c, limpetBin, args...)
	cmd.Env = append(os.Environ(), "LIMPET_CONFIG_DIR="+dir, "LIMPET_TEST_PASSWORD="+password, "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("limpet %s: %v", strings.Join(args, " "), err)
		}
	}
	return stdout.String(), stderr.String(), err == nil
}

// TestCLI checks "limpet login" and requests with the stored session against every framework and the single
// sign-on fixture, given only a URL, a user and a password.
func TestCLI(t *testing.T) { forEachTarget(t, cliChecks) }

func cliChecks(t *testing.T, tg target) {
	all := users(t)
	carol, bob := all[2], all[1]
	dir := t.TempDir()
	login := tg.login(carol)
	page := tg.srv.URL + frameworks.PagePath
	hello := "Hello " + wantName(tg, carol)
	get := func(t *testing.T) {
		t.Helper()
		out, errOut, ok := cli(t, dir, carol.Password, "--session=s", page)
		if !ok || !strings.Contains(out, hello) {
			t.Fatalf("limpet --session=s %s: ok=%v, want %q:\n%.600s\n%s", page, ok, hello, out, errOut)
		}
	}
	post := func(t *testing.T, key string, form bool) {
		t.Helper()
		args := []string{"--session=s", "POST", tg.srv.URL + frameworks.CountPath + "?key=" + key, "note=x"}
		if form {
			args = append([]string{"--form"}, args...)
		}
		countsOnce(t, tg, key, func(t *testing.T) {
			out, errOut, ok := cli(t, dir, carol.Password, args...)
			if !ok || !strings.Contains(out, `"count"`) {
				t.Fatalf("limpet %s: ok=%v:\n%.600s\n%s", strings.Join(args, " "), ok, out, errOut)
			}
		})
	}

	t.Run("login", func(t *testing.T) {
		_, errOut, ok := cli(t, dir, "", "login", "--session=s", tg.url, "--auth", login, "--password-env", "LIMPET_TEST_PASSWORD")
		if ok {
			t.Fatalf("a login without the password's variable set succeeded:\n%s", errOut)
		}
		_, errOut, ok = cli(t, dir, carol.Password, "login", "--session=s", tg.url, "--auth", login, "--password-env", "LIMPET_TEST_PASSWORD")
		if !ok || !strings.Contains(errOut, "(web form login)") {
			t.Fatalf("limpet login: ok=%v, want a web form login:\n%s", ok, errOut)
		}
		// The password on the command line, as a new user types it.
		_, errOut, ok = cli(t, dir, "", "login", "--session=inline", tg.url, "--auth", login+":"+carol.Password)
		if !ok {
			t.Fatalf("limpet login --auth user:pass: %s", errOut)
		}
	})
	t.Run("reuse", func(t *testing.T) {
		before := tg.srv.Counters(t)
		get(t)
		if after := tg.srv.Counters(t); after.LoginPosts[login] != before.LoginPosts[login] || after.LoginsOK[login] != before.LoginsOK[login] {
			t.Fatalf("the second process logged in again: %+v -> %+v", before, after)
		}
	})
	t.Run("form-post", func(t *testing.T) { post(t, "cli-form", true) })
	t.Run("json-post", func(t *testing.T) { post(t, "cli-json", false) })
	t.Run("wrong-password", func(t *testing.T) {
		onePost(t, tg, tg.login(bob), func(t *testing.T) {
			_, errOut, ok := cli(t, dir, "", "login", "--session=bad", tg.url, "--auth", tg.login(bob)+":wrong password")
			if ok || !strings.Contains(errOut, "bad credentials") {
				t.Fatalf("limpet login with a wrong password: ok=%v, want a bad-credentials error:\n%s", ok, errOut)
			}
		})
		matches, _ := filepath.Glob(filepath.Join(dir, "*", "bad*"))
		more, _ := filepath.Glob(filepath.Join(dir, "bad*"))
		if len(matches)+len(more) > 0 {
			t.Errorf("a failed login saved %v", append(matches, more...))
		}
	})
	t.Run("expiry-get", func(t *testing.T) { oneLogin(t, tg, login, get) })
	t.Run("expiry-post", func(t *testing.T) {
		oneLogin(t, tg, login, func(t *testing.T) { post(t, "cli-expiry", true) })
	})
	if tg.sso != nil {
		t.Run("expiry-both", func(t *testing.T) {
			oneLogin(t, tg, login, func(t *testing.T) {
				tg.sso.EndProviderSessions(t)
				get(t)
			})
		})
	}
}
