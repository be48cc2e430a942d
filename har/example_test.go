package har_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/har"
)

// Record a form login and write the session as a HAR file; the password
// is masked, and the session cookie shows a fingerprint of its value (the
// start of its SHA-256) instead of the value.
func Example() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "0123456789ABCDEF", Path: "/"})
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	rec := har.New(har.Options{})
	s, err := limpet.New(limpet.Options{
		Middleware: []func(http.RoundTripper) http.RoundTripper{rec.Middleware()},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	resp, err := s.Post(context.Background(), srv.URL+"/login",
		limpet.Form(url.Values{"username": {"alice"}, "password": {"s3cret"}}))
	if err != nil {
		log.Fatal(err)
	}
	resp.Close()

	path := filepath.Join(os.TempDir(), "example-login.har")
	defer os.Remove(path)
	if err := rec.WriteFile(path); err != nil {
		log.Fatal(err)
	}

	e := rec.HAR().Log.Entries[0]
	fmt.Println(e.Request.Method, e.Response.Status)
	fmt.Println(e.Request.PostData.Text)
	fmt.Println(e.Response.Cookies[0].Name, e.Response.Cookies[0].Value)
	// Output:
	// POST 200
	// password=****&username=alice
	// JSESSIONID ****~2125b2
}

// Keep only the first kilobyte of each response body, and no request
// bodies at all; the caller still reads the whole body.
func ExampleOptions_caps() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 5000))
	}))
	defer srv.Close()

	rec := har.New(har.Options{MaxRequestBody: har.SkipBody, MaxResponseBody: 1 << 10})
	client := &http.Client{Transport: rec.Middleware()(http.DefaultTransport)}
	resp, err := client.Post(srv.URL, "text/plain", strings.NewReader("request body"))
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	e := rec.HAR().Log.Entries[0]
	fmt.Println("caller read", len(body))
	fmt.Println("recorded", len(e.Response.Content.Text), "of", e.Response.Content.Size, "-", e.Response.Content.Comment)
	fmt.Println("request:", e.Request.BodySize, "bytes -", e.Request.PostData.Comment)
	// Output:
	// caller read 5000
	// recorded 1024 of 5000 - first 1024 of 5000 bytes
	// request: 12 bytes - 12 bytes, not kept
}

// Write what was recorded to any io.Writer as indented JSON.
func ExampleRecorder_WriteTo() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "hello")
	}))
	defer srv.Close()

	rec := har.New(har.Options{})
	client := &http.Client{Transport: rec.Middleware()(http.DefaultTransport)}
	resp, err := client.Get(srv.URL + "/greeting?token=abc&lang=en")
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	var buf bytes.Buffer
	if _, err := rec.WriteTo(&buf); err != nil {
		log.Fatal(err)
	}
	var doc har.HAR
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		log.Fatal(err)
	}
	e := doc.Log.Entries[0]
	fmt.Println(doc.Log.Version, doc.Log.Creator.Name)
	fmt.Println(e.Request.QueryString)
	fmt.Println(e.Response.Content.MimeType, e.Response.Content.Text)
	// Output:
	// 1.2 limpet
	// [{token **** } {lang en }]
	// text/plain hello
}
