package cli_test

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// secretEndpoints adds the endpoints the redaction scripts need: a token
// endpoint answering with JSON tokens, and a redirect to a URL with an
// access token in its query, on a port where nothing listens.
func secretEndpoints(mux *http.ServeMux) {
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"at-Ht4Mw8Qs2Fz6","refresh_token":"rt-Jc5Nv1Bx7Ld3","token_type":"Bearer","expires_in":3600}`)
	})
	mux.HandleFunc("/leak-redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:"+deadPort()+"/cb?access_token=Rd7Yq3Kx9Vw2&state=ok", http.StatusFound)
	})
}

// deadPort is a loopback port where nothing listens (binding it takes
// root, and no service uses it).
func deadPort() string { return "1" }

// noleak FILE SECRET... fails when FILE (stdout, stderr or a path) holds
// any three consecutive characters of a SECRET: a masked value must not
// show a part of the secret, nor of its Base64 (give that as a SECRET too).
// The test server's port ($PORT) after a colon is not read.
func noleak(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: noleak FILE SECRET...")
	}
	text := ts.ReadFile(args[0])
	if port := ts.Getenv("PORT"); port != "" {
		// The test server's port is random: "33123" is no part of a
		// secret ending in "1234".
		text = strings.ReplaceAll(text, ":"+port, ":PORT")
	}
	for _, secret := range args[1:] {
		for i := 0; i+3 <= len(secret); i++ {
			if part := secret[i : i+3]; strings.Contains(text, part) {
				at := strings.Index(text, part)
				from, to := max(0, at-40), min(len(text), at+40)
				ts.Fatalf("%s shows %q, part of the secret %q: ...%s...", args[0], part, secret, text[from:to])
			}
		}
	}
}
