package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
)

// fuzzSecret is the secret the fuzz targets plant: no part of it may show.
const fuzzSecret = "Xk9Qz2Vb7Wm4"

// planted returns where the fuzz targets plant fuzzSecret in text, so
// that the fuzzer's text around it can try to hide it from the redactor.
var plantedText = []string{
	`Get "http://h/p?access_token=%s": dial tcp: connection refused`,
	`redirect to /cb?code=%s&state=x`,
	`{"refresh_token":"%s","n":1}`,
	`invalid Bearer %s`,
	`http://alice:%s@h/`,
	`eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.%s`,
	`body "{\"password\":\"%s\"}"`,
	`pin=%s`,
	`Location: /x#access_token=%s&expires_in=60`,
	`url=/x?token=%s`,
}

// FuzzText checks that free text never shows a planted secret, whatever
// text surrounds it.
func FuzzText(f *testing.F) {
	f.Add("limpet: error:", "(timed out; see --timeout)", uint8(0))
	f.Add(`{"a":[`, `]}`, uint8(2))
	f.Add("x", "y", uint8(6))
	f.Add("Bearer", "", uint8(3))
	f.Fuzz(func(t *testing.T, prefix, suffix string, form uint8) {
		tmpl := plantedText[int(form)%len(plantedText)]
		if strings.ContainsAny(tmpl, `"{`) {
			// Quotes and brackets around JSON change what it is.
			prefix = strings.NewReplacer(`"`, "", `\`, "").Replace(prefix)
			suffix = strings.NewReplacer(`"`, "", `\`, "").Replace(suffix)
		}
		if leak(prefix+suffix, fuzzSecret) != "" {
			return
		}
		in := prefix + " " + fmt.Sprintf(tmpl, fuzzSecret) + " " + suffix
		out := Text(in)
		if p := leak(out, fuzzSecret); p != "" {
			t.Fatalf("Text(%q) = %q shows %q", in, out, p)
		}
		if again := Text(out); again != out {
			t.Fatalf("Text is not idempotent: %q then %q", out, again)
		}
	})
}

// FuzzBodyJSON checks the JSON redactor on outside input: valid JSON stays
// valid, with every value below a sensitive name masked and the others
// kept; and a planted secret, cut anywhere, never shows.
func FuzzBodyJSON(f *testing.F) {
	f.Add([]byte(`{"access_token":"a","token_type":"Bearer","n":[1,{"secret":"s"}],"pin":1234}`))
	f.Add([]byte(`[{"a":"b"},"eyJ.x.y",null,true,-1.5e3]`))
	f.Add([]byte("{\"k\":\"v\"}\n{\"password\":\"p\"}"))
	f.Add([]byte(`{"a\"b":"c\\","d":{"e":[]}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		out := Body("application/json", doc)
		if again := Body("application/json", out); !bytes.Equal(again, out) {
			t.Fatalf("not idempotent: %q then %q", out, again)
		}
		if json.Valid(doc) {
			if !json.Valid(out) {
				t.Fatalf("valid JSON %q became invalid: %q", doc, out)
			}
			var in, got any
			d := json.NewDecoder(bytes.NewReader(doc))
			d.UseNumber()
			d.Decode(&in)
			d = json.NewDecoder(bytes.NewReader(out))
			d.UseNumber()
			d.Decode(&got)
			checkJSON(t, in, got, false)
		}
		// Plant a secret after the fuzzer's members, cut it anywhere.
		if leak(string(doc), fuzzSecret) != "" || bytes.ContainsAny(doc, `"\`) {
			return
		}
		planted := []byte(`{"x":` + string(doc) + `,"password":"` + fuzzSecret + `"}`)
		for n := 0; n <= len(planted); n++ {
			if p := leak(string(Body("application/json", planted[:n])), fuzzSecret); p != "" {
				t.Fatalf("cut at %d of %q shows %q", n, planted, p)
			}
		}
	})
}

