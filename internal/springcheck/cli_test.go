package springcheck_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"github.com/limpet-http/limpet/store"
)

// cliClient is the CLI column's client: the limpet command, one process per command, as a user runs it. Its
// knowledge of the server is the same as the library column's (base URL, login URL without a page, user,
// password); the password comes from an environment variable, so that a later process can log in again.
type cliClient struct {
	base, loginURL string
	user, password string
	path           string // the session file (--session=PATH)
	home           string // HOME and configuration directory of the processes
}

const passwordEnv = "SPRINGCHECK_PASSWORD"

func newCLIClient(base, loginURL, user, password, path, home string) *cliClient {
	return &cliClient{base: base, loginURL: loginURL, user: user, password: password, path: path, home: home}
}

// cliLoginArgs is what a user types to log in: the base URL, or the login URL of an application without a login
// page.
func cliLoginArgs(base, loginURL, user, session string) []string {
	target := base
	if loginURL != "" {
		target = base + loginURL
	}
	return []string{"login", "--session=" + session, target, "-a", user, "--password-env", passwordEnv, "--timeout", "60"}
}

type cliResult struct {
	stdout, stderr string
	code           int
}

func (c *cliClient) run(ctx context.Context, args ...string) (cliResult, error) {
	cmd := exec.CommandContext(ctx, limpetBin, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + c.home,
		"LIMPET_CONFIG_DIR=" + c.home + "/config",
		"XDG_CONFIG_HOME=" + c.home + "/xdg",
		passwordEnv + "=" + c.password,
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := cliResult{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		return r, fmt.Errorf("limpet %s: %w", strings.Join(args, " "), err)
	}
	return r, nil
}

// cliError is a failed command: its arguments, exit status and standard error.
type cliError struct {
	args []string
	r    cliResult
}

func (e *cliError) Error() string {
	return fmt.Sprintf("`limpet %s` exited %d: %s", strings.Join(e.args, " "), e.r.code, strings.TrimSpace(e.r.stderr))
}

func (c *cliClient) Login(ctx context.Context) error {
	args := cliLoginArgs(c.base, c.loginURL, c.user, c.path)
	r, err := c.run(ctx, args...)
	if err != nil {
		return err
	}
	if r.code != 0 {
		return &cliError{args: args, r: r}
	}
	return nil
}

func (c *cliClient) BadCredentials(err error) bool {
	var e *cliError
	return errors.As(err, &e) && strings.Contains(strings.ToLower(e.r.stderr), "bad credentials")
}

var statusLine = regexp.MustCompile(`(?m)^HTTP/[0-9.]+ ([0-9]{3})\b`)

func (c *cliClient) Send(ctx context.Context, method, path, kind string, fields map[string]string) (answer, error) {
	args := []string{"--session=" + c.path, "--all", "--print=hb", "--pretty=none", "--timeout=60", "-I"}
	if kind == "form" {
		args = append(args, "--form")
	}
	args = append(args, method, c.base+path)
	for k, v := range fields {
		args = append(args, k+"="+v)
	}
	r, err := c.run(ctx, args...)
	if err != nil {
		return answer{}, err
	}
	if r.code != 0 {
		return answer{}, &cliError{args: args, r: r}
	}
	// The output holds every response (--all): status line, headers, blank line, body. The last is the answer.
	m := statusLine.FindAllStringSubmatchIndex(r.stdout, -1)
	if len(m) == 0 {
		return answer{}, fmt.Errorf("`limpet %s`: no response in the output: %q", strings.Join(args, " "), r.stdout)
	}
	a := answer{}
	for _, s := range m {
		code, _ := strconv.Atoi(r.stdout[s[2]:s[3]])
		if code == 401 || code == 403 {
			a.refused++
		}
		a.status = code
	}
	last := r.stdout[m[len(m)-1][0]:]
	if _, body, ok := strings.Cut(last, "\n\n"); ok {
		a.body = strings.TrimSpace(body)
	} else if _, body, ok := strings.Cut(last, "\r\n\r\n"); ok {
		a.body = strings.TrimSpace(body)
	}
	return a, nil
}

// Second is the same session file: every command is a process of its own already.
func (c *cliClient) Second() (client, error) { return c, nil }

func (c *cliClient) Saved(context.Context) (store.Snapshot, bool, error) {
	data, err := os.ReadFile(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return store.Snapshot{}, false, nil
	}
	if err != nil {
		return store.Snapshot{}, false, err
	}
	snap, err := store.Parse(data)
	return snap, err == nil, err
}

func (c *cliClient) Close() error { return nil }
