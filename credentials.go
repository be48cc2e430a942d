package limpet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Credentials returns a user name and password when an Authenticator needs
// them, that is when it logs in: not when it is made, so that a password
// can come from a file that changes, a secret store, or a prompt that is
// only shown when the server asks. Authenticators call Get, which refuses
// an empty password: none is ever sent to a server.
//
// A Credentials function may be called from any goroutine, but a Session
// calls it from one login at a time.
type Credentials func(ctx context.Context) (user, password string, err error)

// ErrNoPassword is wrapped by the error Get returns for an empty password.
var ErrNoPassword = errors.New("limpet: empty password")

// Get calls c and checks what it returns: an error naming where the
// credentials came from when the password is empty, or c is nil.
func (c Credentials) Get(ctx context.Context) (user, password string, err error) {
	if c == nil {
		return "", "", fmt.Errorf("limpet: no credentials: %w", ErrNoPassword)
	}
	user, password, err = c(ctx)
	if err != nil {
		return "", "", err
	}
	if password == "" {
		return "", "", fmt.Errorf("limpet: credentials for %q: %w", user, ErrNoPassword)
	}
	return user, password, nil
}

// StaticCredentials returns Credentials that always give user and
// password. An empty password is reported when they are used.
func StaticCredentials(user, password string) Credentials {
	return func(context.Context) (string, string, error) {
		if password == "" {
			return "", "", fmt.Errorf("limpet: credentials for %q: the password given is empty: %w", user, ErrNoPassword)
		}
		return user, password, nil
	}
}

// EnvCredentials returns Credentials that read the password from the
// environment variable passwordVar each time they are used, for user. An
// unset or empty variable is an error naming it.
func EnvCredentials(user, passwordVar string) Credentials {
	return func(context.Context) (string, string, error) {
		p := os.Getenv(passwordVar)
		if p == "" {
			return "", "", fmt.Errorf("limpet: credentials for %q: environment variable %s is unset or empty: %w", user, passwordVar, ErrNoPassword)
		}
		return user, p, nil
	}
}

// FileCredentials returns Credentials that read the password from the file
// at path each time they are used (its first line; a trailing newline is
// not part of it), as secrets mounted into containers are kept. A missing,
// unreadable or empty file is an error naming it.
func FileCredentials(user, path string) Credentials {
	return func(context.Context) (string, string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", "", fmt.Errorf("limpet: credentials for %q: reading the password file: %w", user, err)
		}
		line, _, _ := bytes.Cut(b, []byte("\n"))
		p := strings.TrimSuffix(string(line), "\r")
		if p == "" {
			return "", "", fmt.Errorf("limpet: credentials for %q: password file %s is empty: %w", user, path, ErrNoPassword)
		}
		return user, p, nil
	}
}
