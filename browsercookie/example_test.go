package browsercookie_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/browsercookie"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
)

// Carry on, in a limpet Session, with the login made in Firefox's default
// profile.
func ExampleRead() {
	ctx := context.Background()
	res, err := browsercookie.Read(ctx, browsercookie.Options{
		Browser: browsercookie.Firefox,
		Domains: []string{"app.example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	if s := res.Skipped.String(); s != "" {
		log.Printf("skipped: %s", s)
	}
	j := jar.New(jar.Options{})
	for _, c := range res.JarCookies() {
		if err := j.Put(c); err != nil {
			log.Fatal(err)
		}
	}
	s, err := limpet.New(limpet.Options{Jar: j})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	resp, err := s.Get(ctx, "https://app.example.com/api/me")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Close()
}

// Save a Chromium profile's cookies in a session file that limpet's
// command line and other processes share.
func ExampleRead_session() {
	ctx := context.Background()
	res, err := browsercookie.Read(ctx, browsercookie.Options{
		Browser: browsercookie.Chromium,
		Profile: "Profile 1",
		Domains: []string{"example.com"},
	})
	var pnf *browsercookie.ProfileNotFoundError
	switch {
	case errors.As(err, &pnf):
		log.Fatalf("%v (pick one with Options.Profile)", err) // lists the profiles found
	case errors.Is(err, browsercookie.ErrKeyring):
		log.Fatal(err) // says how to unlock the keyring
	case err != nil:
		log.Fatal(err)
	}
	f := filestore.Open("app.json", filestore.Options{})
	if _, err := f.Save(ctx, store.Snapshot{Cookies: store.CookiesFromJar(res.JarCookies())}); err != nil {
		log.Fatal(err)
	}
}

// List the browser profiles of the current user.
func ExampleFindProfiles() {
	for _, b := range browsercookie.Browsers {
		for _, p := range browsercookie.FindProfiles(b, browsercookie.DefaultDirs()) {
			fmt.Println(b, p)
		}
	}
}
