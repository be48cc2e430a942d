package cli_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/limpet-http/limpet/internal/cli"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"limpet":   func() { os.Exit(cli.Main()) },
		"limpet-s": func() { os.Exit(cli.Main()) }, // named so: https by default
	})
}

// endless counts what the /endless handlers wrote; /endless/written
// reports it once they have returned.
type endless struct {
	mu      sync.Mutex
	running sync.WaitGroup
	written int64
}

// serve writes a JSON array of zeros: max bytes at most (so that a client
// that reads everything is still bounded), every chunk at most every delay.
func (e *endless) serve(w http.ResponseWriter, r *http.Request, gz bool) {
	e.running.Add(1)
	defer e.running.Done()
	max, _ := strconv.ParseInt(r.URL.Query().Get("max"), 10, 64)
	delay, _ := time.ParseDuration(r.URL.Query().Get("delay"))
	w.Header().Set("Content-Type", "application/json")
	var out io.Writer = w
	if gz {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		defer zw.Close()
		out = zw
	}
	chunk := bytes.Repeat([]byte("0,"), 32<<10)
	n, _ := out.Write([]byte("["))
	for total := int64(n); total < max; {
		n, err := out.Write(chunk)
		total += int64(n)
		if !gz {
			e.mu.Lock()
			e.written += int64(n)
			e.mu.Unlock()
		}
		if err != nil || r.Context().Err() != nil {
			return
		}
		if delay > 0 {
			w.(http.Flusher).Flush()
			time.Sleep(delay)
		}
	}
	out.Write([]byte("0]"))
}

