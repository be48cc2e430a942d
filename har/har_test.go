package har_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/har"
)

// Secrets the test exchanges carry; none may show in a redacted HAR file.
const (
	basicPassword   = "basic-pass-secret-0001"
	sessionCookie   = "sessionsecretvalue-0002"
	csrfHeader      = "csrf-header-secret-0003"
	queryToken      = "query-secret-token-0004"
	formPassword    = "form-password-secret-0005"
	jsonPassword    = "json-password-secret-0006"
	responseToken   = "resp-secret-token-0007"
	setCookieSecret = "set-cookie-secret-0008"
)

// allSecrets are the secrets as they travel: the Basic credentials are
// base64-encoded in their header.
var allSecrets = []string{base64.StdEncoding.EncodeToString([]byte("alice:" + basicPassword)), sessionCookie, csrfHeader, queryToken, formPassword, jsonPassword, responseToken, setCookieSecret}

// binaryBody is a body that is not text: every byte value, twice.
var binaryBody = func() []byte {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}()

// newServer serves the routes the recording tests exercise.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /json", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"received": in, "token": responseToken})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("password") != formPassword {
			http.Error(w, "bad credentials", http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "SESSION", Value: sessionCookie, Path: "/", HttpOnly: true})
		http.Redirect(w, r, "/r/2", http.StatusFound)
	})
	mux.HandleFunc("GET /r/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n > 0 {
			http.Redirect(w, r, "/r/"+strconv.Itoa(n-1), http.StatusFound)
			return
		}
		fmt.Fprint(w, "arrived")
	})
	mux.HandleFunc("GET /cookies", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "remember="+setCookieSecret+"; Path=/; Max-Age=3600; Secure; HttpOnly")
		w.Header().Add("Set-Cookie", "theme=dark; Path=/")
		w.Header().Add("Set-Cookie", "gone=; Path=/; Max-Age=0")
		fmt.Fprint(w, "cookies set")
	})
	mux.HandleFunc("GET /gzip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			http.Error(w, "want gzip", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, strings.Repeat("compressible text ", 200))
		zw.Close()
	})
	mux.HandleFunc("GET /binary", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(binaryBody)
	})
	mux.HandleFunc("PUT /upload", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprintf(w, "%d", n)
	})
	mux.HandleFunc("POST /upload-form", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d fields, %d files", len(r.MultipartForm.Value), len(r.MultipartForm.File))
	})
	mux.HandleFunc("GET /big/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		w.Header().Set("Content-Type", "text/plain")
		w.Write(bigBody(n))
	})
	mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"page":%q}`, r.URL.Query().Get("page"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// bigBody is n bytes of text that differ along the way.
func bigBody(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.Bytes()[:n]
}

// exchanges sends the requests every recording test records: GET with a
// token in the query, POST JSON, a form login followed by a redirect chain,
// Set-Cookie, gzip, a binary download and a binary upload. It checks that
// each response reaches the caller whole.
func exchanges(t *testing.T, s *limpet.Session, base string) {
	t.Helper()
	ctx := context.Background()
	check := func(resp *limpet.Response, err error, want string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		b, err := resp.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		if want != "" && !strings.Contains(string(b), want) {
			t.Fatalf("%s: body %q lacks %q", resp.Request.URL, b, want)
		}
	}
	resp, err := s.Do(ctx, &limpet.Request{URL: base + "/api?page=2&access_token=" + queryToken,
		Header: http.Header{"X-Csrf-Token": {csrfHeader}}, Auth: limpet.BasicAuth("alice", basicPassword)})
	check(resp, err, `{"page":"2"}`)
	resp, err = s.Post(ctx, base+"/json", limpet.JSON(map[string]any{"user": "alice", "password": jsonPassword}))
	check(resp, err, responseToken)
	resp, err = s.Post(ctx, base+"/login", limpet.Form(url.Values{"username": {"alice"}, "password": {formPassword}}))
	check(resp, err, "arrived")
	resp, err = s.Get(ctx, base+"/cookies")
	check(resp, err, "cookies set")
	resp, err = s.Get(ctx, base+"/gzip")
	check(resp, err, "compressible text compressible text")
	resp, err = s.Get(ctx, base+"/binary")
	check(resp, err, "")
	if b, _ := resp.Bytes(); !bytes.Equal(b, binaryBody) {
		t.Fatalf("binary body changed on its way to the caller")
	}
	resp, err = s.Put(ctx, base+"/upload", limpet.Bytes(binaryBody, "application/octet-stream"))
	check(resp, err, strconv.Itoa(len(binaryBody)))
	resp, err = s.Post(ctx, base+"/upload-form", limpet.MultipartWithBoundary("b0und4ry",
		limpet.Part{Name: "title", Value: "notes"},
		limpet.Part{Name: "password", Value: formPassword},
		limpet.Part{Name: "file", FileName: "notes.txt", Content: []byte("file text\n"), ContentType: "text/plain"}))
	check(resp, err, "2 fields, 1 files")
}

// record runs fn with a Session whose exchanges r records.
func record(t *testing.T, r *har.Recorder, fn func(s *limpet.Session)) {
	t.Helper()
	s, err := limpet.New(limpet.Options{Middleware: []func(http.RoundTripper) http.RoundTripper{r.Middleware()}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fn(s)
}

// find returns the entries whose URL path is path, in order.
func find(h *har.HAR, method, path string) []har.Entry {
	var out []har.Entry
	for _, e := range h.Log.Entries {
		u, err := url.Parse(e.Request.URL)
		if err == nil && u.Path == path && e.Request.Method == method {
			out = append(out, e)
		}
	}
	return out
}

func one(t *testing.T, h *har.HAR, method, path string) har.Entry {
	t.Helper()
	es := find(h, method, path)
	if len(es) != 1 {
		t.Fatalf("%d entries for %s %s, want 1", len(es), method, path)
	}
	return es[0]
}

func header(nv []har.NameValue, name string) (string, bool) {
	for _, h := range nv {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

func TestRecordedEntries(t *testing.T) {
	srv := newServer(t)
	rec := har.New(har.Options{})
	record(t, rec, func(s *limpet.Session) { exchanges(t, s, srv.URL) })
	h := rec.HAR()

	if h.Log.Version != "1.2" || h.Log.Creator.Name != "limpet" || h.Log.Creator.Version != limpet.Version {
		t.Errorf("log header = %+v / %+v", h.Log.Version, h.Log.Creator)
	}
	// 1 GET, 1 POST JSON, login + 3 redirect hops, cookies, gzip, binary,
	// upload, multipart form.
	if got, want := len(h.Log.Entries), 11; got != want {
		t.Fatalf("%d entries, want %d", got, want)
	}
	if rec.Len() != len(h.Log.Entries) {
		t.Errorf("Len() = %d, want %d", rec.Len(), len(h.Log.Entries))
	}
	srvHost, _, _ := net.SplitHostPort(srv.Listener.Addr().String())

	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"GET with query and credentials", func(t *testing.T) {
			e := one(t, h, "GET", "/api")
			if e.Response.Status != 200 || e.Response.StatusText != "OK" || e.Response.HTTPVersion != "HTTP/1.1" {
				t.Errorf("status = %d %q %q", e.Response.Status, e.Response.StatusText, e.Response.HTTPVersion)
			}
			if len(e.Request.QueryString) != 2 || e.Request.QueryString[0] != (har.NameValue{Name: "page", Value: "2"}) ||
				e.Request.QueryString[1] != (har.NameValue{Name: "access_token", Value: "****"}) {
				t.Errorf("queryString = %+v", e.Request.QueryString)
			}
			if !strings.Contains(e.Request.URL, "page=2") || strings.Contains(e.Request.URL, queryToken) {
				t.Errorf("url = %s", e.Request.URL)
			}
			if v, _ := header(e.Request.Headers, "Authorization"); !strings.HasPrefix(v, "Basic ****") {
				t.Errorf("Authorization = %q", v)
			}
			if v, _ := header(e.Request.Headers, "X-Csrf-Token"); !strings.HasPrefix(v, "****") {
				t.Errorf("X-Csrf-Token = %q", v)
			}
			if v, _ := header(e.Request.Headers, "User-Agent"); v != limpet.DefaultUserAgent {
				t.Errorf("User-Agent = %q", v)
			}
			if e.Request.PostData != nil || e.Request.BodySize != 0 {
				t.Errorf("GET has postData %+v, bodySize %d", e.Request.PostData, e.Request.BodySize)
			}
			if e.Response.Content.Text != `{"page":"2"}` || e.Response.Content.MimeType != "application/json" || e.Response.Content.Size != 12 {
				t.Errorf("content = %+v", e.Response.Content)
			}
			if e.Response.BodySize != 12 {
				t.Errorf("response bodySize = %d, want 12", e.Response.BodySize)
			}
			if e.ServerIPAddress != srvHost || e.Connection == "" {
				t.Errorf("serverIPAddress %q (want %q), connection %q", e.ServerIPAddress, srvHost, e.Connection)
			}
			if e.Timings.Connect < 0 {
				t.Errorf("first request on a new connection has connect %v", e.Timings.Connect)
			}
		}},
		{"POST JSON", func(t *testing.T) {
			e := one(t, h, "POST", "/json")
			pd := e.Request.PostData
			if pd == nil || pd.MimeType != "application/json" || !strings.Contains(pd.Text, `"user":"alice"`) || !strings.Contains(pd.Text, `"password":"****`) {
				t.Fatalf("postData = %+v", pd)
			}
			if e.Request.BodySize == 0 {
				t.Errorf("request bodySize = 0")
			}
			if !strings.Contains(e.Response.Content.Text, `"token":"****`) {
				t.Errorf("response text = %q", e.Response.Content.Text)
			}
			if e.Timings.DNS != -1 || e.Timings.Connect != -1 {
				t.Errorf("reused connection has dns %v, connect %v", e.Timings.DNS, e.Timings.Connect)
			}
		}},
		{"form login and redirect chain", func(t *testing.T) {
			e := one(t, h, "POST", "/login")
			pd := e.Request.PostData
			if pd == nil || pd.MimeType != "application/x-www-form-urlencoded" {
				t.Fatalf("postData = %+v", pd)
			}
			want := []har.Param{{Name: "password", Value: "****"}, {Name: "username", Value: "alice"}}
			if len(pd.Params) != 2 || pd.Params[0] != want[0] || pd.Params[1] != want[1] {
				t.Errorf("params = %+v, want %+v", pd.Params, want)
			}
			if e.Response.Status != 302 || e.Response.RedirectURL != "/r/2" {
				t.Errorf("status %d, redirectURL %q", e.Response.Status, e.Response.RedirectURL)
			}
			if len(e.Response.Cookies) != 1 || e.Response.Cookies[0].Name != "SESSION" || !strings.HasPrefix(e.Response.Cookies[0].Value, "****") || !e.Response.Cookies[0].HTTPOnly {
				t.Errorf("response cookies = %+v", e.Response.Cookies)
			}
			for i, path := range []string{"/r/2", "/r/1", "/r/0"} {
				hop := one(t, h, "GET", path)
				if len(hop.Request.Cookies) != 1 || hop.Request.Cookies[0].Name != "SESSION" || !strings.HasPrefix(hop.Request.Cookies[0].Value, "****") {
					t.Errorf("%s cookies = %+v", path, hop.Request.Cookies)
				}
				if want := 302; i == 2 {
					if hop.Response.Status != 200 || hop.Response.Content.Text != "arrived" {
						t.Errorf("%s: %d %q", path, hop.Response.Status, hop.Response.Content.Text)
					}
				} else if hop.Response.Status != want {
					t.Errorf("%s: status %d", path, hop.Response.Status)
				}
			}
		}},
		{"Set-Cookie", func(t *testing.T) {
			e := one(t, h, "GET", "/cookies")
			cs := e.Response.Cookies
			if len(cs) != 3 {
				t.Fatalf("cookies = %+v", cs)
			}
			if cs[0].Name != "remember" || !strings.HasPrefix(cs[0].Value, "****") || !cs[0].Secure || !cs[0].HTTPOnly || cs[0].Path != "/" || cs[0].Expires == "" {
				t.Errorf("remember = %+v", cs[0])
			}
			if cs[1] != (har.Cookie{Name: "theme", Value: "****", Path: "/"}) {
				t.Errorf("theme = %+v", cs[1])
			}
			if cs[2].Name != "gone" || cs[2].Expires != "1970-01-01T00:00:00.000Z" {
				t.Errorf("gone = %+v", cs[2])
			}
			n := 0
			for _, hv := range e.Response.Headers {
				if hv.Name == "Set-Cookie" {
					n++
					if strings.Contains(hv.Value, "dark") {
						t.Errorf("Set-Cookie header shows a value: %q", hv.Value)
					}
				}
			}
			if n != 3 {
				t.Errorf("%d Set-Cookie headers, want 3", n)
			}
		}},
		{"gzip", func(t *testing.T) {
			e := one(t, h, "GET", "/gzip")
			want := strings.Repeat("compressible text ", 200)
			if e.Response.Content.Text != want || e.Response.Content.Size != int64(len(want)) {
				t.Errorf("content size %d, text %q...", e.Response.Content.Size, e.Response.Content.Text[:min(40, len(e.Response.Content.Text))])
			}
			if e.Response.BodySize != -1 || e.Response.Comment == "" {
				t.Errorf("bodySize %d, comment %q: the compressed size is not known", e.Response.BodySize, e.Response.Comment)
			}
		}},
		{"binary response", func(t *testing.T) {
			e := one(t, h, "GET", "/binary")
			c := e.Response.Content
			got, err := base64.StdEncoding.DecodeString(c.Text)
			if c.Encoding != "base64" || err != nil || !bytes.Equal(got, binaryBody) || c.Size != int64(len(binaryBody)) {
				t.Errorf("content = encoding %q size %d, decodes to %d bytes (err %v)", c.Encoding, c.Size, len(got), err)
			}
		}},
		{"binary upload", func(t *testing.T) {
			e := one(t, h, "PUT", "/upload")
			pd := e.Request.PostData
			if pd == nil || pd.Encoding != "base64" || e.Request.BodySize != int64(len(binaryBody)) {
				t.Fatalf("postData = %+v, bodySize %d", pd, e.Request.BodySize)
			}
			if got, err := base64.StdEncoding.DecodeString(pd.Text); err != nil || !bytes.Equal(got, binaryBody) {
				t.Errorf("postData decodes to %d bytes, err %v", len(got), err)
			}
		}},
		{"multipart form", func(t *testing.T) {
			e := one(t, h, "POST", "/upload-form")
			pd := e.Request.PostData
			if pd == nil || pd.MimeType != "multipart/form-data; boundary=b0und4ry" || pd.Encoding != "" {
				t.Fatalf("postData = %+v", pd)
			}
			want := []har.Param{
				{Name: "title", Value: "notes"},
				{Name: "password", Value: "****"},
				{Name: "file", FileName: "notes.txt", ContentType: "text/plain"},
			}
			if len(pd.Params) != len(want) {
				t.Fatalf("params = %+v", pd.Params)
			}
			for i := range want {
				if pd.Params[i] != want[i] {
					t.Errorf("param %d = %+v, want %+v", i, pd.Params[i], want[i])
				}
			}
			if !strings.Contains(pd.Text, "\r\n\r\n****\r\n") || strings.Contains(pd.Text, formPassword) || !strings.Contains(pd.Text, "file text") {
				t.Errorf("text = %q", pd.Text)
			}
			if e.Request.BodySize < int64(len("file text\n")+len(formPassword)) {
				t.Errorf("bodySize %d, less than the parts hold", e.Request.BodySize)
			}
		}},
		{"every entry is finished and its times add up", func(t *testing.T) {
			for _, e := range h.Log.Entries {
				if e.Comment != "" {
					t.Errorf("%s: comment %q", e.Request.URL, e.Comment)
				}
				tm := e.Timings
				sum := 0.0
				for _, v := range []float64{tm.Blocked, tm.DNS, tm.Connect, tm.Send, tm.Wait, tm.Receive} {
					if v < -1 {
						t.Errorf("%s: timing %v", e.Request.URL, v)
					}
					sum += max(v, 0)
				}
				if tm.Send < 0 || tm.Wait < 0 || tm.Receive < 0 || math.Abs(sum-e.Time) > 0.01 {
					t.Errorf("%s: timings %+v sum to %v, time %v", e.Request.URL, tm, sum, e.Time)
				}
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.check)
	}
}

