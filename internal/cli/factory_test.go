package cli

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/limpet-http/limpet"
)

// testFactory returns a Factory on buffers, with a fixed clock, an empty
// environment (plus env) and a configuration directory of its own; no
// command run through it may make a Session.
func testFactory(t *testing.T, env map[string]string) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, out, errOut := TestStreams("", false)
	dir := t.TempDir()
	f := &Factory{
		IOStreams: ios,
		NewSession: func(limpet.Options) (*limpet.Session, error) {
			t.Error("the command made a Session")
			return nil, errors.New("no network in this test")
		},
		Now:       func() time.Time { return time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC) },
		Getenv:    func(k string) string { return env[k] },
		ConfigDir: func() (string, error) { return dir + "/config", nil },
		HomeDir:   func() (string, error) { return dir + "/home", nil },
	}
	return f, out, errOut
}

// execute runs cmd with args, its output discarded.
func execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.Execute()
}

func TestNewCmdRoot(t *testing.T) {
	tests := []struct {
		args  []string
		check func(*testing.T, *RequestOptions)
	}{
		{[]string{":8080/x"}, func(t *testing.T, o *RequestOptions) {
			if len(o.Args) != 1 || o.Args[0] != ":8080/x" || o.AuthType != "basic" || o.Verify != "yes" || o.DefaultScheme != "http" || o.Retries != limpet.DefaultMaxRetries {
				t.Errorf("defaults: %+v", o)
			}
		}},
		{[]string{"-v", "-v", "--all", "-F", "--max-redirects=3", "POST", ":8080", "a=b"}, func(t *testing.T, o *RequestOptions) {
			if o.Verbose != 2 || !o.All || !o.Follow || o.MaxRedirects != 3 || strings.Join(o.Args, " ") != "POST :8080 a=b" {
				t.Errorf("%+v", o)
			}
		}},
		{[]string{"-a", "alice:pw", "-A", "digest", "--session=app", ":8080"}, func(t *testing.T, o *RequestOptions) {
			if o.Auth != "alice:pw" || o.AuthType != "digest" || o.Session != "app" {
				t.Errorf("%+v", o)
			}
		}},
		{[]string{"-d", "-o", "out.bin", "-c", "--timeout=2.5", ":8080"}, func(t *testing.T, o *RequestOptions) {
			if !o.Download || o.Output != "out.bin" || !o.Continue || o.Timeout != 2.5 {
				t.Errorf("%+v", o)
			}
		}},
		{[]string{"--offline", "--curl", "--har=x.har", "--show-secrets", "-I", ":8080"}, func(t *testing.T, o *RequestOptions) {
			if !o.Offline || !o.Curl || o.HAR != "x.har" || !o.ShowSecrets || !o.IgnoreStdin {
				t.Errorf("%+v", o)
			}
		}},
		{[]string{"-f", "--json", ":8080"}, func(t *testing.T, o *RequestOptions) {
			if o.RequestType != "json" {
				t.Errorf("-f --json: %q, want json (the last wins)", o.RequestType)
			}
		}},
		{[]string{"--json", "--multipart", "-f", ":8080"}, func(t *testing.T, o *RequestOptions) {
			if o.RequestType != "form" {
				t.Errorf("--json --multipart -f: %q, want form", o.RequestType)
			}
		}},
		{[]string{"-qq", "-S", "-s", "monokai", "--sorted", "--format-options=json.indent:2", "--unsorted", "-P", "H", ":8080"}, func(t *testing.T, o *RequestOptions) {
			if o.Quiet != 2 || !o.Stream || o.Style != "monokai" || o.HistoryPrint != "H" ||
				strings.Join(o.FormatOptions, " ") != "headers.sort:true,json.sort_keys:true json.indent:2 headers.sort:false,json.sort_keys:false" {
				t.Errorf("%+v", o)
			}
		}},
		{[]string{"-xx", "--chunked", "--path-as-is", "--response-charset=latin1", "--response-mime=text/xml", "--ignore-netrc", ":8080"}, func(t *testing.T, o *RequestOptions) {
			if o.Compress != 2 || !o.Chunked || !o.PathAsIs || o.ResponseCharset != "latin1" || o.ResponseMIME != "text/xml" || !o.IgnoreNetrc {
				t.Errorf("%+v", o)
			}
		}},
		{[]string{"--ssl=tls1.2", "--ciphers=ECDHE+AESGCM", "--idle-timeout=5", ":8080"}, func(t *testing.T, o *RequestOptions) {
			if o.SSL != "tls1.2" || o.Ciphers != "ECDHE+AESGCM" || o.IdleTimeout != 5 {
				t.Errorf("%+v", o)
			}
		}},
		{[]string{"--proxy=http:http://p:3128", "--proxy=https:http://q:3128", "--verify=no", "--cert=c.pem", ":8080"}, func(t *testing.T, o *RequestOptions) {
			if len(o.Proxies) != 2 || o.Verify != "no" || o.Cert != "c.pem" {
				t.Errorf("%+v", o)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			f, _, _ := testFactory(t, nil)
			var got *RequestOptions
			cmd := NewCmdRoot(f, func(o *RequestOptions) error { got = o; return nil })
			if err := execute(cmd, tt.args...); err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("runF was not called")
			}
			tt.check(t, got)
		})
	}
}

