package har_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/har"
)

// A redacted HAR file shows no part of any secret, nor of its Base64:
// Basic credentials, bearer tokens in any header, tokens in JSON and HTML
// bodies and in redirect URLs, the error of a failed request.
func TestRedactedFileShowsNoPartOfASecret(t *testing.T) {
	const (
		password = "Zq7xVw9Kp2"
		bearer   = "Pw3Rt8Ly5Gd1"
		access   = "Ht4Mw8Qs2Fz6"
		refresh  = "Jc5Nv1Bx7Ld3"
		csrf     = "Cs8Vn2Lq5Tz1"
		redirect = "Rd7Yq3Kx9Vw2"
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":"at-%s","refresh_token":"rt-%s","token_type":"Bearer"}`, access, refresh)
		case "/login":
			w.Header().Set("Content-Type", "text/html;charset=UTF-8")
			fmt.Fprintf(w, `<form method="post"><input type="hidden" name="_csrf" value="%s"/><input name="username"></form>`, csrf)
		case "/redirect":
			http.Redirect(w, r, "/cb?access_token="+redirect+"&state=ok", http.StatusFound)
		}
	}))
	defer srv.Close()

	rec := har.New(har.Options{})
	client := &http.Client{
		Transport:     rec.Middleware()(http.DefaultTransport),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	send := func(method, path string, h http.Header) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		req.SetBasicAuth("alice", password)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	send("POST", "/token", http.Header{"X-Upstream-Auth": {"Bearer " + bearer}})
	send("GET", "/login", nil)
	send("GET", "/redirect", nil)
	var buf bytes.Buffer
	if _, err := rec.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()
	for _, secret := range []string{password, base64.StdEncoding.EncodeToString([]byte("alice:" + password)), bearer, access, refresh, csrf, redirect} {
		for i := 0; i+3 <= len(secret); i++ {
			if strings.Contains(doc, secret[i:i+3]) {
				t.Errorf("the HAR file shows %q, part of %q", secret[i:i+3], secret)
				break
			}
		}
	}
	for _, kept := range []string{`"value": "Basic ****"`, `\"token_type\":\"Bearer\"`, `name=\"username\"`, `state=ok`} {
		if !strings.Contains(doc, kept) {
			t.Errorf("the HAR file lacks %s", kept)
		}
	}
}
