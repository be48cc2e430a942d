package limpet_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
)

// forwardProxy is a loopback HTTP proxy that answers requests itself,
// saying which proxy it is and what Proxy-Authorization it received.
func forwardProxy(t *testing.T, name string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.RequestURI, "http://") {
			http.Error(w, "not a proxy request", http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Proxy-Auth", r.Header.Get("Proxy-Authorization"))
		io.WriteString(w, name)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestProxyPrecedence(t *testing.T) {
	direct := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "direct") }))
	defer direct.Close()
	envProxy := forwardProxy(t, "env")
	sessProxy := forwardProxy(t, "session")
	reqProxy := forwardProxy(t, "request")
	var d net.Dialer
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(addr, "example.com:") || strings.HasPrefix(addr, "internal.example.com:") {
			addr = direct.Listener.Addr().String()
		}
		return d.DialContext(ctx, network, addr)
	}
	t.Setenv("HTTP_PROXY", envProxy.URL)
	t.Setenv("http_proxy", envProxy.URL)
	t.Setenv("NO_PROXY", "internal.example.com")
	t.Setenv("no_proxy", "internal.example.com")

	get := func(t *testing.T, s *limpet.Session, r *limpet.Request) (string, http.Header) {
		t.Helper()
		resp, err := s.Do(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		b, err := resp.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return string(b), resp.Header
	}
	withUser := strings.Replace(sessProxy.URL, "http://", "http://proxyuser:proxypass@", 1)
	cases := []struct {
		name  string
		proxy limpet.ProxyOptions
		req   limpet.Request
		want  string
	}{
		{"environment by default", limpet.ProxyOptions{}, limpet.Request{URL: "http://example.com/"}, "env"},
		{"NO_PROXY from environment", limpet.ProxyOptions{}, limpet.Request{URL: "http://internal.example.com/"}, "direct"},
		{"environment ignored", limpet.ProxyOptions{IgnoreEnvironment: true}, limpet.Request{URL: "http://example.com/"}, "direct"},
		{"session over environment", limpet.ProxyOptions{URLs: map[string]string{"http": sessProxy.URL}}, limpet.Request{URL: "http://example.com/"}, "session"},
		{"all scheme key", limpet.ProxyOptions{URLs: map[string]string{"all": sessProxy.URL}}, limpet.Request{URL: "http://example.com/"}, "session"},
		{"session NoProxy falls back to environment", limpet.ProxyOptions{URLs: map[string]string{"http": sessProxy.URL}, NoProxy: "example.com"}, limpet.Request{URL: "http://example.com/"}, "env"},
		{"session NoProxy, no environment", limpet.ProxyOptions{URLs: map[string]string{"http": sessProxy.URL}, NoProxy: ".example.com", IgnoreEnvironment: true}, limpet.Request{URL: "http://example.com/"}, "direct"},
		{"request over session", limpet.ProxyOptions{URLs: map[string]string{"http": sessProxy.URL}}, limpet.Request{URL: "http://example.com/", Proxy: reqProxy.URL}, "request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSession(t, limpet.Options{Proxy: c.proxy, DialContext: dial})
			if got, _ := get(t, s, &c.req); got != c.want {
				t.Errorf("answered by %q, want %q", got, c.want)
			}
		})
	}
	t.Run("proxy credentials", func(t *testing.T) {
		s := newSession(t, limpet.Options{Proxy: limpet.ProxyOptions{URLs: map[string]string{"http": withUser}}, DialContext: dial})
		_, h := get(t, s, &limpet.Request{URL: "http://example.com/"})
		if got := h.Get("X-Proxy-Auth"); !strings.HasPrefix(got, "Basic ") {
			t.Errorf("proxy got Proxy-Authorization %q", got)
		}
	})
}

// socks5Server is a minimal SOCKS5 (RFC 1928) server without
// authentication that connects every CONNECT to target and counts them.
func socks5Server(t *testing.T, target string) (addr string, connects *atomic.Int32) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	connects = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				hdr := make([]byte, 2)
				if _, err := io.ReadFull(r, hdr); err != nil || hdr[0] != 5 {
					return
				}
				if _, err := io.ReadFull(r, make([]byte, hdr[1])); err != nil {
					return
				}
				c.Write([]byte{5, 0})
				req := make([]byte, 4)
				if _, err := io.ReadFull(r, req); err != nil || req[1] != 1 {
					return
				}
				switch req[3] {
				case 1:
					io.ReadFull(r, make([]byte, 4))
				case 3:
					n, _ := r.ReadByte()
					io.ReadFull(r, make([]byte, n))
				case 4:
					io.ReadFull(r, make([]byte, 16))
				}
				var port uint16
				binary.Read(r, binary.BigEndian, &port)
				up, err := net.Dial("tcp", target)
				if err != nil {
					c.Write([]byte{5, 5, 0, 1, 0, 0, 0, 0, 0, 0})
					return
				}
				defer up.Close()
				connects.Add(1)
				c.Write([]byte{5, 0, 0, 1, 127, 0, 0, 1, 0, 0})
				go io.Copy(up, r)
				io.Copy(c, up)
			}(c)
		}
	}()
	return ln.Addr().String(), connects
}

