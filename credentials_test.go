package limpet_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
)

// An empty password never leaves: every source reports it, naming where it
// came from.
func TestCredentialsRefuseAnEmptyPassword(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	full := filepath.Join(dir, "full")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte("s3cret\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LIMPET_TEST_PW", "")
	t.Setenv("LIMPET_TEST_PW2", "hunter2")
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		c     limpet.Credentials
		where string // in the error; "" for none
		pw    string
	}{
		{"static", limpet.StaticCredentials("alice", ""), "the password given is empty", ""},
		{"env unset", limpet.EnvCredentials("alice", "LIMPET_TEST_PW"), "LIMPET_TEST_PW", ""},
		{"env set", limpet.EnvCredentials("alice", "LIMPET_TEST_PW2"), "", "hunter2"},
		{"empty file", limpet.FileCredentials("alice", empty), empty, ""},
		{"missing file", limpet.FileCredentials("alice", filepath.Join(dir, "nope")), "nope", ""},
		{"file", limpet.FileCredentials("alice", full), "", "s3cret"},
		{"custom", limpet.Credentials(func(context.Context) (string, string, error) { return "bob", "", nil }), `"bob"`, ""},
		{"nil", nil, "no credentials", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			user, pw, err := tt.c.Get(ctx)
			if tt.where == "" {
				if err != nil || pw != tt.pw || user != "alice" {
					t.Fatalf("Get = %q, %q, %v", user, pw, err)
				}
				return
			}
			if err == nil || pw != "" || !strings.Contains(err.Error(), tt.where) {
				t.Fatalf("Get = %q, %v: want an error naming %q", pw, err, tt.where)
			}
			if tt.name != "missing file" && !errors.Is(err, limpet.ErrNoPassword) {
				t.Fatalf("%v does not wrap ErrNoPassword", err)
			}
		})
	}
}