// TestRequestNetworkOptions checks the Session options the network flags
// give, without sending anything.
func TestRequestNetworkOptions(t *testing.T) {
	f, _, _ := testFactory(t, nil)
	var got *RequestOptions
	cmd := NewCmdRoot(f, func(o *RequestOptions) error { got = o; return nil })
	if err := execute(cmd, "-F", "--max-redirects=4", "--retries=0", "--timeout=1.5", "--proxy=all:http://p:3128", ":8080"); err != nil {
		t.Fatal(err)
	}
	lo, err := got.sessionOptions()
	if err != nil {
		t.Fatal(err)
	}
	// The Session's own timeout is off: runRequest's clock applies --timeout.
	if lo.MaxRedirects != 4 || lo.Retry.Max != limpet.NoRetries || lo.Timeout != limpet.NoTimeout || lo.Proxy.URLs["all"] != "http://p:3128" {
		t.Errorf("%+v", lo)
	}
	got.SSL, got.Ciphers = "tls1.2", "ECDHE-RSA-AES128-GCM-SHA256"
	if lo, err = got.sessionOptions(); err != nil {
		t.Fatal(err)
	}
	if c := lo.TLS.Config; c == nil || c.MinVersion != tls.VersionTLS12 || c.MaxVersion != tls.VersionTLS12 || len(c.CipherSuites) != 1 {
		t.Errorf("--ssl, --ciphers: %+v", c)
	}
	got.Proxies = []string{"ftp:x"}
	if _, err := got.sessionOptions(); err == nil || !strings.Contains(err.Error(), "PROTOCOL:PROXY_URL") {
		t.Errorf("bad --proxy: %v", err)
	}
}

func TestNewCmdLogin(t *testing.T) {
	f, _, _ := testFactory(t, nil)
	var got *LoginOptions
	cmd := NewCmdRoot(f, nil)
	for _, c := range cmd.Commands() {
		if c.Name() == "login" {
			cmd.RemoveCommand(c)
		}
	}
	cmd.AddCommand(NewCmdLogin(f, func(o *LoginOptions) error { got = o; return nil }))
	err := execute(cmd, "login", "--session=shop", ":8080", "-a", "alice", "--password-env", "PW", "--type=form", "--allow-origin=https://sso.example", "--remember-me")
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != ":8080" || got.Session != "shop" || got.Auth != "alice" || got.PasswordEnv != "PW" || got.Type != "form" ||
		len(got.AllowOrigins) != 1 || !got.RememberMe || got.passwordSource() != "env:PW" {
		t.Errorf("%+v", got)
	}
}

func TestNewCmdLogout(t *testing.T) {
	f, _, _ := testFactory(t, nil)
	var got *LogoutOptions
	cmd := NewCmdLogout(f, func(o *LogoutOptions) error { got = o; return nil })
	if err := execute(cmd, "--session=shop", "--keep-local", "--verify=no", ":8080"); err != nil {
		t.Fatal(err)
	}
	if got.URL != ":8080" || got.Session != "shop" || !got.KeepLocal || got.Verify != "no" {
		t.Errorf("%+v", got)
	}
}

