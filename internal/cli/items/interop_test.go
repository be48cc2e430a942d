package items

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// The interop test runs the real HTTPie (`http`, Debian package httpie)
// with --offline on a table of command lines and checks that limpet builds
// the same request: method, request target, headers (except those listed
// in ignoredHeaders) and body (JSON compared semantically, everything else
// byte for byte). limpet's side is sent over loopback to a server that
// records it, so HTTPRequest is checked too.
//
// It is skipped when http is not installed, unless LIMPET_INTEROP=require.

const interopBoundary = "limpetInteropBoundary"

// ignoredHeaders differ on purpose: User-Agent names the client, and
// Accept-Encoding, Connection and Content-Length belong to the transport
// (Go's client sends its own; the body is compared instead).
var ignoredHeaders = map[string]string{
	"User-Agent":      "each client sends its own name",
	"Accept-Encoding": "set by the transport (Go: gzip; requests: gzip, deflate)",
	"Connection":      "set by the transport",
	"Content-Length":  "set by the transport from the body, which is compared",
}

// wireRequest is a request as it went over the wire (limpet) or as
// HTTPie printed it.
type wireRequest struct {
	method string
	target string
	host   string
	header http.Header
	body   []byte
}

type interopCase struct {
	name string
	args []string // HTTPie flags first, then positional arguments
	// wantErr: both HTTPie and limpet must reject the command line.
	wantErr bool
	// looseJSON: JSON bodies may differ in number formatting only.
	looseJSON string
	// deliberate, when set, is the reason limpet differs from HTTPie here;
	// check then verifies both sides' actual behaviour instead of comparing.
	deliberate string
	// check runs extra assertions; with deliberate set it replaces the
	// comparison. ours is nil when limpet failed (err set), theirs nil when
	// HTTPie failed.
	check func(t *testing.T, ours *wireRequest, err error, theirs *wireRequest)
	// tweak adjusts limpet's options (golden cases only).
	tweak func(*Options)
}

