package cookiestxt_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/format/cookiestxt"
	"github.com/limpet-http/limpet/jar"
)

// FuzzRead checks that Read never panics, that its errors name a line, and
// that whatever it reads, Write writes and Read reads back the same.
func FuzzRead(f *testing.F) {
	f.Add([]byte(cookiestxt.Header + "#HttpOnly_localhost\tFALSE\t/\tTRUE\t1796834990\tremember-me\tdXNlcjox\n"))
	f.Add([]byte(".example.com\tTRUE\t/\tFALSE\t\ta\t1\r\nexample.com\tFALSE\tTRUE\t0\tb\t2\n"))
	f.Add([]byte("example.com\tFALSE\t/p\tFALSE\t0\ta\n$x\n#c\n\n"))
	f.Add([]byte("example.com\tFALSE\t/\tTRUE\t-1\t__Host-a\t\t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := cookiestxt.Parse(data, cookiestxt.Options{})
		if err != nil {
			var le *cookiestxt.LineError
			if !errors.As(err, &le) || le.Line < 1 {
				t.Fatalf("error %v is not a *LineError", err)
			}
			lenient, lerr := cookiestxt.Parse(data, cookiestxt.Options{Lenient: true})
			if lerr == nil {
				t.Fatalf("lenient Parse found no problem where strict found %v", err)
			}
			got = lenient
		}
		// Write may refuse a cookie only because its line grew too long
		// (a leading dot, "0" for an empty expiry, a legacy line's path).
		var b bytes.Buffer
		werr := cookiestxt.WriteOptions(&b, got, cookiestxt.Options{Lenient: true})
		skipped := map[int]bool{}
		if werr != nil {
			for _, e := range werr.(interface{ Unwrap() []error }).Unwrap() {
				var ce *cookiestxt.CookieError
				if !errors.As(e, &ce) || !strings.Contains(ce.Error(), "the line would be") {
					t.Fatalf("Write refused a cookie Read accepted: %v", e)
				}
				skipped[ce.Index] = true
			}
		}
		back, err := cookiestxt.Parse(b.Bytes(), cookiestxt.Options{})
		if err != nil {
			t.Fatalf("Read of written file: %v\n%q", err, b.String())
		}
		var want []jar.Cookie
		for i, c := range got {
			if !skipped[i] {
				want = append(want, c)
			}
		}
		if len(back) != len(want) {
			t.Fatalf("%d cookies back, want %d", len(back), len(want))
		}
		for i := range want {
			if back[i] != want[i] {
				t.Fatalf("cookie %d: %+v, want %+v", i, back[i], want[i])
			}
		}
	})
}