func TestRedaction(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name          string
		opts          har.Options
		wantSecrets   bool
		wantTruncated bool
	}{
		{name: "redacted by default", opts: har.Options{}},
		{name: "secrets included on request", opts: har.Options{IncludeSecrets: true}, wantSecrets: true},
		{name: "redacted with tiny caps", opts: har.Options{MaxRequestBody: 8, MaxResponseBody: 8}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := har.New(tc.opts)
			record(t, rec, func(s *limpet.Session) { exchanges(t, s, srv.URL) })
			var out bytes.Buffer
			if _, err := rec.WriteTo(&out); err != nil {
				t.Fatal(err)
			}
			if !json.Valid(out.Bytes()) {
				t.Fatal("WriteTo wrote invalid JSON")
			}
			for _, s := range allSecrets {
				if got := strings.Contains(out.String(), s); got != tc.wantSecrets {
					t.Errorf("secret %q in output: %v, want %v", s, got, tc.wantSecrets)
				}
			}
		})
	}
}

func TestBodyCaps(t *testing.T) {
	srv := newServer(t)
	const size = 100_000
	tests := []struct {
		name     string
		opts     har.Options
		wantText int // bytes of text kept
		comment  bool
	}{
		{"default cap keeps all", har.Options{}, size, false},
		{"cap cuts", har.Options{MaxResponseBody: 1000}, 1000, true},
		{"skip keeps none", har.Options{MaxResponseBody: har.SkipBody}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := har.New(tc.opts)
			record(t, rec, func(s *limpet.Session) {
				resp, err := s.Get(context.Background(), srv.URL+"/big/"+strconv.Itoa(size))
				if err != nil {
					t.Fatal(err)
				}
				b, err := resp.Bytes()
				if err != nil || !bytes.Equal(b, bigBody(size)) {
					t.Fatalf("caller got %d bytes (err %v), want the whole body", len(b), err)
				}
			})
			c := one(t, rec.HAR(), "GET", "/big/"+strconv.Itoa(size)).Response.Content
			if len(c.Text) != tc.wantText || c.Text != string(bigBody(size)[:tc.wantText]) || c.Size != size {
				t.Errorf("text %d bytes, size %d; want %d, %d", len(c.Text), c.Size, tc.wantText, size)
			}
			if (c.Comment != "") != tc.comment {
				t.Errorf("comment %q", c.Comment)
			}
		})
	}
}

