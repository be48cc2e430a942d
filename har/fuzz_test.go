package har

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/redact"
)

// FuzzEntry builds entries from arbitrary outside input (Cookie and
// Set-Cookie lines, query strings, content types and bodies) and checks
// that each encodes as JSON, that redacted entries mask every cookie value
// and sensitive parameter (an empty value stays empty), and that
// unredacted bodies come back intact.
func FuzzEntry(f *testing.F) {
	f.Add("SESSION=abc; theme=dark", "remember=x; Max-Age=60; Path=/; Secure", "a=1&token=zzz&%zz", "application/x-www-form-urlencoded", []byte("password=p&x=1"), "application/json", []byte(`{"token":"t","n":[1,{"secret":"s"}]}`))
	f.Add("", "bad", "", "multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\npw\r\n--b--\r\n"), "image/png", []byte{0x89, 'P', 'N', 'G', 0, 0xff})
	f.Add("=;;a", "a=b; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "&&=&x", "text/plain", []byte("héllo"), "", []byte("h\xc3"))
	f.Fuzz(func(t *testing.T, cookie, setCookie, rawQuery, reqType string, reqBody []byte, respType string, respBody []byte) {
		req := &http.Request{
			Method: http.MethodPost,
			URL:    &url.URL{Scheme: "http", Host: "127.0.0.1:1", Path: "/p", RawQuery: rawQuery},
			Proto:  "HTTP/1.1",
			Header: http.Header{"Cookie": {cookie}, "Content-Type": {reqType}},
		}
		resp := &http.Response{
			StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1",
			Header: http.Header{"Set-Cookie": {setCookie}, "Content-Type": {respType}, "Location": {rawQuery}},
		}
		for _, limit := range []int64{DefaultMaxBody, 5, SkipBody} {
			rec := newRecord(req, Options{MaxRequestBody: limit, MaxResponseBody: limit})
			rec.hasReqBody = true
			rec.sent(reqBody, true)
			rec.responded(resp)
			rec.received(respBody, io.EOF)
			for _, include := range []bool{false, true} {
				e := rec.entry(&Options{IncludeSecrets: include})
				if _, err := json.Marshal(e); err != nil {
					t.Fatalf("entry does not encode: %v", err)
				}
				if e.Request.BodySize != int64(len(reqBody)) || e.Response.Content.Size != int64(len(respBody)) {
					t.Fatalf("sizes %d/%d, want %d/%d", e.Request.BodySize, e.Response.Content.Size, len(reqBody), len(respBody))
				}
				if include {
					checkIntact(t, "response", e.Response.Content.Text, e.Response.Content.Encoding, respBody, limit)
					checkIntact(t, "request", e.Request.PostData.Text, e.Request.PostData.Encoding, reqBody, limit)
					continue
				}
				for _, c := range append(e.Request.Cookies, e.Response.Cookies...) {
					if c.Value != "" && !strings.HasPrefix(c.Value, redact.Mask) {
						t.Fatalf("cookie %q shows value %q", c.Name, c.Value)
					}
				}
				for _, q := range e.Request.QueryString {
					if redact.IsSensitiveName(q.Name) && q.Value != "" && q.Value != redact.Mask {
						t.Fatalf("query parameter %q shows %q", q.Name, q.Value)
					}
				}
				for _, p := range e.Request.PostData.Params {
					if redact.IsSensitiveName(p.Name) && p.Value != "" && p.Value != redact.Mask {
						t.Fatalf("form field %q shows %q", p.Name, p.Value)
					}
				}
			}
		}
	})
}

// checkIntact checks that a recorded body is the start of the real one:
// all of what the cap let through, less at most a cut character.
func checkIntact(t *testing.T, what, text, encoding string, body []byte, limit int64) {
	t.Helper()
	kept := body
	if limit < 0 {
		kept = nil
	} else if int64(len(kept)) > limit {
		kept = kept[:limit]
	}
	got := []byte(text)
	if encoding == "base64" {
		var err error
		if got, err = base64.StdEncoding.DecodeString(text); err != nil {
			t.Fatalf("%s: bad base64: %v", what, err)
		}
		if !bytes.Equal(got, kept) {
			t.Fatalf("%s: base64 body %q, want %q", what, got, kept)
		}
		return
	}
	if !bytes.HasPrefix(kept, got) || len(kept)-len(got) > 3 || (len(kept) == len(body) && len(got) != len(kept)) {
		t.Fatalf("%s: text %q, want %q", what, got, kept)
	}
}
