package httpiesession_test

import (
	"errors"
	"testing"
	"time"

	"github.com/limpet-http/limpet/format/httpiesession"
)

// FuzzParse checks that Parse never panics and errors are *ParseError
// values, that what it accepts marshals to a file that parses back to the
// same bytes, and that importing and exporting it never panic.
func FuzzParse(f *testing.F) {
	for _, s := range []string{httpie321, legacy, future,
		`{"cookies": [{"name": "a", "domain": null, "expires": 1.5e9}], "auth": {"type": "bearer", "raw_auth": null}}`,
		`{"headers": [{"name": "X", "value": "\u0000\ud83d\ude00"}], "x": [1e400]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := httpiesession.Parse(data)
		if err != nil {
			var pe *httpiesession.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		out, err := file.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed file: %v", err)
		}
		again, err := httpiesession.Parse(out)
		if err != nil {
			t.Fatalf("Parse of Marshal's output: %v\n%s", err, out)
		}
		out2, err := again.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if string(out) != string(out2) {
			t.Fatalf("not stable:\n%s\n%s", out, out2)
		}
		s, err := file.Snapshot(httpiesession.ImportOptions{Host: "localhost", Now: time.Unix(1e9, 0)})
		if err != nil {
			return
		}
		if _, err := httpiesession.Export(s, httpiesession.ExportOptions{Credentials: true, Now: time.Unix(1e9, 0)}); err != nil {
			t.Fatalf("Export of an imported session: %v", err)
		}
	})
}
