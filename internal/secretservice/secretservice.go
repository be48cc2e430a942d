// Package secretservice reads one secret from the desktop keyring through
// the freedesktop.org Secret Service API on the D-Bus session bus (served by
// gnome-keyring-daemon, KeePassXC, KWallet 5.97+ and others).
//
// It does only what reading a browser's "Safe Storage" password needs: open
// a plain-transfer session, search the items by attribute, and read the
// secret of an unlocked one. It never unlocks a keyring (that would pop up a
// prompt, or hang in a terminal with no desktop); a locked keyring is
// reported as ErrLocked so that the caller can tell the user how to unlock
// it.
//
// The secret travels unencrypted over the session bus ("plain" algorithm),
// as with libsecret's default: the bus is private to the user's session.
package secretservice

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/godbus/dbus/v5"
)

// Errors returned, wrapped, by Lookup. Test with errors.Is.
var (
	// ErrNoService: there is no session bus, or no Secret Service on it.
	ErrNoService = errors.New("secretservice: no Secret Service")
	// ErrLocked: matching items exist but all are in locked collections.
	ErrLocked = errors.New("secretservice: keyring is locked")
	// ErrNotFound: no item has the attributes.
	ErrNotFound = errors.New("secretservice: no such item")
)

const (
	busName     = "org.freedesktop.secrets"
	servicePath = dbus.ObjectPath("/org/freedesktop/secrets")
	serviceIfc  = "org.freedesktop.Secret.Service"
)

// SessionBusAddress returns the address of the user's D-Bus session bus:
// $DBUS_SESSION_BUS_ADDRESS, else the socket $XDG_RUNTIME_DIR/bus that
// systemd user sessions create. It never starts a bus.
func SessionBusAddress() (string, error) {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return a, nil
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		p := filepath.Join(d, "bus")
		if fi, err := os.Stat(p); err == nil && fi.Mode().Type() == os.ModeSocket {
			return "unix:path=" + p, nil
		}
	}
	return "", fmt.Errorf("%w: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)", ErrNoService)
}

// Lookup returns the secret of the first unlocked item, among those whose
// attributes include attrs, of the Secret Service on the bus at address
// ("" for the session bus: see SessionBusAddress). Cancelling ctx abandons
// the D-Bus calls.
//
// It returns an error wrapping ErrNoService when the bus cannot be reached
// or has no Secret Service, ErrLocked when every matching item is locked,
// and ErrNotFound when none matches. Lookup is safe for concurrent use: each
// call has its own connection.
func Lookup(ctx context.Context, address string, attrs map[string]string) ([]byte, error) {
	if address == "" {
		a, err := SessionBusAddress()
		if err != nil {
			return nil, err
		}
		address = a
	}
	conn, err := dbus.Connect(address, dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("%w: session bus %s: %w", ErrNoService, address, err)
	}
	defer conn.Close()

	svc := conn.Object(busName, servicePath)
	var alg dbus.Variant
	var session dbus.ObjectPath
	err = svc.CallWithContext(ctx, serviceIfc+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&alg, &session)
	if err != nil {
		var de dbus.Error
		if errors.As(err, &de) && (de.Name == "org.freedesktop.DBus.Error.ServiceUnknown" || de.Name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
			return nil, fmt.Errorf("%w on the session bus (no keyring daemon such as gnome-keyring-daemon is running)", ErrNoService)
		}
		return nil, fmt.Errorf("%w: OpenSession: %w", ErrNoService, err)
	}
	defer conn.Object(busName, session).CallWithContext(context.WithoutCancel(ctx), "org.freedesktop.Secret.Session.Close", 0)

	var unlocked, locked []dbus.ObjectPath
	if err := svc.CallWithContext(ctx, serviceIfc+".SearchItems", 0, attrs).Store(&unlocked, &locked); err != nil {
		return nil, fmt.Errorf("secretservice: SearchItems: %w", err)
	}
	if len(unlocked) == 0 {
		if len(locked) > 0 {
			return nil, fmt.Errorf("%w (%d matching item(s) in a locked collection)", ErrLocked, len(locked))
		}
		return nil, fmt.Errorf("%w with attributes %s", ErrNotFound, describe(attrs))
	}
	// Secret is the (oayays) struct of the Secret Service API.
	var secret struct {
		Session     dbus.ObjectPath
		Parameters  []byte
		Value       []byte
		ContentType string
	}
	item := conn.Object(busName, unlocked[0])
	if err := item.CallWithContext(ctx, "org.freedesktop.Secret.Item.GetSecret", 0, session).Store(&secret); err != nil {
		return nil, fmt.Errorf("secretservice: GetSecret %s: %w", unlocked[0], err)
	}
	return secret.Value, nil
}

func describe(attrs map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		parts = append(parts, fmt.Sprintf("%s=%q", k, attrs[k]))
	}
	return strings.Join(parts, ", ")
}
