package springserver_test

import (
	"strings"
	"testing"
)

// FuzzParseCSRF feeds arbitrary HTML to the token discovery the tests use: it must not panic, and a hidden _csrf
// input appended to any document is found unless the document leaves the tokenizer inside raw text.
func FuzzParseCSRF(f *testing.F) {
	f.Add(`<form class="login-form" method="post" action="/login"><input name="_csrf" type="hidden" value="abc" /></form>`)
	f.Add(`<meta name="_csrf" content="x"/><meta name="_csrf_header" content="X-CSRF-TOKEN"/>`)
	f.Add(`<INPUT TYPE=HIDDEN NAME=_csrf VALUE='q&amp;r'>`)
	f.Add(`<html><body><p>unclosed <b attr="`)
	f.Add("")
	f.Fuzz(func(t *testing.T, doc string) {
		if _, err := parseCSRF(strings.NewReader(doc)); err != nil {
			t.Fatalf("parseCSRF: %v", err)
		}
		lower := strings.ToLower(doc)
		for _, raw := range []string{"<script", "<style", "<textarea", "<title", "<xmp", "<iframe", "<noembed", "<noframes", "<noscript", "<plaintext", "<!--", "<"} {
			if strings.Contains(lower, raw) {
				return // the appended input may be swallowed as raw text, a comment or an unfinished tag
			}
		}
		page, err := parseCSRF(strings.NewReader(doc + `<input type="hidden" name="_csrf" value="tok">`))
		if err != nil || page.Hidden["_csrf"] != "tok" {
			t.Fatalf("appended hidden input not found in %q: %+v %v", doc, page, err)
		}
	})
}

func TestMaskRoundTrip(t *testing.T) {
	tests := []struct{ name, raw string }{
		{"uuid", "0f0e2cbd-3f4b-4a7e-9a55-4b1f4e2f9d11"},
		{"short", "x"},
		{"utf8", "tökén"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A mask is random: two maskings of a one-byte token are equal
			// one time in 256, sixteen all equal never in practice.
			masked := make([]string, 16)
			seen := map[string]bool{}
			for i := range masked {
				masked[i] = mask(tt.raw)
				seen[masked[i]] = true
			}
			if len(seen) == 1 {
				t.Fatalf("%d maskings of %q are all equal", len(masked), tt.raw)
			}
			for _, m := range masked {
				if got, err := unmask(m); err != nil || got != tt.raw {
					t.Fatalf("unmask(mask(%q)) = %q, %v", tt.raw, got, err)
				}
			}
		})
	}
	if _, err := unmask("!!!"); err == nil {
		t.Fatal("unmask accepted non-base64")
	}
}