// TestStreaming proves the caller reads the response as it arrives: the
// server sends the rest of the body only after the caller has read the
// first part through the recorder.
func TestStreaming(t *testing.T) {
	firstRead := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first part;")
		w.(http.Flusher).Flush()
		select {
		case <-firstRead:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second part")
	}))
	defer srv.Close()
	rec := har.New(har.Options{})
	record(t, rec, func(s *limpet.Session) {
		resp, err := s.Get(context.Background(), srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Close()
		buf := make([]byte, len("first part;"))
		if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first part;" {
			t.Fatalf("first read %q, %v", buf, err)
		}
		if e := rec.HAR().Log.Entries[0]; e.Comment == "" || e.Response.Content.Size != int64(len(buf)) {
			t.Errorf("mid-body entry: comment %q, size %d", e.Comment, e.Response.Content.Size)
		}
		close(firstRead)
		rest, err := io.ReadAll(resp.Body)
		if err != nil || string(rest) != "second part" {
			t.Fatalf("rest %q, %v", rest, err)
		}
	})
	e := rec.HAR().Log.Entries[0]
	if e.Comment != "" || e.Response.Content.Text != "first part;second part" || e.Response.BodySize != 22 {
		t.Errorf("entry: comment %q, text %q, bodySize %d", e.Comment, e.Response.Content.Text, e.Response.BodySize)
	}
}