// testHandler is httpbin plus a few endpoints the scripts need.
func testHandler() http.Handler {
	mux := http.NewServeMux()
	var e endless
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) { e.serve(w, r, false) })
	mux.HandleFunc("/endless/gzip", func(w http.ResponseWriter, r *http.Request) { e.serve(w, r, true) })
	mux.HandleFunc("/endless/written", func(w http.ResponseWriter, r *http.Request) {
		done := make(chan struct{})
		go func() { e.running.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			http.Error(w, "an /endless handler is still running", http.StatusInternalServerError)
			return
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		fmt.Fprintln(w, e.written)
	})
	bin := httpbin.New()
	mux.Handle("/", bin)
	secretEndpoints(mux)
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/file.bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="../../report.bin"`)
		b := make([]byte, 100000)
		for i := range b {
			b[i] = byte(i)
		}
		w.Write(b)
	})
	mux.HandleFunc("/slow-download", func(w http.ResponseWriter, r *http.Request) {
		// 1 MB in 20 chunks over about 4 s: long enough to see a progress bar.
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", "1000000")
		chunk := make([]byte, 50000)
		for i := 0; i < 20; i++ {
			w.Write(chunk)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
	// /xlogin is a login page on localhost whose form posts to 127.0.0.1:
	// another origin. /collect counts the credentials it receives.
	var collected atomic.Int64
	mux.HandleFunc("/xlogin", func(w http.ResponseWriter, r *http.Request) {
		port := r.Host[strings.LastIndexByte(r.Host, ':')+1:]
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><body><form method="post" action="http://127.0.0.1:%s/collect">
<input name="username"><input type="password" name="password"><button>Sign in</button></form></body></html>`, port)
	})
	mux.HandleFunc("/collect", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			r.ParseForm()
			if r.PostForm.Get("password") != "" {
				collected.Add(1)
			}
		}
		http.Redirect(w, r, "/get", http.StatusFound)
	})
	mux.HandleFunc("/collect/count", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, collected.Load())
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "F00DCAFEF00DCAFE1234", Path: "/", HttpOnly: true})
		http.SetCookie(w, &http.Cookie{Name: "remember-me", Value: "cmVtZW1iZXI=", Path: "/", MaxAge: 3600})
		fmt.Fprintln(w, "welcome")
	})
	// /inflate reports how the body came, and the body inflated.
	mux.HandleFunc("/inflate", func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "deflate" {
			zr, err := zlib.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "content-encoding=%s transfer-encoding=%s content-length=%d\n%s\n",
			r.Header.Get("Content-Encoding"), strings.Join(r.TransferEncoding, ","), r.ContentLength, b)
	})
	// /latin1 answers "café" in ISO-8859-1.
	mux.HandleFunc("/latin1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=iso-8859-1")
		w.Write([]byte("caf\xe9\n"))
	})
	// /unsorted answers JSON with its keys out of order, as text/plain
	// (?type= overrides it).
	mux.HandleFunc("/unsorted", func(w http.ResponseWriter, r *http.Request) {
		ct := r.URL.Query().Get("type")
		if ct == "" {
			ct = "text/plain"
		}
		w.Header().Set("Content-Type", ct)
		fmt.Fprint(w, `{"zebra": 1, "apple": {"y": true, "b": null}, "mango": [3, 1]}`)
	})
	mux.HandleFunc("/xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<?xml version="1.0"?><root a="1"><item>one &amp; two</item><empty/><!-- c --><n:x xmlns:n="urn:n">t</n:x></root>`)
	})
	// /events sends n server-sent events, one every `every`; /ndjson the
	// same as JSON lines.
	stream := func(w http.ResponseWriter, r *http.Request, contentType string, line func(i int) string) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		every, _ := time.ParseDuration(r.URL.Query().Get("every"))
		w.Header().Set("Content-Type", contentType)
		for i := 0; i < n; i++ {
			if i > 0 {
				select {
				case <-r.Context().Done():
					return
				case <-time.After(every):
				}
			}
			fmt.Fprint(w, line(i))
			w.(http.Flusher).Flush()
		}
	}
	mux.HandleFunc("/events", func(w http.ResponseWriter, r *http.Request) {
		stream(w, r, "text/event-stream", func(i int) string { return fmt.Sprintf("event: tick\ndata: {\"n\": %d}\n\n", i) })
	})
	mux.HandleFunc("/ndjson", func(w http.ResponseWriter, r *http.Request) {
		stream(w, r, "application/x-ndjson", func(i int) string { return fmt.Sprintf("{\"n\": %d, \"list\": [1, 2]}\n", i) })
	})
	// /gate sends one event, then waits for /gate/open (or 30 s) to send
	// the last one: a stream whose end the test decides.
	gate := make(chan struct{}, 1)
	mux.HandleFunc("/gate", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", r.URL.Query().Get("type"))
		fmt.Fprint(w, r.URL.Query().Get("first")+"\n")
		w.(http.Flusher).Flush()
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		case <-time.After(30 * time.Second):
		}
		fmt.Fprint(w, r.URL.Query().Get("last")+"\n")
	})
	mux.HandleFunc("/gate/open", func(w http.ResponseWriter, r *http.Request) {
		select {
		case gate <- struct{}{}:
		default:
		}
	})
	// /shop/login is a form login as a servlet container's: the page
	// hands out an anonymous session cookie to a client without one; a wrong password (the right
	// one is s3cret) goes back to /shop/login?error, the right one gets
	// the session cookie "JSESSIONID=alice"; /shop/ wants it.
	mux.HandleFunc("/shop/login", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			if _, err := r.Cookie("JSESSIONID"); err != nil {
				http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "anonymous", Path: "/", HttpOnly: true})
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<html><body><form method="post" action="/shop/login">
<input name="username"><input type="password" name="password"><button>Sign in</button></form></body></html>`)
			return
		}
		if r.PostFormValue("password") != "s3cret" {
			http.Redirect(w, r, "/shop/login?error", http.StatusFound)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "alice", Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/shop/", http.StatusFound)
	})
	mux.HandleFunc("/shop/", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("JSESSIONID"); err != nil || c.Value != "alice" {
			http.Redirect(w, r, "/shop/login", http.StatusFound)
			return
		}
		fmt.Fprintln(w, "hello alice")
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		var names []string
		for _, c := range r.Cookies() {
			names = append(names, c.Name+"="+c.Value)
		}
		fmt.Fprintln(w, strings.Join(names, "; "))
	})
	return mux
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// Scripts run terminal cases under script(1) and skip them
			// without it, unless CI requires every tool.
			if _, err := exec.LookPath("script"); err != nil && os.Getenv("LIMPET_INTEROP") == "require" {
				return fmt.Errorf("script (util-linux) is required for the terminal cases: %w", err)
			}
			srv := httptest.NewServer(testHandler())
			env.Defer(srv.Close)
			// A TLS 1.2 server with one cipher suite, for --ssl and --ciphers;
			// $WORK/ca.pem trusts its certificate.
			tsrv := httptest.NewUnstartedServer(testHandler())
			tsrv.TLS = &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}
			tsrv.StartTLS()
			env.Defer(tsrv.Close)
			env.Setenv("TLSSRV", tsrv.URL)
			env.Setenv("TLSSRV_PORT", tsrv.URL[strings.LastIndexByte(tsrv.URL, ':')+1:])
			ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: tsrv.Certificate().Raw})
			if err := os.WriteFile(filepath.Join(env.WorkDir, "ca.pem"), ca, 0o600); err != nil {
				return err
			}
			env.Setenv("SRV", srv.URL)
			env.Setenv("DEADPORT", deadPort())
			env.Setenv("PORT", srv.URL[strings.LastIndexByte(srv.URL, ':')+1:])
			env.Setenv("LIMPET_CONFIG_DIR", env.WorkDir+"/config")
			env.Setenv("NO_COLOR", "")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"noleak": noleak,
			// mode FILE PERM checks a file's permission bits.
			// lt A B checks that the integer A (or the content of file A) is less than B.
			"lt": func(ts *testscript.TestScript, neg bool, args []string) {
				a := args[0]
				if b, err := os.ReadFile(ts.MkAbs(a)); err == nil {
					a = strings.TrimSpace(string(b))
				}
				x, err1 := strconv.ParseInt(a, 10, 64)
				y, err2 := strconv.ParseInt(args[1], 10, 64)
				if err1 != nil || err2 != nil {
					ts.Fatalf("lt: want two integers, got %q and %q", a, args[1])
				}
				if (x < y) == neg {
					ts.Fatalf("lt: %d < %d is %v", x, y, x < y)
				}
			},
			// regular FILE checks that FILE is a regular file, not a link.
			"regular": func(ts *testscript.TestScript, neg bool, args []string) {
				fi, err := os.Lstat(ts.MkAbs(args[0]))
				ts.Check(err)
				if fi.Mode().IsRegular() == neg {
					ts.Fatalf("%s has mode %v", args[0], fi.Mode())
				}
			},
			"mode": func(ts *testscript.TestScript, neg bool, args []string) {
				fi, err := os.Stat(ts.MkAbs(args[0]))
				ts.Check(err)
				got := fmt.Sprintf("%04o", fi.Mode().Perm())
				if (got == args[1]) == neg {
					ts.Fatalf("mode of %s is %s", args[0], got)
				}
			},
		},
	})
}

var _ = context.Background