var interopCases = []interopCase{
	// Method and URL.
	{name: "bare host", args: []string{"example.org"}},
	{name: "lower-case method", args: []string{"get", ":3000"}},
	{name: "explicit POST without data", args: []string{"POST", ":/"}},
	{name: "PUT with data", args: []string{"PUT", ":/x", "a=1"}},
	{name: "localhost shorthand bare", args: []string{":"}},
	{name: "localhost shorthand port path", args: []string{":3000/x/y"}},
	{name: "pasted ://", args: []string{"://example.org/x"}},
	{name: "default scheme https", args: []string{"--default-scheme=https", "example.org/s"}},
	{name: "requote path and query", args: []string{"EXAMPLE.org/a b/%7euser/%41?x=a b&y=%zz"}},
	{name: "percent kept", args: []string{"example.org/a%2fb?c=%2F"}},
	{name: "dot segments and brackets", args: []string{"example.org/a/../b/./c[d]/x\\y?c[d]=1#f g"}},
	{name: "port with leading zeros", args: []string{"example.org:08080/%7e/.."}},
	{name: "query appended to URL query, fragment dropped", args: []string{"http://example.org/p?a=1#frag", "b==2"}},
	{name: "userinfo becomes basic auth", args: []string{"http://u:p@example.org/"}},
	{name: "letters-only first argument is a method", args: []string{"localhost", "a=b"}, check: func(t *testing.T, ours *wireRequest, _ error, _ *wireRequest) {
		if ours.method != "LOCALHOST" || ours.host != "a=b" {
			t.Errorf("limpet sent %s to %s, want LOCALHOST to a=b as HTTPie does", ours.method, ours.host)
		}
	}},
	{name: "URL first then items", args: []string{":3000/x", "a=1", "b:=2", "X-Foo:bar"}},

	// Query parameters.
	{name: "query grouping and escaping", args: []string{":/", "a==x=y", "b==1 2", "a==3", "c==ü&/"}},
	{name: "empty query and data keys", args: []string{":/", "==", "="}},
	{name: "query from file", args: []string{":/", "q==@t.txt"}},

	// Headers.
	{name: "repeated, replaced, empty and trimmed headers", args: []string{":/", "X-A:1", "X-A:2", "Accept:text/html", "X-E;", "X-S:  sp  "}},
	{name: "unset then set", args: []string{":/", "X:a", "X:", "X:b"}},
	{name: "value then empty", args: []string{":/", "X:a", "X;"}},
	{name: "unset Accept", args: []string{":/", "Accept:"}},
	{name: "unset User-Agent", args: []string{":/", "User-Agent:"}, check: func(t *testing.T, ours *wireRequest, _ error, theirs *wireRequest) {
		if v, ok := ours.header["User-Agent"]; ok {
			t.Errorf("limpet sent User-Agent %q after User-Agent:", v)
		}
		if v, ok := theirs.header["User-Agent"]; ok {
			t.Errorf("HTTPie sent User-Agent %q after User-Agent:", v)
		}
	}},
	{name: "Host header", args: []string{":/", "Host:example.com"}},
	{name: "header from file", args: []string{":/", "H:@t.txt"}},
	{name: "Content-Type item with JSON", args: []string{":/", "Content-Type:text/x", "a=1"}},

	// JSON data and nested paths.
	{name: "nested objects, append, index", args: []string{":/", "a[b]=1", "a[c][]=x", "a[c][3]=y"}},
	{name: "top-level array", args: []string{":/", "[]=x", "[]=y"}},
	{name: "top-level index", args: []string{":/", "[1]=x"}},
	{name: "python int keys and indexes", args: []string{":/", "01=x", "+5=y", "a[1_0]=z"}},
	{name: "escaped number key", args: []string{":/", `a[\1]=x`}},
	{name: "escapes and unicode", args: []string{":/", `a\=b=c`, `a\\=b`, `\@x=1`, "ü=ö€😀", `c\:d:=1`}},
	{name: "objects in arrays", args: []string{":/", "a[0][x]=1", "a[0][y]=2", "a[]=3"}},
	{name: "later item replaces object", args: []string{":/", "a[b][c]=1", "a[b]=2"}},
	{name: "raw JSON with duplicate keys", args: []string{":/", `j:={"x": [1, {"y": null}], "x": true, "s": "\u00e9\n"}`}},
	{name: "raw JSON array then append", args: []string{":/", "a:=[1]", "a[]=2"}},
	{name: "embedded text and JSON files", args: []string{":/", "d=@t.txt", "j:=@j.json"}},
	{name: "numbers re-printed by python", args: []string{":/", "a:=1e3", "b:=1.50", "c:=-0", "d:=12345678901234567890"},
		looseJSON: "limpet sends numbers as typed; HTTPie re-prints them through Python (1e3 -> 1000.0, -0 -> 0)"},
	{name: "home directory expansion", args: []string{":/", "d=@~/t.txt"}},
	{name: "--json without data", args: []string{"--json", ":/"}},

	// Body files.
	{name: "@file body", args: []string{":/", "@t.txt"}},
	{name: "@file body JSON type", args: []string{":/", "@j.json"}},
	{name: "@file body unknown type keeps JSON default", args: []string{":/", "@noext"}},

	// Raw bodies.
	{name: "--raw", args: []string{"--raw=hello", ":/"}},
	{name: "--raw empty", args: []string{"--raw=", ":/"}},
	{name: "--raw with --form", args: []string{"--form", "--raw=a=b", ":/"}},

	// Forms and multipart.
	{name: "form grouping", args: []string{"--form", ":/", "a=1", "b=2", "a=3"}},
	{name: "form from file and raw JSON scalars", args: []string{"--form", ":/", "d=@t.txt", "c:=4", `e:="s"`}},
	{name: "form keys are literal", args: []string{"--form", ":/", "a[b]=1"}},
	{name: "form without data", args: []string{"--form", ":/"}},
	{name: "form Content-Type item", args: []string{"--form", ":/", "Content-Type:text/x", "a=1"}},
	{name: "form with file is multipart", args: []string{"--form", ":/", "a=1", "f@t.txt", "b=2", "a=3", "g@j.json;type=x/y"}},
	{name: "multipart text", args: []string{"--multipart", ":/", "a=1", "u=ü"}},
	{name: "multipart empty", args: []string{"--multipart", ":/"}},
	{name: "multipart custom type", args: []string{"--multipart", ":/", "Content-Type:multipart/mixed", "a=1"}},
	{name: "multipart name quoting and binary file", args: []string{"--multipart", ":/", `we"ird\name@bin.dat`, "f@noext"}},

	// Errors both reject.
	{name: "no separator", args: []string{":/", "foo"}, wantErr: true},
	{name: "URL first, bad item", args: []string{"example.org", "foo"}, wantErr: true},
	{name: "text after empty header", args: []string{":/", "X-E;x"}, wantErr: true},
	{name: "file field without form", args: []string{":/", "a@t.txt"}, wantErr: true},
	{name: "two body files", args: []string{":/", "@t.txt", "@j.json"}, wantErr: true},
	{name: "body file and data", args: []string{":/", "@t.txt", "a=1"}, wantErr: true},
	{name: "raw and data", args: []string{"--raw=x", ":/", "a=1"}, wantErr: true},
	{name: "unclosed bracket", args: []string{":/", "a[b=1"}, wantErr: true},
	{name: "missing open bracket", args: []string{":/", "a[b]c=1"}, wantErr: true},
	{name: "key access on string", args: []string{":/", "a=1", "a[b]=1"}, wantErr: true},
	{name: "key access on top-level array", args: []string{":/", "[]=x", "b=1"}, wantErr: true},
	{name: "negative index", args: []string{":/", "a[-1]=1"}, wantErr: true},
	{name: "invalid JSON", args: []string{":/", "a:=[1"}, wantErr: true},
	{name: "complex JSON in form", args: []string{"--form", ":/", "a:=[1]"}, wantErr: true},
	{name: "binary file embedded", args: []string{":/", "d=@bin.dat"}, wantErr: true},
	{name: "missing file", args: []string{":/", "d=@missing"}, wantErr: true},
	{name: "bad port", args: []string{":3000foo"}, wantErr: true},
	{name: "empty header name", args: []string{":/", ":1"}, wantErr: true},

	// Deliberate differences.
	{name: "NaN", args: []string{":/", "a:=NaN"},
		deliberate: "NaN and Infinity are not JSON; HTTPie sends them, limpet rejects them",
		check: func(t *testing.T, ours *wireRequest, err error, theirs *wireRequest) {
			wantTheirs(t, theirs, `{"a": NaN}`)
			var je *JSONError
			if !errors.As(err, &je) {
				t.Errorf("limpet: err = %v, want a *JSONError", err)
			}
		}},
	{name: "form boolean", args: []string{"--form", ":/", "b:=true"},
		deliberate: "HTTPie leaks Python's True; limpet sends true as typed",
		check: func(t *testing.T, ours *wireRequest, err error, theirs *wireRequest) {
			wantTheirs(t, theirs, "b=True")
			wantOurs(t, ours, err, "b=true")
		}},
	{name: "form number", args: []string{"--form", ":/", "d:=1e3"},
		deliberate: "HTTPie re-prints numbers through Python floats; limpet sends them as typed",
		check: func(t *testing.T, ours *wireRequest, err error, theirs *wireRequest) {
			wantTheirs(t, theirs, "d=1000.0")
			wantOurs(t, ours, err, "d=1e3")
		}},
	{name: "multipart keeps raw JSON fields", args: []string{"--multipart", ":/", "a=1", "b:=3"},
		deliberate: "HTTPie silently drops := fields from multipart bodies",
		check: func(t *testing.T, ours *wireRequest, err error, theirs *wireRequest) {
			part := "--" + interopBoundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n"
			wantTheirs(t, theirs, part+"--"+interopBoundary+"--\r\n")
			wantOurs(t, ours, err, part+"--"+interopBoundary+"\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n3\r\n--"+interopBoundary+"--\r\n")
		}},
	{name: "path into raw JSON object", args: []string{":/", `a:={"x":1}`, "a[y]=3"},
		deliberate: "HTTPie loses writes into an object given with :=",
		check: func(t *testing.T, ours *wireRequest, err error, theirs *wireRequest) {
			wantTheirs(t, theirs, `{"a": {"x": 1}}`)
			wantOurs(t, ours, err, `{"a": {"x": 1, "y": "3"}}`)
		}},
	{name: "path through null", args: []string{":/", "a:=null", "a[b]=1"},
		deliberate: "HTTPie throws the whole body away when a path meets a null",
		check: func(t *testing.T, ours *wireRequest, err error, theirs *wireRequest) {
			wantTheirs(t, theirs, `{"b": "1"}`)
			wantOurs(t, ours, err, `{"a": {"b": "1"}}`)
		}},
	{name: "@file body with ;type=", args: []string{":/", "@j.json;type=text/x"},
		deliberate: "HTTPie ignores ;type= on a body file; limpet honours it",
		check: func(t *testing.T, ours *wireRequest, err error, theirs *wireRequest) {
			if got := theirs.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("HTTPie Content-Type = %q", got)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := ours.header.Get("Content-Type"); got != "text/x" {
				t.Errorf("limpet Content-Type = %q, want text/x", got)
			}
		}},
	{name: "header name with space", args: []string{":/", "X Y:1"},
		deliberate: "a header name must be an HTTP token; net/http cannot send 'X Y'",
		check: func(t *testing.T, ours *wireRequest, err error, theirs *wireRequest) {
			if theirs == nil || theirs.header.Get("X Y") != "1" {
				t.Errorf("HTTPie did not send X Y: 1")
			}
			if !errors.Is(err, ErrHeader) {
				t.Errorf("limpet: err = %v, want ErrHeader", err)
			}
		}},
	{name: "raw with multipart", args: []string{"--multipart", "--raw=x", ":/"},
		deliberate: "HTTPie silently ignores --raw with --multipart; limpet rejects the combination",
		check: func(t *testing.T, ours *wireRequest, err error, theirs *wireRequest) {
			wantTheirs(t, theirs, "--"+interopBoundary+"--\r\n")
			if !errors.Is(err, ErrMixedBody) {
				t.Errorf("limpet: err = %v, want ErrMixedBody", err)
			}
		}},
	{name: "huge index", args: []string{":/", "a[70000]=x"},
		deliberate: "HTTPie pads arrays to any index; limpet stops at 65536",
		check: func(t *testing.T, ours *wireRequest, err error, theirs *wireRequest) {
			if theirs == nil || !bytes.HasSuffix(theirs.body, []byte(`null, "x"]}`)) {
				t.Errorf("HTTPie did not pad the array")
			}
			var pe *PathError
			if !errors.As(err, &pe) || pe.Kind != PathValue {
				t.Errorf("limpet: err = %v, want a value *PathError", err)
			}
		}},
}