func TestClosedEarly(t *testing.T) {
	srv := newServer(t)
	rec := har.New(har.Options{})
	record(t, rec, func(s *limpet.Session) {
		resp, err := s.Get(context.Background(), srv.URL+"/big/200000")
		if err != nil {
			t.Fatal(err)
		}
		io.CopyN(io.Discard, resp.Body, 10)
		resp.Close()
	})
	e := rec.HAR().Log.Entries[0]
	if e.Comment != "" || e.Response.BodySize != -1 || e.Response.Content.Comment == "" || e.Response.Content.Size < 10 {
		t.Errorf("entry comment %q, bodySize %d, content %+v", e.Comment, e.Response.BodySize, e.Response.Content.Comment)
	}
}

func TestTransportError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	rec := har.New(har.Options{})
	record(t, rec, func(s *limpet.Session) {
		if _, err := s.Post(context.Background(), "http://"+addr+"/x", limpet.JSON(map[string]string{"password": jsonPassword})); err == nil {
			t.Fatal("request to a closed port succeeded")
		}
	})
	h := rec.HAR()
	if len(h.Log.Entries) != 1 {
		t.Fatalf("%d entries", len(h.Log.Entries))
	}
	e := h.Log.Entries[0]
	if e.Response.Status != 0 || e.Response.Error == "" || e.Response.Headers == nil || e.Response.Cookies == nil {
		t.Errorf("response = %+v", e.Response)
	}
	var out bytes.Buffer
	rec.WriteTo(&out)
	if strings.Contains(out.String(), jsonPassword) {
		t.Error("failed request's body shows its password")
	}
}

