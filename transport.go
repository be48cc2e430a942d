package limpet

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// newTransport builds the pooled *http.Transport for o.
func newTransport(o Options) (*http.Transport, error) {
	proxy, err := newProxyFunc(o.Proxy)
	if err != nil {
		return nil, err
	}
	tlsConf, err := newTLSConfig(o.TLS, o.Logger)
	if err != nil {
		return nil, err
	}
	t := &http.Transport{
		Proxy:                 proxy,
		DialContext:           dialer(o),
		TLSClientConfig:       tlsConf,
		ForceAttemptHTTP2:     !o.DisableHTTP2,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   o.MaxIdleConnsPerHost,
		MaxConnsPerHost:       o.MaxConnsPerHost,
		IdleConnTimeout:       o.IdleConnTimeout,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if t.MaxIdleConnsPerHost == 0 {
		t.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	}
	if t.MaxIdleConns < t.MaxIdleConnsPerHost {
		t.MaxIdleConns = t.MaxIdleConnsPerHost
	}
	if t.IdleConnTimeout == 0 {
		t.IdleConnTimeout = DefaultIdleConnTimeout
	}
	if o.DisableHTTP2 {
		t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return t, nil
}

// newTLSConfig builds the TLS configuration for o.
func newTLSConfig(o TLSOptions, logger *slog.Logger) (*tls.Config, error) {
	var c *tls.Config
	if o.Config != nil {
		c = o.Config.Clone()
	} else {
		c = &tls.Config{}
	}
	if o.MinVersion != 0 {
		c.MinVersion = o.MinVersion
	} else if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	if o.CAFile != "" || len(o.CAPEM) > 0 {
		pool := c.RootCAs
		if pool == nil {
			sys, err := x509.SystemCertPool()
			if err != nil || sys == nil {
				sys = x509.NewCertPool()
			}
			pool = sys
		}
		if o.CAFile != "" {
			pem, err := os.ReadFile(o.CAFile)
			if err != nil {
				return nil, fmt.Errorf("limpet: reading CA file: %w", err)
			}
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("limpet: CA file %s holds no PEM certificate", o.CAFile)
			}
		}
		if len(o.CAPEM) > 0 && !pool.AppendCertsFromPEM(o.CAPEM) {
			return nil, fmt.Errorf("limpet: TLS.CAPEM holds no PEM certificate")
		}
		c.RootCAs = pool
	}
	if o.CertFile != "" || o.KeyFile != "" {
		if o.CertFile == "" || o.KeyFile == "" {
			return nil, fmt.Errorf("limpet: TLS client certificate needs both CertFile and KeyFile")
		}
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("limpet: loading client certificate: %w", err)
		}
		c.Certificates = append(c.Certificates, cert)
	}
	if o.InsecureSkipVerify {
		c.InsecureSkipVerify = true
		if logger == nil {
			logger = slog.Default()
		}
		logger.Warn("limpet: TLS certificate verification is OFF: any server can impersonate any other; use TLSOptions.CAFile to trust a private CA instead")
	}
	return c, nil
}

// newProxyFunc returns the transport's proxy selector for o: the request's
// own proxy, then o.URLs (minus o.NoProxy), then the environment.
func newProxyFunc(o ProxyOptions) (func(*http.Request) (*url.URL, error), error) {
	explicit := make(map[string]*url.URL, len(o.URLs))
	for scheme, raw := range o.URLs {
		switch scheme {
		case "http", "https", "all":
		default:
			return nil, fmt.Errorf("limpet: Proxy.URLs key %q: want \"http\", \"https\" or \"all\"", scheme)
		}
		u, err := parseProxyURL(raw)
		if err != nil {
			return nil, fmt.Errorf("limpet: Proxy.URLs[%q]: %w", scheme, err)
		}
		explicit[scheme] = u
	}
	noProxy := parseNoProxy(o.NoProxy)
	var env func(*url.URL) (*url.URL, error)
	if !o.IgnoreEnvironment {
		if cfg := httpproxy.FromEnvironment(); cfg.HTTPProxy != "" || cfg.HTTPSProxy != "" {
			env = cfg.ProxyFunc()
		}
	}
	return func(req *http.Request) (*url.URL, error) {
		if ro := optionsFrom(req.Context()); ro != nil && ro.proxy != nil {
			return ro.proxy, nil
		}
		if len(explicit) > 0 && !noProxy.match(req.URL) {
			if u := explicit[req.URL.Scheme]; u != nil {
				return u, nil
			}
			if u := explicit["all"]; u != nil {
				return u, nil
			}
		}
		if env != nil {
			return env(req.URL)
		}
		return nil, nil
	}, nil
}

// parseProxyURL parses and checks a proxy URL; socks5h is accepted as an
// alias of socks5, which already resolves names at the proxy.
func parseProxyURL(raw string) (*url.URL, error) {
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid proxy URL: %w", err)
	}
	switch u.Scheme {
	case "http", "https", "socks5":
	case "socks5h":
		u.Scheme = "socks5"
	default:
		return nil, fmt.Errorf("unsupported proxy scheme %q (want http, https, socks5 or socks5h)", u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("proxy URL %q has no host", raw)
	}
	return u, nil
}

// noProxyList matches hosts against NO_PROXY-style entries.
type noProxyList struct {
	all      bool
	domains  []string // lower case, without a leading dot
	hostPort []string
	nets     []*net.IPNet
	ips      []net.IP
}

func parseNoProxy(s string) noProxyList {
	var l noProxyList
	for _, e := range strings.Split(s, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		switch {
		case e == "":
		case e == "*":
			l.all = true
		default:
			if _, n, err := net.ParseCIDR(e); err == nil {
				l.nets = append(l.nets, n)
			} else if ip := net.ParseIP(e); ip != nil {
				l.ips = append(l.ips, ip)
			} else if _, _, err := net.SplitHostPort(e); err == nil {
				l.hostPort = append(l.hostPort, e)
			} else {
				l.domains = append(l.domains, strings.TrimPrefix(e, "."))
			}
		}
	}
	return l
}

func (l noProxyList) match(u *url.URL) bool {
	if l.all {
		return true
	}
	host := strings.ToLower(u.Hostname())
	if ip := net.ParseIP(host); ip != nil {
		for _, n := range l.nets {
			if n.Contains(ip) {
				return true
			}
		}
		for _, x := range l.ips {
			if x.Equal(ip) {
				return true
			}
		}
	}
	for _, hp := range l.hostPort {
		if hp == strings.ToLower(u.Host) {
			return true
		}
	}
	for _, d := range l.domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}