func wantTheirs(t *testing.T, theirs *wireRequest, body string) {
	t.Helper()
	if theirs == nil {
		t.Errorf("HTTPie failed, want body %q", body)
		return
	}
	if string(theirs.body) != body {
		t.Errorf("HTTPie body = %q, want %q (has HTTPie changed?)", theirs.body, body)
	}
}

func wantOurs(t *testing.T, ours *wireRequest, err error, body string) {
	t.Helper()
	if err != nil {
		t.Errorf("limpet: %v", err)
		return
	}
	if string(ours.body) != body {
		t.Errorf("limpet body = %q, want %q", ours.body, body)
	}
}

// interopFiles are the files the command lines refer to.
var interopFiles = map[string]string{
	"t.txt":    "hello\n\n",
	"j.json":   `{"k": [1, 2]}`,
	"bin.dat":  "\xff\xfe\x00",
	"noext":    "abc",
	".httpie/": "",
}

func TestInteropHTTPie(t *testing.T) {
	httpBin, err := exec.LookPath("http")
	if err != nil {
		if os.Getenv("LIMPET_INTEROP") == "require" {
			t.Fatalf("HTTPie (http) not found and LIMPET_INTEROP=require: %v", err)
		}
		t.Skip("HTTPie (http) not installed; apt-get install httpie, or set LIMPET_INTEROP=require to fail")
	}
	if len(interopCases) < 40 {
		t.Fatalf("only %d interop cases", len(interopCases))
	}

	dir := t.TempDir()
	for name, content := range interopFiles {
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(filepath.Join(dir, name), 0o700); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	rec := newRecorder(t)
	// HTTPie starts slowly; run two at a time (the machine has two cores).
	sem := make(chan struct{}, 2)
	t.Run("cases", func(t *testing.T) {
		for _, tc := range interopCases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				theirs, theirErr := runHTTPie(t.Context(), httpBin, dir, tc.args)
				<-sem
				ours, ourErr := rec.send(t.Context(), dir, tc.args)
				checkInterop(t, tc, ours, ourErr, theirs, theirErr)
			})
		}
	})
}

