package login

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store"
)

func TestBasicChallenge(t *testing.T) {
	for _, c := range []struct {
		values []string
		realm  string
		ok     bool
	}{
		{[]string{`Basic realm="api"`}, "api", true},
		{[]string{`basic realm="Realm", charset="UTF-8"`}, "Realm", true},
		{[]string{`Bearer`, `Basic realm="x"`}, "x", true},
		{[]string{`Basic`}, "", true},
		{[]string{`Bearer realm="api"`}, "", false},
		{[]string{`Digest realm="a", nonce="n"`}, "", false},
		{[]string{`FormBased`}, "", false},
		{nil, "", false},
	} {
		realm, ok := basicChallenge(c.values)
		if realm != c.realm || ok != c.ok {
			t.Errorf("basicChallenge(%q) = %q, %v; want %q, %v", c.values, realm, ok, c.realm, c.ok)
		}
	}
}

func FuzzBasicChallenge(f *testing.F) {
	f.Add(`Basic realm="api"`)
	f.Add(`Basic realm="`)
	f.Add(`Digest realm="a", nonce="n"`)
	f.Fuzz(func(t *testing.T, v string) {
		realm, ok := basicChallenge([]string{v})
		if !ok && realm != "" {
			t.Fatalf("a realm %q without a challenge", realm)
		}
		if strings.Contains(realm, `"`) {
			t.Fatalf("realm %q holds a quote", realm)
		}
	})
}

func TestBasicPathsKey(t *testing.T) {
	b := AnswerBasic(nil, nil, "http://h:8080").(*basicPaths)
	for in, want := range map[string]string{
		"http://h:8080/api/me":        "http://h:8080/api/",
		"http://h:8080/api":           "http://h:8080/api/",
		"http://H:8080/api/v1/x?q=1":  "http://h:8080/api/",
		"http://h:8080/":              "",
		"http://h:9090/api/me":        "", // another origin
		"https://h:8080/api/me":       "",
		"http://h.evil:8080/api/me":   "",
		"http://user@h:8080/admin/x/": "http://h:8080/admin/",
	} {
		u, err := url.Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.key(u); got != want {
			t.Errorf("key(%s) = %q, want %q", in, got, want)
		}
	}
	b.root = "/app/"
	for in, want := range map[string]string{
		"http://h:8080/app/api/me": "http://h:8080/app/api/",
		"http://h:8080/app/":       "",
		"http://h:8080/other/x":    "",
	} {
		u, _ := url.Parse(in)
		if got := b.key(u); got != want {
			t.Errorf("under /app/: key(%s) = %q, want %q", in, got, want)
		}
	}
}

// The saved prefixes come back in another process; a damaged entry loses nothing else and adds nothing.
func FuzzBasicPathsLoadState(f *testing.F) {
	f.Add([]byte(`{"prefixes":["http://h/api/"]}`))
	f.Add([]byte(`{"prefixes":["api/","http://h/x"]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s store.Snapshot
		if err := s.SetState(BasicStateOwner, basicStateVersion, time.Unix(10, 0), rawJSON(data)); err != nil {
			t.Skip()
		}
		b := AnswerBasic(limpet.Chain(nil), nil, "http://h").(*basicPaths)
		b.LoadState(s)
		for p := range b.wanted {
			u, err := url.Parse(p)
			if err != nil || u.Host == "" || !strings.HasSuffix(p, "/") {
				t.Fatalf("loaded prefix %q", p)
			}
		}
		var out store.Snapshot
		b.SaveState(&out)
	})
}

// rawJSON is JSON data given as it is.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }
