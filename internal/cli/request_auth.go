package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli/items"
)

// applyAuth handles -a/-A: Basic, Digest or a bearer token, prompting for
// a missing password on a terminal.
func (o *RequestOptions) applyAuth(lo *limpet.Options, ireq *items.Request, sess *cliSession) error {
	if o.Auth == "" {
		return nil
	}
	kind := strings.ToLower(o.AuthType)
	if kind == "bearer" {
		lo.Auth = limpet.BearerAuth(o.Auth)
		if sess != nil {
			sess.recordAuth("bearer", "", o.Now())
		}
		return nil
	}
	user, pass, hasPass := strings.Cut(o.Auth, ":")
	if !hasPass {
		p, err := promptPassword(o.IO, fmt.Sprintf("password for %s@%s: ", user, ireq.URL.Host))
		if err != nil {
			return err
		}
		pass = p
	}
	switch kind {
	case "basic":
		lo.Auth = limpet.BasicAuth(user, pass)
	case "digest":
		lo.Auth = limpet.DigestAuth(user, pass)
	default:
		return fmt.Errorf("--auth-type %q: want basic, digest or bearer", o.AuthType)
	}
	if sess != nil {
		sess.recordAuth(kind, user, o.Now())
	}
	return nil
}

// promptPassword reads a password without echo from the terminal.
func promptPassword(io *IOStreams, prompt string) (string, error) {
	if !io.IsStdinTTY() || io.readPassword == nil {
		return "", errors.New("a password is needed and standard input is not a terminal (give USER:PASS, or use limpet login with --password-env or --password-file)")
	}
	fmt.Fprint(io.ErrOut, prompt)
	b, err := io.readPassword()
	fmt.Fprintln(io.ErrOut)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return string(b), nil
}