func checkInterop(t *testing.T, tc interopCase, ours *wireRequest, ourErr error, theirs *wireRequest, theirErr error) {
	t.Helper()
	if tc.deliberate != "" {
		if theirErr != nil {
			theirs = nil
		}
		tc.check(t, ours, ourErr, theirs)
		return
	}
	if tc.wantErr {
		if theirErr == nil {
			t.Errorf("HTTPie accepted %q", tc.args)
		}
		if ourErr == nil {
			t.Errorf("limpet accepted %q: %s %s", tc.args, ours.method, ours.target)
		}
		return
	}
	if theirErr != nil {
		t.Fatalf("HTTPie: %v", theirErr)
	}
	if ourErr != nil {
		t.Fatalf("limpet: %v", ourErr)
	}
	if ours.method != theirs.method || ours.target != theirs.target || ours.host != theirs.host {
		t.Errorf("request line: limpet %s %s (Host %s), HTTPie %s %s (Host %s)",
			ours.method, ours.target, ours.host, theirs.method, theirs.target, theirs.host)
	}
	o, h := comparable(ours.header), comparable(theirs.header)
	if !reflect.DeepEqual(o, h) {
		t.Errorf("headers:\nlimpet %q\nHTTPie %q", o, h)
	}
	compareBodies(t, tc, ours, theirs)
	if tc.check != nil {
		tc.check(t, ours, ourErr, theirs)
	}
}