func TestWriteFile(t *testing.T) {
	srv := newServer(t)
	rec := har.New(har.Options{Comment: "test run"})
	record(t, rec, func(s *limpet.Session) {
		resp, err := s.Get(context.Background(), srv.URL+"/api?page=1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Bytes()
	})
	dir := t.TempDir()
	path := filepath.Join(dir, "out.har")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rec.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	var h har.HAR
	if err := json.Unmarshal(data, &h); err != nil || len(h.Log.Entries) != 1 || h.Log.Comment != "test run" {
		t.Fatalf("file holds %d entries, comment %q (err %v)", len(h.Log.Entries), h.Log.Comment, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	bad := []struct {
		name string
		path string
	}{
		{"missing directory", filepath.Join(dir, "no", "such", "dir", "x.har")},
		{"path is a directory", dir},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			err := rec.WriteFile(tc.path)
			if err == nil || !strings.HasPrefix(err.Error(), "har: ") {
				t.Errorf("WriteFile(%s) = %v, want a har: error", tc.path, err)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestWriteToError(t *testing.T) {
	_, err := har.New(har.Options{}).WriteTo(failWriter{})
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.HasPrefix(err.Error(), "har: ") {
		t.Errorf("WriteTo = %v", err)
	}
}

// TestConcurrent records from several goroutines while the log is being
// written; run with -race.
func TestConcurrent(t *testing.T) {
	srv := newServer(t)
	rec := har.New(har.Options{})
	const workers, each = 4, 10
	record(t, rec, func(s *limpet.Session) {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					resp, err := s.Post(context.Background(), srv.URL+"/json", limpet.JSON(map[string]int{"w": w, "i": i}))
					if err != nil {
						t.Error(err)
						return
					}
					resp.Bytes()
				}
			})
		}
		wg.Go(func() {
			for range 5 {
				rec.WriteTo(io.Discard)
			}
		})
		wg.Wait()
	})
	if rec.Len() != workers*each {
		t.Errorf("Len = %d, want %d", rec.Len(), workers*each)
	}
	seen := map[string]bool{}
	for _, e := range rec.HAR().Log.Entries {
		seen[e.Request.PostData.Text] = true
	}
	if len(seen) != workers*each {
		t.Errorf("%d distinct request bodies recorded, want %d", len(seen), workers*each)
	}
}

// TestMiddlewareNilNext uses the recorder in front of the default
// transport, as a plain http.Client would.
func TestMiddlewareNilNext(t *testing.T) {
	srv := newServer(t)
	rec := har.New(har.Options{})
	c := &http.Client{Transport: rec.Middleware()(nil)}
	resp, err := c.Get(srv.URL + "/r/1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "arrived" || rec.Len() != 2 {
		t.Errorf("body %q, %d entries", b, rec.Len())
	}
	if resp.Request.URL.Path != "/r/0" {
		t.Errorf("response's request is for %s", resp.Request.URL.Path)
	}
}

// TestRetriedAttempts has the Session retry an idempotent PUT after the
// server dropped the connection without answering: each attempt is an
// entry, the failed one with the transport's error, both with the whole
// body.
func TestRetriedAttempts(t *testing.T) {
	var (
		mu      sync.Mutex
		dropped bool
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		drop := !dropped
		dropped = true
		mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		if drop {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		fmt.Fprintf(w, "%s %d", r.Method, len(b))
	}))
	defer srv.Close()
	body := bigBody(3000)
	rec := har.New(har.Options{})
	record(t, rec, func(s *limpet.Session) {
		resp, err := s.Put(context.Background(), srv.URL+"/retry", limpet.Bytes(body, "text/plain"))
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := resp.Bytes(); string(b) != "PUT 3000" {
			t.Fatalf("PUT answered %q", b)
		}
	})
	es := find(rec.HAR(), "PUT", "/retry")
	if len(es) != 2 {
		t.Fatalf("%d entries, want 2 (a failed attempt and a retry)", len(es))
	}
	if es[0].Response.Status != 0 || es[0].Response.Error == "" || es[1].Response.Status != 200 {
		t.Errorf("attempts: %d %q, then %d", es[0].Response.Status, es[0].Response.Error, es[1].Response.Status)
	}
	for i, e := range es {
		if e.Request.BodySize != int64(len(body)) || e.Request.PostData.Text != string(body) {
			t.Errorf("attempt %d: bodySize %d, text %d bytes; want %d", i, e.Request.BodySize, len(e.Request.PostData.Text), len(body))
		}
	}
}
