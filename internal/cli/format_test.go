package cli

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"encoding/xml"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestParseFormatOptions(t *testing.T) {
	f, err := parseFormatOptions([]string{"headers.sort:true,json.sort_keys:true", "json.indent:2, xml.format:false", "headers.sort:false,json.sort_keys:false"})
	if err != nil {
		t.Fatal(err)
	}
	want := formatOptions{headersSort: false, jsonFormat: true, jsonIndent: 2, jsonSortKeys: false, xmlFormat: false, xmlIndent: 2}
	if f != want {
		t.Errorf("got %+v, want %+v", f, want)
	}
	for _, bad := range []string{"json.indent", "json.indent:-1", "json.indent:17", "json.sort_keys:maybe", "nope:1"} {
		if _, err := parseFormatOptions([]string{bad}); err == nil || !strings.HasPrefix(err.Error(), "--format-options") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if got := defaultFormatOptions().String(); got != "headers.sort:true,json.format:true,json.indent:4,json.sort_keys:false,xml.format:true,xml.indent:2" {
		t.Errorf("defaults: %s", got)
	}
}

func TestParseCiphers(t *testing.T) {
	tests := []struct {
		spec string
		want []uint16
	}{
		{"ECDHE-RSA-AES128-GCM-SHA256", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{"ECDHE+AESGCM+aRSA:!AES256", []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
		{"ECDHE+CHACHA20", []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}},
		{"kRSA+AESGCM:-AES256:ECDHE-RSA-CHACHA20-POLY1305", []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}},
		{"!3DES:ALL:!CBC", nil}, // CBC is not a word: an error
	}
	for _, tt := range tests {
		got, err := parseCiphers(tt.spec)
		if tt.want == nil {
			if err == nil {
				t.Errorf("%q: no error", tt.spec)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q = %v, %v; want %v", tt.spec, got, err, tt.want)
		}
	}
	all, err := parseCiphers("ALL:!3DES:!aNULL")
	if err != nil || len(all) != len(suites)-2 {
		t.Errorf("ALL:!3DES = %d suites, %v", len(all), err)
	}
	if _, err := parseCiphers("!ALL"); err == nil || !strings.Contains(err.Error(), "leaves no cipher suite") {
		t.Errorf("!ALL: %v", err)
	}
}

// FuzzFormatJSON: formatting a body from a server, keys sorted or not,
// never loses or changes a value.
func FuzzFormatJSON(f *testing.F) {
	for _, s := range []string{`{"b": 1, "a": [1.50, "x<y"], "c": {"z": null, "y": true}}`, `[1e400]`, `"\u00e9"`, `{"a":1,"a":2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, sorted := range []bool{false, true} {
			fo := defaultFormatOptions()
			fo.jsonSortKeys = sorted
			out, ok := fo.formatJSON([]byte(body))
			if !ok {
				if json.Valid([]byte(body)) && !sorted {
					t.Fatalf("valid JSON %q not formatted", body)
				}
				continue
			}
			var a, b any
			if err := decodeNumbers([]byte(body), &a); err != nil {
				t.Fatalf("formatted invalid JSON %q", body)
			}
			if err := decodeNumbers(out, &b); err != nil {
				t.Fatalf("%q formatted into invalid JSON %q", body, out)
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%q formatted into %q: the values differ", body, out)
			}
		}
	})
}

// FuzzFormatXML: formatting XML from a server never panics, and keeps
// every element, attribute and piece of text.
func FuzzFormatXML(f *testing.F) {
	for _, s := range []string{`<?xml version="1.0"?><a x="1"><b>t &amp; u</b><c/><!--k--></a>`, `<a><b></a>`, `<n:a xmlns:n="u">x<b/>y</n:a>`, `<!DOCTYPE a><a/>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		out, ok := defaultFormatOptions().formatXML([]byte(body))
		if !ok {
			return
		}
		if got, want := xmlContent(t, out), xmlContent(t, []byte(body)); got != want {
			t.Fatalf("%q formatted into %q:\n%s\nwant\n%s", body, out, got, want)
		}
	})
}

// xmlContent lists the elements, attributes and trimmed text of a
// document.
func xmlContent(t *testing.T, b []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(b))
	var sb strings.Builder
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			return sb.String()
		}
		if err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			sb.WriteString("<" + qname(tok.Name))
			for _, a := range tok.Attr {
				sb.WriteString(" " + qname(a.Name) + "=" + a.Value)
			}
		case xml.EndElement:
			sb.WriteString(">")
		case xml.CharData:
			if s := strings.TrimSpace(string(tok)); s != "" {
				sb.WriteString("[" + s + "]")
			}
		case xml.Comment:
			sb.WriteString("<!--" + string(tok))
		}
	}
}

// decodeNumbers decodes JSON, numbers as written.
func decodeNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