// checkJSON compares a decoded document with its redacted form: below a
// sensitive name (masked is true), strings and numbers are the mask;
// elsewhere values are equal, but for strings shaped like credentials.
func checkJSON(t *testing.T, in, got any, masked bool) {
	t.Helper()
	switch v := in.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(v) {
			t.Fatalf("object %v became %v", v, got)
		}
		for k, x := range v {
			checkJSON(t, x, g[k], masked || IsSensitiveName(k))
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(v) {
			t.Fatalf("array %v became %v", v, got)
		}
		for i := range v {
			checkJSON(t, v[i], g[i], masked)
		}
	case string, json.Number:
		s := fmt.Sprint(v)
		_, isString := v.(string)
		switch {
		case masked || (isString && isCredential(s)):
			if got != Mask {
				t.Fatalf("%q shows as %v, want %q", s, got, Mask)
			}
		case got != in && !(s == Mask && got == Mask):
			t.Fatalf("%v became %v", in, got)
		}
	default:
		if got != in {
			t.Fatalf("%v became %v", in, got)
		}
	}
}

// FuzzURLString checks URLs from outside (Location headers, redirects):
// a URL that parses has every sensitive query parameter masked, and a
// password never shows.
func FuzzURLString(f *testing.F) {
	f.Add("http://alice:pw@h/p;jsessionid=abc?token=t&a=b#access_token=x")
	f.Add("/cb?code=abc&state=s")
	f.Add("http://h/?redirect_uri=http%3A%2F%2Fh%2F%3Ftoken%3Dx")
	f.Add("http://h/?a=1;token=x&%zz=1")
	f.Fuzz(func(t *testing.T, raw string) {
		out := URLString(raw)
		if again := URLString(out); again != out {
			t.Fatalf("not idempotent: %q then %q", out, again)
		}
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		o, err := url.Parse(out)
		if err != nil {
			t.Fatalf("URLString(%q) = %q does not parse: %v", raw, out, err)
		}
		if pw, ok := u.User.Password(); ok && pw != "" {
			if opw, _ := o.User.Password(); opw != Mask {
				t.Fatalf("URLString(%q) = %q shows the password", raw, out)
			}
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return
		}
		oq, _ := url.ParseQuery(o.RawQuery)
		for name, vs := range q {
			if !IsSensitiveName(name) {
				continue
			}
			for i, v := range vs {
				if v != "" && (i >= len(oq[name]) || oq[name][i] != Mask) {
					t.Fatalf("URLString(%q) = %q shows %s=%q", raw, out, name, v)
				}
			}
		}
	})
}

// FuzzHeaderValue checks header values from outside: credentials and
// sensitive headers show nothing but a scheme and the mask, and cookies
// nothing but names and masks.
func FuzzHeaderValue(f *testing.F) {
	f.Add("Authorization", "Basic YWxpY2U6c2VjcmV0")
	f.Add("X-Api-Key", "k")
	f.Add("Cookie", `a=b; c="d"; e`)
	f.Add("Set-Cookie", "a=b; Path=/")
	f.Add("X-Any", "Bearer x")
	f.Fuzz(func(t *testing.T, name, value string) {
		out := HeaderValue(name, value)
		if again := HeaderValue(name, out); again != out {
			t.Fatalf("not idempotent: %q then %q", out, again)
		}
		switch canonical := strings.ToLower(name); {
		case canonical == "cookie":
			for _, p := range strings.Split(out, "; ") {
				_, v, _ := strings.Cut(p, "=")
				if v != "" && v != `""` && !strings.HasPrefix(v, Mask) && p != Mask {
					t.Fatalf("Cookie %q shows %q", value, out)
				}
			}
		case IsSensitiveName(name) && canonical != "set-cookie" && canonical != "www-authenticate" && canonical != "proxy-authenticate":
			if value == "" {
				return
			}
			_, rest, _ := strings.Cut(out, " ")
			if out != Mask && rest != Mask {
				t.Fatalf("HeaderValue(%q, %q) = %q", name, value, out)
			}
		}
	})
}

