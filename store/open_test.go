package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/store/redisstore"
)

func TestOpenFile(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for _, u := range []string{dir, "file:" + dir, "file://" + dir, "file://localhost" + dir} {
		st, err := store.Open(ctx, u)
		if err != nil {
			t.Fatalf("Open(%q): %v", u, err)
		}
		fs, ok := st.(*filestore.Store)
		if !ok || fs.Dir() != dir {
			t.Fatalf("Open(%q) = %T %v; want the file store of %s", u, st, st, dir)
		}
		b, err := store.Bind(st, "shop")
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := b.(*filestore.File); !ok || f.Path() != filepath.Join(dir, "sessions", "shop.json") {
			t.Fatalf("Bind = %T; want the *filestore.File of shop", b)
		}
	}
	rel, err := store.Open(ctx, "file:rel/dir")
	if err != nil {
		t.Fatal(err)
	}
	if abs, _ := filepath.Abs("rel/dir"); rel.(*filestore.Store).Dir() != abs {
		t.Errorf("file:rel/dir opened %s", rel.(*filestore.Store).Dir())
	}
}

func TestOpenRedis(t *testing.T) {
	st, err := store.Open(context.Background(), "redis://:pw@127.0.0.1:1/3?prefix=app:&ttl=1h")
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close(st)
	rs, ok := st.(*redisstore.Store)
	if !ok || rs.Prefix() != "app:" {
		t.Fatalf("Open = %T; want a *redisstore.Store with prefix app:", st)
	}
	b, err := store.Bind(st, "shop")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.(*redisstore.Session); !ok {
		t.Fatalf("Bind = %T; want a *redisstore.Session", b)
	}
	cs, err := store.Open(context.Background(), "redis://127.0.0.1:7000?cluster=1&addr=127.0.0.1:7001")
	if err != nil {
		t.Fatal(err)
	}
	store.Close(cs)
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct{ url, want string }{
		{"", "empty"},
		{"ftp://h/x", "unknown store URL scheme"},
		{"file://example.com/x", "no host"},
		{"file:/x?a=b", "no user or query"},
		{"redis://:topsecret@host:notaport/0", "invalid port"},
		{"redis://:topsecret@host/0?ttl=soon", "ttl"},
		{"redis://:topsecret@host/0?cluster=maybe", "cluster"},
		{"redis://:topsecret@host/0?bogus=1", "bogus"},
		{"redis://:topsecret@host/2?cluster=1", "database 0"},
		{"redis://:topsecret@host/0?prefix=", "prefix"},
	} {
		st, err := store.Open(ctx, tt.url)
		if err == nil {
			store.Close(st)
			t.Errorf("Open(%q) succeeded", tt.url)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "topsecret") {
			t.Errorf("Open(%q): %v; want it to say %q and never show the password", tt.url, err, tt.want)
		}
		if tt.want == "unknown store URL scheme" && !errors.Is(err, store.ErrUnknownScheme) {
			t.Errorf("Open(%q): %v does not wrap ErrUnknownScheme", tt.url, err)
		}
	}
}

func FuzzOpen(f *testing.F) {
	for _, s := range []string{"/tmp/x", "file:x", "redis://:p@h:1/0?ttl=1h", "rediss://u:p@h?cluster=1&addr=h:2", "x:y", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		st, err := store.Open(context.Background(), u)
		if err != nil {
			if strings.Contains(u, ":secretpw@") && strings.Contains(err.Error(), "secretpw") {
				t.Fatalf("error shows the password: %v", err)
			}
			return
		}
		store.Close(st)
	})
}