func compareBodies(t *testing.T, tc interopCase, ours, theirs *wireRequest) {
	t.Helper()
	if bytes.Equal(ours.body, theirs.body) {
		return
	}
	ct := theirs.header.Get("Content-Type")
	if tc.looseJSON != "" && strings.HasPrefix(ct, "application/json") {
		a, errA := decodeLoose(ours.body)
		b, errB := decodeLoose(theirs.body)
		if errA == nil && errB == nil && reflect.DeepEqual(a, b) {
			return
		}
	}
	t.Errorf("body:\nlimpet %q\nHTTPie %q", ours.body, theirs.body)
}

// decodeLoose decodes JSON with numbers normalised to exact rationals, so
// that 1e3 and 1000.0 compare equal.
func decodeLoose(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	var norm func(any) any
	norm = func(v any) any {
		switch x := v.(type) {
		case json.Number:
			r, ok := new(big.Rat).SetString(string(x))
			if !ok {
				return string(x)
			}
			return r.RatString()
		case []any:
			for i := range x {
				x[i] = norm(x[i])
			}
		case map[string]any:
			for k := range x {
				x[k] = norm(x[k])
			}
		}
		return v
	}
	return norm(v), nil
}

func comparable(h http.Header) map[string][]string {
	out := map[string][]string{}
	for k, v := range h {
		k = http.CanonicalHeaderKey(k)
		if _, skip := ignoredHeaders[k]; skip || k == "Host" {
			continue
		}
		out[k] = append(out[k], v...)
	}
	return out
}

// optionsFor maps HTTPie flags to Options; it returns the positional
// arguments.
func optionsFor(dir string, args []string) (Options, []string) {
	opts := Options{
		Boundary: interopBoundary,
		HomeDir:  dir,
		ReadFile: func(name string) ([]byte, error) {
			if !filepath.IsAbs(name) {
				name = filepath.Join(dir, name)
			}
			return os.ReadFile(name)
		},
		UserAgent: "limpet-interop",
	}
	for len(args) > 0 && strings.HasPrefix(args[0], "--") {
		flag, value, _ := strings.Cut(args[0], "=")
		switch flag {
		case "--form":
			opts.Mode = ModeForm
		case "--multipart":
			opts.Mode = ModeMultipart
		case "--json":
			opts.Mode = ModeJSON
		case "--raw":
			opts.Raw = []byte(value)
		case "--default-scheme":
			opts.DefaultScheme = value
		}
		args = args[1:]
	}
	return opts, args
}