// FuzzBodyMultipart checks multipart bodies from outside: a body that
// parses still parses, with its sensitive fields masked and the rest
// kept; a planted password, cut anywhere, never shows.
func FuzzBodyMultipart(f *testing.F) {
	f.Add("b", []byte("--b\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nhunter2hunter2hunter2\r\n--b--\r\n"))
	f.Add("x y", []byte("--x y\r\n\r\n\r\n--x y--"))
	f.Add("b", []byte(""))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		boundary = strings.ReplaceAll(boundary, `"`, "")
		ctype := `multipart/form-data; boundary="` + boundary + `"`
		out := Body(ctype, body)
		if before, err := multipartFieldsOf(boundary, body); err == nil {
			after, err := multipartFieldsOf(boundary, out)
			if err != nil || len(after) != len(before) {
				t.Fatalf("redacted body does not parse as the body did: %v\n%q\n%q", err, body, out)
			}
			for i, p := range before {
				want := p
				if !p.file && p.value != "" && (IsSensitiveName(p.name) || isCredential(p.value)) {
					want.value = Mask
				}
				// A part whose Content-Disposition the standard library
				// does not read (no name for it) may still be masked: the
				// redactor reads such a header loosely, to err on the
				// side of masking.
				overMasked := p.name == "" && after[i].value == Mask && after[i].name == p.name && after[i].file == p.file
				if after[i] != want && !overMasked {
					t.Fatalf("part %d = %+v, want %+v", i, after[i], want)
				}
			}
		}
		// Plant a password after the fuzzer's body, cut it anywhere.
		// (A boundary has at most 70 characters.)
		if boundary == "" || len(boundary) > 70 || strings.ContainsAny(boundary, "\r\n") || leak(string(body)+boundary, fuzzSecret) != "" {
			return
		}
		planted := append(append([]byte(nil), body...), "\r\n--"+boundary+"\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n"+fuzzSecret+"\r\n--"+boundary+"--\r\n"...)
		for n := len(body); n <= len(planted); n++ {
			if p := leak(string(Body(ctype, planted[:n])), fuzzSecret); p != "" {
				t.Fatalf("cut at %d of %q shows %q", n, planted, p)
			}
		}
	})
}

type mpField struct {
	name, value string
	file        bool
}

// multipartFieldsOf parses a whole multipart body with the standard
// library.
func multipartFieldsOf(boundary string, body []byte) ([]mpField, error) {
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	var out []mpField
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		out = append(out, mpField{p.FormName(), string(data), p.FileName() != ""})
	}
}

// FuzzBodyHTML checks pages from outside: a page without attribute values
// is kept; a hidden CSRF input after the fuzzer's text, cut anywhere,
// never shows its token.
func FuzzBodyHTML(f *testing.F) {
	f.Add(`<form><input type=password name=p value=secret><input name=_csrf value=tok></form>`)
	f.Add(`<meta name="_csrf" content="x"><p>text</p>`)
	f.Add(`<input name=a value=`)
	f.Fuzz(func(t *testing.T, page string) {
		out := Body("text/html", []byte(page))
		lower := strings.ToLower(page)
		if !strings.Contains(lower, "value") && !strings.Contains(lower, "content") && !strings.Contains(lower, "=") && string(out) != page {
			t.Errorf("a page without values changed: %q -> %q", page, out)
		}
		// Text without tags, then the input, then the fuzzer's page.
		text := strings.ReplaceAll(page, "<", "")
		if leak(text, fuzzSecret) != "" {
			return
		}
		planted := text + `<input type="hidden" name="_csrf" value="` + fuzzSecret + `">` + page
		for n := len(text); n <= len(planted)-len(page); n++ {
			if p := leak(string(Body("text/html", []byte(planted[:n]))), fuzzSecret); p != "" {
				t.Fatalf("cut at %d of %q shows %q", n, planted, p)
			}
		}
		if p := leak(string(Body("text/html", []byte(planted))), fuzzSecret); p != "" && leak(page, fuzzSecret) == "" {
			t.Fatalf("%q shows %q", planted, p)
		}
	})
}
