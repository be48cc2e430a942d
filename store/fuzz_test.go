package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/limpet-http/limpet/store"
)

// FuzzParse checks that Parse never panics, that every error wraps
// ErrCorrupt, and that whatever it accepts marshals to a document it reads
// back to the same bytes.
func FuzzParse(f *testing.F) {
	full, err := store.Marshal(fullSnapshot())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	f.Add([]byte(`{"format": "limpet-session", "version": 1}`))
	f.Add([]byte(`{"format": "limpet-session", "version": 1, "cookies": [{"name": "a", "domain": "d", "path": "/", "x": [1, {"y": "}"}]}], "z": null}`))
	f.Add([]byte(`{"format": "limpet-session", "version": 1, "cookies": [{"name": "a\u0000\"", "domain": "d", "path": "/", "value_b64": "gA=="}]}`))
	f.Add([]byte(`{"format": "limpet-session", "version": 1, "tombstones": [{"domain": "d", "path": "/", "name": "a", "deleted": "2026-01-01T00:00:00+02:00"}]}`))
	f.Add([]byte(`{"__meta__": {}}`))
	f.Add([]byte("{\"format\": \"limpet-session\", \"version\": 1, \"\xff\": null, \"cookies\": [{\"name\": \"a\", \"domain\": \"d\", \"path\": \"/\", \"\xfe\": 1}]}"))
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := store.Parse(data)
		if err != nil {
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		b1, err := store.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal of parsed snapshot: %v", err)
		}
		s2, err := store.Parse(b1)
		if err != nil {
			t.Fatalf("Parse of marshalled snapshot: %v\n%s", err, b1)
		}
		b2, err := store.Marshal(s2)
		if err != nil {
			t.Fatal(err)
		}
		if string(b1) != string(b2) {
			t.Fatalf("not stable:\n%s\n%s", b1, b2)
		}
	})
}
