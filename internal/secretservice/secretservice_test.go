package secretservice_test

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/limpet-http/limpet/internal/browsertest"
	"github.com/limpet-http/limpet/internal/secretservice"
)

// store adds an item to the keyring with secret-tool, libsecret's client.
func store(t *testing.T, k *browsertest.Keyring, label, secret string, attrs ...string) {
	t.Helper()
	bin := browsertest.Need(t, "secret-tool")
	cmd := exec.Command(bin, append([]string{"store", "--label=" + label}, attrs...)...)
	cmd.Env = append(cmd.Environ(), k.Env...)
	cmd.Stdin = strings.NewReader(secret)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("secret-tool store: %v\n%s", err, out)
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	k := browsertest.StartKeyring(t, "login-password")
	store(t, k, "Chromium Safe Storage", "9Vc2jS+2EBuiYwxpJB9ySQ==", "application", "chromium")
	store(t, k, "Chrome Safe Storage", "chrome-secret", "application", "chrome")
	ctx := context.Background()

	got, err := secretservice.Lookup(ctx, k.Address, map[string]string{"application": "chromium"})
	if err != nil || string(got) != "9Vc2jS+2EBuiYwxpJB9ySQ==" {
		t.Fatalf("Lookup = %q, %v", got, err)
	}
	got, err = secretservice.Lookup(ctx, k.Address, map[string]string{"application": "chrome"})
	if err != nil || string(got) != "chrome-secret" {
		t.Fatalf("Lookup chrome = %q, %v", got, err)
	}
	if _, err := secretservice.Lookup(ctx, k.Address, map[string]string{"application": "brave"}); !errors.Is(err, secretservice.ErrNotFound) {
		t.Fatalf("missing item: %v, want ErrNotFound", err)
	}

	// Lock the login keyring: the item is still found, but locked.
	conn, err := dbus.Connect(k.Address)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	svc := conn.Object("org.freedesktop.secrets", "/org/freedesktop/secrets")
	if err := svc.Call("org.freedesktop.Secret.Service.Lock", 0, []dbus.ObjectPath{"/org/freedesktop/secrets/collection/login"}).Store(&locked, &prompt); err != nil || len(locked) != 1 {
		t.Fatalf("Lock: %v %v", locked, err)
	}
	if _, err := secretservice.Lookup(ctx, k.Address, map[string]string{"application": "chromium"}); !errors.Is(err, secretservice.ErrLocked) {
		t.Fatalf("locked keyring: %v, want ErrLocked", err)
	}
}

func TestLookupNoService(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A bus on which nothing serves secrets (and nothing is activated).
	addr := browsertest.StartBus(t)
	if _, err := secretservice.Lookup(ctx, addr, map[string]string{"application": "chromium"}); !errors.Is(err, secretservice.ErrNoService) {
		t.Fatalf("bus without a keyring: %v, want ErrNoService", err)
	}
	// No bus at all.
	missing := "unix:path=" + filepath.Join(t.TempDir(), "bus")
	if _, err := secretservice.Lookup(ctx, missing, map[string]string{"application": "chromium"}); !errors.Is(err, secretservice.ErrNoService) {
		t.Fatalf("no bus: %v, want ErrNoService", err)
	}
}

func TestSessionBusAddress(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/x")
	if a, err := secretservice.SessionBusAddress(); a != "unix:path=/run/x" || err != nil {
		t.Errorf("from the environment: %q, %v", a, err)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir()) // no bus socket in it
	if _, err := secretservice.SessionBusAddress(); !errors.Is(err, secretservice.ErrNoService) {
		t.Errorf("without a bus: %v, want ErrNoService", err)
	}
}
