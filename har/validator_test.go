package har_test

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/har"
)

// validatorVersion is the npm har-validator release the files are checked
// with; it validates against the har-schema package's JSON Schema.
const validatorVersion = "5.1.5"

// validateScript reads a HAR file and validates it, printing the schema
// errors and exiting 1 when it is not valid.
const validateScript = `
const fs = require('fs');
const validate = require('har-validator');
const data = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
validate.har(data).then(
  () => console.log('valid'),
  (e) => { console.error(JSON.stringify(e.errors || e.message, null, 1)); process.exit(1); });
`

// interopMissing skips the test, or fails it when LIMPET_INTEROP=require.
func interopMissing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("LIMPET_INTEROP") == "require" {
		t.Fatalf(format+" (LIMPET_INTEROP=require)", args...)
	}
	t.Skipf(format, args...)
}

// harValidator installs har-validator with npm once into the user's cache
// directory and returns a function that validates a HAR file with it.
func harValidator(t *testing.T) func(path string) error {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		interopMissing(t, "node not found: %v", err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "limpet-interop", "har-validator-"+validatorVersion)
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "har-validator", "package.json")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			interopMissing(t, "npm not found: %v", err)
		}
		if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
		// Install beside the final place and rename, so that a parallel
		// run never sees half an installation.
		tmp, err := os.MkdirTemp(filepath.Dir(dir), ".install-*")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		cmd := exec.Command(npm, "install", "--prefix", tmp, "--no-audit", "--no-fund", "--no-save", "har-validator@"+validatorVersion)
		if out, err := cmd.CombinedOutput(); err != nil {
			interopMissing(t, "npm install har-validator@%s: %v\n%s", validatorVersion, err, out)
		}
		if err := os.Rename(tmp, dir); err != nil && !errors.Is(err, os.ErrExist) {
			if _, serr := os.Stat(filepath.Join(dir, "node_modules", "har-validator")); serr != nil {
				t.Fatal(err)
			}
		}
	}
	script := filepath.Join(t.TempDir(), "validate.js")
	if err := os.WriteFile(script, []byte(validateScript), 0o644); err != nil {
		t.Fatal(err)
	}
	return func(path string) error {
		cmd := exec.Command(node, script, path)
		cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			return errors.New(strings.TrimSpace(string(out)))
		}
		return nil
	}
}

// TestHARValidator records real exchanges of a Session with loopback
// servers, plain and over TLS with HTTP/2, and checks the files with the
// npm har-validator.
func TestHARValidator(t *testing.T) {
	validate := harValidator(t)
	srv := newServer(t)
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(r.Proto))
	}))
	tlsSrv.EnableHTTP2 = true
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw})

	tests := []struct {
		name string
		opts har.Options
	}{
		{"redacted", har.Options{}},
		{"with secrets", har.Options{IncludeSecrets: true}},
		{"small caps", har.Options{MaxRequestBody: 10, MaxResponseBody: 10}},
		{"no bodies", har.Options{MaxRequestBody: har.SkipBody, MaxResponseBody: har.SkipBody}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := har.New(tc.opts)
			mw := []func(http.RoundTripper) http.RoundTripper{rec.Middleware()}
			s, err := limpet.New(limpet.Options{Middleware: mw, TLS: limpet.TLSOptions{CAPEM: caPEM, MinVersion: tls.VersionTLS12}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			exchanges(t, s, srv.URL)
			resp, err := s.Get(context.Background(), tlsSrv.URL+"/h2")
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := resp.Bytes(); string(b) != "HTTP/2.0" {
				t.Fatalf("TLS server saw %q, want HTTP/2.0", b)
			}
			h := rec.HAR()
			e := one(t, h, "GET", "/h2")
			if e.Response.HTTPVersion != "HTTP/2.0" || e.Request.HTTPVersion != "HTTP/2.0" || e.Timings.SSL < 0 || e.Timings.Connect < e.Timings.SSL {
				t.Errorf("TLS entry: versions %q/%q, timings %+v", e.Request.HTTPVersion, e.Response.HTTPVersion, e.Timings)
			}
			path := filepath.Join(t.TempDir(), "session.har")
			if err := rec.WriteFile(path); err != nil {
				t.Fatal(err)
			}
			if err := validate(path); err != nil {
				t.Errorf("har-validator rejects the file: %v", err)
			}
		})
	}

	// The validator itself rejects a broken file, so the checks above
	// mean something.
	broken := filepath.Join(t.TempDir(), "broken.har")
	os.WriteFile(broken, []byte(`{"log":{"version":"1.2","creator":{"name":"x","version":"1"},"entries":[{"startedDateTime":"yesterday","time":1}]}}`), 0o600)
	if err := validate(broken); err == nil {
		t.Error("har-validator accepts an entry without request, response, cache and timings")
	}
}