func TestNewCmdSessionCommands(t *testing.T) {
	f, _, _ := testFactory(t, nil)
	var show *SessionShowOptions
	if err := execute(NewCmdSessionShow(f, func(o *SessionShowOptions) error { show = o; return nil }), "--show-secrets", "localhost_8080/app"); err != nil {
		t.Fatal(err)
	}
	if show.Session != "localhost_8080/app" || !show.ShowSecrets {
		t.Errorf("show: %+v", show)
	}
	var exp *SessionExportOptions
	if err := execute(NewCmdSessionExport(f, func(o *SessionExportOptions) error { exp = o; return nil }), "app", "--format=httpie", "-o", "x.json", "--with-credentials"); err != nil {
		t.Fatal(err)
	}
	if exp.Session != "app" || exp.Format != "httpie" || exp.Output != "x.json" || !exp.Credentials {
		t.Errorf("export: %+v", exp)
	}
	var imp *SessionImportOptions
	if err := execute(NewCmdSessionImport(f, func(o *SessionImportOptions) error { imp = o; return nil }), "localhost_8080/app", "cookies.txt", "--host=example.com"); err != nil {
		t.Fatal(err)
	}
	if imp.Session != "localhost_8080/app" || imp.File != "cookies.txt" || imp.Format != "auto" || imp.Host != "example.com" {
		t.Errorf("import: %+v", imp)
	}
	var del *SessionDeleteOptions
	if err := execute(NewCmdSessionDelete(f, func(o *SessionDeleteOptions) error { del = o; return nil }), "app"); err != nil {
		t.Fatal(err)
	}
	if del.Session != "app" {
		t.Errorf("delete: %+v", del)
	}
	var why *CookiesWhyOptions
	if err := execute(NewCmdCookiesWhy(f, func(o *CookiesWhyOptions) error { why = o; return nil }), "app", "http://localhost:8080/x"); err != nil {
		t.Fatal(err)
	}
	if why.Session != "app" || why.URL != "http://localhost:8080/x" {
		t.Errorf("why: %+v", why)
	}
	if err := execute(NewCmdSessionShow(f, func(*SessionShowOptions) error { return nil })); err == nil || !strings.Contains(err.Error(), "needs SESSION") {
		t.Errorf("show without SESSION: %v", err)
	}
}

// TestFactorySessions checks that the commands find sessions in the
// Factory's configuration directory and home, not the process's.
func TestFactorySessions(t *testing.T) {
	f, _, _ := testFactory(t, nil)
	sd := f.sessions()
	dir, _ := f.ConfigDir()
	home, _ := f.HomeDir()
	st, err := sd.store()
	if err != nil || st.where() != dir {
		t.Fatalf("store %v in %q, want %q", err, st.where(), dir)
	}
	if got := sd.expandHome("~/s.json"); got != home+"/s.json" {
		t.Errorf("expandHome = %q", got)
	}
	if _, _, err := sd.find("app"); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("find in an empty store: %v", err)
	}
}

// TestHTTPSCommand checks limpet-s: https by default, in the usage too.
func TestHTTPSCommand(t *testing.T) {
	f, _, _ := testFactory(t, nil)
	f.HTTPS = true
	var got *RequestOptions
	cmd := NewCmdRoot(f, func(o *RequestOptions) error { got = o; return nil })
	if err := execute(cmd, "example.org"); err != nil {
		t.Fatal(err)
	}
	if got.DefaultScheme != "https" || !strings.HasPrefix(cmd.Use, "limpet-s ") {
		t.Errorf("scheme %q, use %q", got.DefaultScheme, cmd.Use)
	}
	if err := execute(NewCmdRoot(f, func(o *RequestOptions) error { got = o; return nil }), "--default-scheme=http", "x"); err != nil || got.DefaultScheme != "http" {
		t.Errorf("--default-scheme=http: %q, %v", got.DefaultScheme, err)
	}
	for arg0, want := range map[string]bool{"/usr/bin/limpet-s": true, "limpet-s.exe": true, "limpet": false, "/x/limpet-sx": false} {
		if isHTTPSCommand(arg0) != want {
			t.Errorf("isHTTPSCommand(%q) = %v", arg0, !want)
		}
	}
}
