package redact

import (
	"bytes"
	"io"
	"mime/multipart"
	"strings"
	"testing"
)

// multipartOf encodes fields (name, value) and one file part with boundary.
func multipartOf(t testing.TB, boundary string, fields [][2]string, fileField, fileContent string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if fileField != "" {
		fw, err := w.CreateFormFile(fileField, "f.txt")
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(fw, fileContent)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartFields decodes a multipart body into its fields, in order.
func multipartFields(t testing.TB, boundary string, body []byte) [][2]string {
	t.Helper()
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	var out [][2]string
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("redacted body does not parse: %v", err)
		}
		data, _ := io.ReadAll(p)
		out = append(out, [2]string{p.FormName(), string(data)})
	}
}

func TestBodyMultipart(t *testing.T) {
	const boundary = "b0undary"
	ctype := "multipart/form-data; boundary=" + boundary
	tests := []struct {
		name      string
		fields    [][2]string
		fileField string
		want      [][2]string
		unchanged bool
	}{
		{
			name:   "password and token masked, others kept",
			fields: [][2]string{{"username", "alice"}, {"password", "correct horse battery staple"}, {"_csrf", "short"}},
			want:   [][2]string{{"username", "alice"}, {"password", Mask}, {"_csrf", Mask}},
		},
		{
			name:      "file named like a secret is a file, kept",
			fields:    [][2]string{{"note", "hello"}},
			fileField: "private_key",
			want:      [][2]string{{"note", "hello"}, {"private_key", "file content"}},
			unchanged: true,
		},
		{
			name:      "nothing sensitive: same bytes",
			fields:    [][2]string{{"a", "1"}, {"b", "2"}},
			want:      [][2]string{{"a", "1"}, {"b", "2"}},
			unchanged: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := multipartOf(t, boundary, tc.fields, tc.fileField, "file content")
			got := Body(ctype, body)
			if tc.unchanged && !bytes.Equal(got, body) {
				t.Fatalf("body changed:\n%s", got)
			}
			fields := multipartFields(t, boundary, got)
			if len(fields) != len(tc.want) {
				t.Fatalf("fields = %q, want %q", fields, tc.want)
			}
			for i := range fields {
				if fields[i] != tc.want[i] {
					t.Errorf("field %d = %q, want %q", i, fields[i], tc.want[i])
				}
			}
		})
	}
}

// A multipart body that does not parse (no boundary parameter, a bad
// media type, cut short) still has its secret fields masked, and keeps the
// rest of its bytes.
func TestBodyMultipartBadInput(t *testing.T) {
	const head = "--x\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\n"
	body := []byte(head + "s3cr3t-Pw-4812")
	tests := []struct {
		name  string
		ctype string
	}{
		{"no boundary parameter", "multipart/form-data"},
		{"malformed media type", "multipart/form-data; boundary"},
		{"truncated body", "multipart/form-data; boundary=x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := string(Body(tc.ctype, body)), head+Mask; got != want {
				t.Errorf("Body(%q) = %q, want %q", tc.ctype, got, want)
			}
		})
	}
	other := []byte("--x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello")
	if got := Body("multipart/form-data", other); !bytes.Equal(got, other) {
		t.Errorf("a body without secrets changed: %q", got)
	}
}

func TestBodyHTML(t *testing.T) {
	page := `<html><head><meta name="_csrf" content="meta-token-0123456789abcdef"/><meta name="_csrf_header" content="X-CSRF-TOKEN"/>
<title>Please sign in</title></head><body><form method="post" action="/login">
<input type="text" name="username" value="alice">
<input type="password" name="password" value="prefilled-secret-value">
<input name="_csrf" type="hidden" value="Qm9-hidden-token-0123456789abcdef" />
<input type="hidden" name="csrfmiddlewaretoken" value="django-token-0123456789abcdef">
</form></body></html>`
	got := string(Body("text/html;charset=UTF-8", []byte(page)))
	for _, secret := range []string{"meta-token-0123456789abcdef", "prefilled-secret-value", "Qm9-hidden-token-0123456789abcdef", "django-token-0123456789abcdef"} {
		if strings.Contains(got, secret) {
			t.Errorf("HTML body still holds %q:\n%s", secret, got)
		}
	}
	for _, kept := range []string{`value="alice"`, "<title>Please sign in</title>", `action="/login"`} {
		if !strings.Contains(got, kept) {
			t.Errorf("HTML body lost %q:\n%s", kept, got)
		}
	}
	plain := `<p>no secrets <b>here</b></p>`
	if out := Body("text/html", []byte(plain)); string(out) != plain {
		t.Errorf("a page without secrets changed: %s", out)
	}
}