// runHTTPie runs HTTPie offline. --ignore-stdin is a deliberate
// difference made uniform: limpet never reads standard input as a body,
// while HTTPie does whenever stdin is not a terminal (as under go test).
// HTTPIE_CONFIG_DIR points at an empty directory so that no user
// configuration (default_options) changes the result.
func runHTTPie(ctx context.Context, bin, dir string, args []string) (*wireRequest, error) {
	cmd := exec.CommandContext(ctx, bin, append([]string{"--offline", "--ignore-stdin", "--print=HB", "--boundary=" + interopBoundary}, args...)...)
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "HTTPIE_CONFIG_DIR=" + filepath.Join(dir, ".httpie"), "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, errors.New(err.Error() + ": " + stderr.String())
	}
	return parseHTTPieOutput(stdout.Bytes())
}

// parseHTTPieOutput reads what --print=HB prints: the request line and
// headers with CRLF line ends, a blank line, and the body as sent.
func parseHTTPieOutput(out []byte) (*wireRequest, error) {
	head, body, ok := bytes.Cut(out, []byte("\r\n\r\n"))
	if !ok {
		return nil, errors.New("no end of headers in HTTPie output: " + string(out))
	}
	lines := strings.Split(string(head), "\r\n")
	parts := strings.SplitN(lines[0], " ", 3)
	if len(parts) != 3 {
		return nil, errors.New("bad request line " + lines[0])
	}
	w := &wireRequest{method: parts[0], target: parts[1], header: http.Header{}, body: body}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			return nil, errors.New("bad header line " + l)
		}
		value = strings.TrimPrefix(value, " ")
		if strings.EqualFold(name, "Host") {
			w.host = value
			continue
		}
		w.header[name] = append(w.header[name], value)
	}
	return w, nil
}

// recorder is a loopback HTTP and HTTPS server that records what limpet
// sends; requests are tagged with a header to find them again.
type recorder struct {
	plain, tls *httptest.Server
	client     *http.Client
	seq        atomic.Int64
	mu         sync.Mutex // guards got
	got        map[string]*wireRequest
}

const tagHeader = "X-Limpet-Interop-Tag"

func newRecorder(t *testing.T) *recorder {
	r := &recorder{got: map[string]*wireRequest{}}
	h := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		hdr := req.Header.Clone()
		tag := hdr.Get(tagHeader)
		hdr.Del(tagHeader)
		r.mu.Lock()
		r.got[tag] = &wireRequest{method: req.Method, target: req.RequestURI, host: req.Host, header: hdr, body: body}
		r.mu.Unlock()
	})
	r.plain = httptest.NewServer(h)
	r.tls = httptest.NewTLSServer(h)
	t.Cleanup(r.plain.Close)
	t.Cleanup(r.tls.Close)
	var d net.Dialer
	r.client = &http.Client{
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, r.plain.Listener.Addr().String())
			},
			DialTLSContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				td := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true}} // loopback test server
				return td.DialContext(ctx, network, r.tls.Listener.Addr().String())
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return r
}

func (r *recorder) send(ctx context.Context, dir string, args []string) (*wireRequest, error) {
	opts, pos := optionsFor(dir, args)
	req, err := Parse(pos, opts)
	if err != nil {
		return nil, err
	}
	hreq, err := req.HTTPRequest(ctx)
	if err != nil {
		return nil, err
	}
	tag := strconv.FormatInt(r.seq.Add(1), 10)
	hreq.Header.Set(tagHeader, tag)
	resp, err := r.client.Do(hreq)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.got[tag]
	if w == nil {
		return nil, errors.New("request not recorded")
	}
	return w, nil
}
