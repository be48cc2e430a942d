package filestore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
)

func Example() {
	dir, _ := os.MkdirTemp("", "limpet-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	st, err := filestore.New(filestore.Options{Dir: dir}) // Dir "" means DefaultDir()
	if err != nil {
		fmt.Println(err)
		return
	}
	key, _ := filestore.Key("localhost:8080", "shop")

	now := time.Now()
	c := jar.Cookie{Name: "JSESSIONID", Value: "6F1C", Domain: "localhost", Path: "/", HostOnly: true,
		Created: now, Updated: now}
	if _, err := st.Save(ctx, key, store.Snapshot{Cookies: store.CookiesFromJar([]jar.Cookie{c})}); err != nil {
		fmt.Println(err)
		return
	}
	// Another process saves another cookie: Save merges, nothing is lost.
	other, _ := filestore.New(filestore.Options{Dir: dir})
	c2 := jar.Cookie{Name: "XSRF-TOKEN", Value: "4b1d", Domain: "localhost", Path: "/", HostOnly: true,
		Created: now, Updated: now}
	merged, err := other.Save(ctx, key, store.Snapshot{Cookies: store.CookiesFromJar([]jar.Cookie{c2})})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range merged.Cookies {
		fmt.Println(c.Name)
	}
	p, _ := st.Path(key)
	rel, _ := filepath.Rel(dir, p)
	fi, _ := os.Stat(p)
	fmt.Println(rel, fi.Mode())
	// Output:
	// JSESSIONID
	// XSRF-TOKEN
	// sessions/localhost_8080/shop.json -rw-------
}

// A corrupt file is reported and kept; Reset moves it aside.
func ExampleStore_Reset() {
	dir, _ := os.MkdirTemp("", "limpet-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, _ := filestore.New(filestore.Options{Dir: dir})
	p, _ := st.Path("shop")
	os.MkdirAll(filepath.Dir(p), 0o700)
	os.WriteFile(p, []byte(`{"format": "limpet-session", "version": 1, "cookies": [{"name": "a"}]}`), 0o600)

	_, err := st.Load(ctx, "shop")
	var fe *filestore.FileError
	fmt.Println(errors.As(err, &fe), errors.Is(err, store.ErrCorrupt), fe.Path == p)

	aside, err := st.Reset(ctx, "shop")
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = os.Stat(aside)
	fmt.Println("kept aside:", err == nil)
	_, err = st.Load(ctx, "shop")
	fmt.Println(errors.Is(err, store.ErrNotFound))
	// Output:
	// true true true
	// kept aside: true
	// true
}