func TestSOCKS5Proxy(t *testing.T) {
	direct := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "via "+r.Host) }))
	defer direct.Close()
	addr, connects := socks5Server(t, direct.Listener.Addr().String())
	for _, scheme := range []string{"socks5", "socks5h"} {
		t.Run(scheme, func(t *testing.T) {
			s := newSession(t, limpet.Options{Proxy: limpet.ProxyOptions{URLs: map[string]string{"all": scheme + "://" + addr}, IgnoreEnvironment: true}})
			before := connects.Load()
			resp, err := s.Get(context.Background(), "http://service.example.com:8080/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := resp.Bytes()
			if string(body) != "via service.example.com:8080" || connects.Load() != before+1 {
				t.Errorf("body %q, SOCKS connects %d", body, connects.Load()-before)
			}
		})
	}
}

// writeCert writes a self-signed certificate and key as PEM files.
func writeCert(t *testing.T, dir, name string) (certFile, keyFile string, cert *x509.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile = filepath.Join(dir, name+".crt")
	keyFile = filepath.Join(dir, name+".key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cert, _ = x509.ParseCertificate(der)
	return certFile, keyFile, cert
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	clientCert, clientKey, clientX509 := writeCert(t, dir, "client")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := "anonymous"
		if len(r.TLS.PeerCertificates) > 0 {
			name = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		io.WriteString(w, name)
	}))
	pool := x509.NewCertPool()
	pool.AddCert(clientX509)
	srv.TLS = &tls.Config{ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	ctx := context.Background()

	t.Run("verification on by default", func(t *testing.T) {
		s := newSession(t, limpet.Options{})
		_, err := s.Get(ctx, srv.URL)
		var uae x509.UnknownAuthorityError
		if !errors.As(err, &uae) {
			t.Errorf("err = %v, want an unknown-authority error", err)
		}
	})
	t.Run("extra CA file", func(t *testing.T) {
		s := newSession(t, limpet.Options{TLS: limpet.TLSOptions{CAFile: caFile}})
		resp, err := s.Get(ctx, srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := resp.Bytes(); string(b) != "anonymous" {
			t.Errorf("got %q", b)
		}
	})
	t.Run("client certificate", func(t *testing.T) {
		s := newSession(t, limpet.Options{TLS: limpet.TLSOptions{CAFile: caFile, CertFile: clientCert, KeyFile: clientKey}})
		resp, err := s.Get(ctx, srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := resp.Bytes(); string(b) != "client" {
			t.Errorf("server saw %q, want the client certificate", b)
		}
	})
	t.Run("minimum version", func(t *testing.T) {
		old := httptest.NewUnstartedServer(http.NotFoundHandler())
		old.TLS = &tls.Config{MaxVersion: tls.VersionTLS12}
		old.StartTLS()
		defer old.Close()
		ca := filepath.Join(dir, "old.pem")
		os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: old.Certificate().Raw}), 0o600)
		s := newSession(t, limpet.Options{TLS: limpet.TLSOptions{CAFile: ca, MinVersion: tls.VersionTLS13}})
		if _, err := s.Get(ctx, old.URL); err == nil || !strings.Contains(err.Error(), "protocol version") {
			t.Errorf("TLS 1.2 server with MinVersion 1.3: err = %v", err)
		}
	})
	t.Run("insecure is loud", func(t *testing.T) {
		var buf bytes.Buffer
		s := newSession(t, limpet.Options{
			TLS:    limpet.TLSOptions{InsecureSkipVerify: true},
			Logger: slog.New(slog.NewTextHandler(&buf, nil)),
		})
		if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "verification is OFF") {
			t.Errorf("no warning logged: %q", buf.String())
		}
		resp, err := s.Get(ctx, srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Close()
	})
	t.Run("HTTP/2 negotiated", func(t *testing.T) {
		h2 := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Proto) }))
		h2.EnableHTTP2 = true
		h2.StartTLS()
		defer h2.Close()
		ca := filepath.Join(dir, "h2.pem")
		os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h2.Certificate().Raw}), 0o600)
		for _, disable := range []bool{false, true} {
			s := newSession(t, limpet.Options{TLS: limpet.TLSOptions{CAFile: ca}, DisableHTTP2: disable})
			resp, err := s.Get(ctx, h2.URL)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := resp.Bytes()
			want := "HTTP/2.0"
			if disable {
				want = "HTTP/1.1"
			}
			if string(b) != want {
				t.Errorf("DisableHTTP2=%v: proto %q, want %q", disable, b, want)
			}
		}
	})
}

func TestConnectionReuse(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	srv.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	s := newSession(t, limpet.Options{})
	for i := 0; i < 20; i++ {
		resp, err := s.Get(context.Background(), srv.URL+"/"+strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		resp.Bytes()
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("20 sequential requests opened %d connections, want 1", n)
	}
}
