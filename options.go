package limpet

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/limpet-http/limpet/jar"
)

// Defaults used where an Options field is left at its zero value.
const (
	// DefaultTimeout bounds a whole exchange (connect, send, redirects,
	// reading the response body) when Options.Timeout is zero. requests has
	// no default timeout, which leaves programs hanging on a dead server;
	// limpet picks one that is long for an API call and short for a stuck one.
	DefaultTimeout = 30 * time.Second
	// DefaultDialTimeout bounds establishing a TCP connection.
	DefaultDialTimeout = 10 * time.Second
	// DefaultMaxRedirects is the number of redirects followed before
	// ErrTooManyRedirects, as in requests and browsers' common limits.
	DefaultMaxRedirects = 10
	// DefaultMaxIdleConnsPerHost is the idle-connection pool size per host.
	DefaultMaxIdleConnsPerHost = 16
	// DefaultIdleConnTimeout is how long an idle pooled connection is kept.
	DefaultIdleConnTimeout = 90 * time.Second
)

// NoTimeout, as Options.Timeout or Request.Timeout, disables the timeout. A
// zero value means "the default", so switching the timeout off is always an
// explicit choice.
const NoTimeout time.Duration = -1

// NoRedirects, as Options.MaxRedirects or Request.MaxRedirects, stops at the
// first response: a 3xx response is returned to the caller as it is.
const NoRedirects = -1

// Options configures a Session. The zero value is useful: cookies are kept
// in an RFC 6265bis jar, requests time out after DefaultTimeout, redirects are
// followed up to DefaultMaxRedirects, proxies come from the environment and
// TLS certificates are verified.
//
// Options is read once by New; changing it afterwards has no effect.
type Options struct {
	// BaseURL, when set, is the URL relative request URLs are resolved
	// against ("/api/items" or "items"). It must be absolute. Its path is
	// the prefix of every relative request path, as with httpx's or
	// resty's base URL: with "http://host/app", "/api/items" and
	// "api/items" both go to "http://host/app/api/items" (an application
	// under a servlet context path). A URL with a host, or a query alone,
	// resolves as RFC 3986 says.
	BaseURL string

	// Header holds default headers sent with every request unless the
	// request sets the same header itself. A request can remove a default
	// header by setting its key with no values.
	Header http.Header
	// Query holds default query parameters added to every request URL that
	// does not already carry a parameter of the same name.
	Query url.Values
	// UserAgent replaces DefaultUserAgent. A User-Agent in Header or on the
	// request wins over both.
	UserAgent string
	// Auth adds credentials to every request sent to the origin of the
	// request that started the exchange; nil sends none. See BasicAuth,
	// BearerAuth and DigestAuth.
	Auth Auth

	// Authenticator, when set, logs the session in when the server asks
	// for it (and on Session.Login), prepares every request (CSRF and
	// bearer tokens), and recovers when a response shows the server
	// session expired or a token was refused: once, shared by all
	// goroutines, replaying the request when that is safe. See
	// Authenticator and package spring.
	Authenticator Authenticator

	// Jar stores cookies between requests. nil means a new limpet jar
	// (package jar). Any http.CookieJar works; limpet's own jar also
	// receives the raw Set-Cookie lines so that no attribute is lost.
	Jar http.CookieJar

	// JarOptions configures the jar the Session makes when Jar is nil:
	// its caps, clock and public suffix list. With Store, the Session
	// wraps JarOptions.OnChange to learn of changes (the given one is
	// still called).
	JarOptions jar.Options

	// Timeout bounds each exchange, redirects and reading the body
	// included. Zero means DefaultTimeout; NoTimeout means none (a context
	// deadline still applies).
	Timeout time.Duration
	// DialTimeout bounds connecting; zero means DefaultDialTimeout.
	DialTimeout time.Duration
	// MaxRedirects is the number of redirects followed; zero means
	// DefaultMaxRedirects, NoRedirects means none.
	MaxRedirects int

	// Retry says when a failed request is sent again; the zero value
	// retries idempotent requests after connection failures and 429, 502,
	// 503 and 504 responses, at most DefaultMaxRetries times.
	Retry RetryPolicy

	// Proxy configures proxies; the zero value takes them from the
	// environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY).
	Proxy ProxyOptions
	// TLS configures certificate verification and client certificates; the
	// zero value verifies servers against the system roots with TLS 1.2 or
	// later.
	TLS TLSOptions

	// MaxIdleConnsPerHost sizes the connection pool per host; zero means
	// DefaultMaxIdleConnsPerHost.
	MaxIdleConnsPerHost int
	// MaxConnsPerHost limits connections per host, idle or not; zero means
	// no limit.
	MaxConnsPerHost int
	// IdleConnTimeout is how long idle connections are kept; zero means
	// DefaultIdleConnTimeout.
	IdleConnTimeout time.Duration
	// DisableHTTP2 keeps connections on HTTP/1.1.
	DisableHTTP2 bool
	// DialContext replaces the dialer, for example to reach a test server
	// under another host name or through a custom network. nil means a
	// net.Dialer with DialTimeout.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// Transport replaces the base transport. When set, the pool, proxy, TLS
	// and dial options above are not applied: they configure the
	// *http.Transport limpet builds otherwise.
	Transport http.RoundTripper

	// Middleware wraps the base transport, innermost first: each function
	// gets the next RoundTripper and returns one that calls it. Requests
	// reach middleware after defaults, credentials and cookies are applied,
	// once per attempt and per redirect hop.
	Middleware []func(http.RoundTripper) http.RoundTripper
	// OnRequest hooks run in order before each request is sent (each
	// redirect hop included), on a copy of the request they may modify. An
	// error stops the request and is returned, wrapped, to the caller.
	OnRequest []func(*http.Request) error
	// OnResponse hooks run in order on each response (each redirect hop
	// included) before it is handed on. An error closes the response and is
	// returned, wrapped, to the caller.
	OnResponse []func(*http.Response) error

	// Store, when set, keeps the session's cookies (session cookies
	// included) and its authenticator's state between processes: New loads
	// what it holds, and changes are saved to it (see ManualSave). Several
	// processes may share one stored session: every save merges, cookie by
	// cookie, with what the others saved. Store needs the Session's own
	// jar, so Jar must be nil.
	Store SessionStore
	// StateSavers add state of their own to what is saved with the
	// session (and get it back when it is loaded or merged), alongside an
	// Authenticator that implements StateSaver.
	StateSavers []StateSaver
	// ManualSave turns autosave off: the state is written only by
	// Session.Save and Session.Close. With autosave (the default), a change
	// is written in the background, SaveDelay after it, together with any
	// other changes made meanwhile, and Close writes what is left. After a
	// failed login neither writes (see Session.Close).
	ManualSave bool
	// SaveDelay is autosave's wait after a change; zero means
	// DefaultSaveDelay.
	SaveDelay time.Duration
	// RecoveryWait bounds how long a request waits for another process's
	// login when Store is shared by processes (a RecoveryLocker: the file
	// and Redis stores); zero means DefaultRecoveryWait. See
	// RecoveryLocker.
	RecoveryWait time.Duration

	// Logger receives one debug record per request and response, with
	// credentials, cookies and tokens redacted. nil means no logging, except
	// for warnings (TLS verification turned off, a saved cookie that could
	// not be restored), which then go to slog.Default().
	Logger *slog.Logger
}

// ProxyOptions chooses proxies. Precedence, most specific first: a proxy set
// on the Request, then URLs, then the environment (unless IgnoreEnvironment).
type ProxyOptions struct {
	// URLs maps a request scheme ("http", "https") or "all" to a proxy URL.
	// Proxy URL schemes may be http, https, socks5 or socks5h; credentials
	// in the URL are sent to the proxy.
	URLs map[string]string
	// IgnoreEnvironment stops HTTP_PROXY, HTTPS_PROXY and NO_PROXY from being
	// read (requests' trust_env=False).
	IgnoreEnvironment bool
	// NoProxy lists hosts that never use a proxy set in URLs, in NO_PROXY's
	// syntax ("example.com,.internal,10.0.0.0/8").
	NoProxy string
}

// TLSOptions configures TLS for a Session.
type TLSOptions struct {
	// CAFile names a PEM file of extra root certificates, trusted in
	// addition to the system roots.
	CAFile string
	// CAPEM holds extra root certificates in PEM, like CAFile.
	CAPEM []byte
	// CertFile and KeyFile name a PEM client certificate and its key.
	CertFile, KeyFile string
	// MinVersion is the lowest TLS version accepted; zero means TLS 1.2.
	MinVersion uint16
	// InsecureSkipVerify turns off certificate verification. It is logged
	// as a warning when the Session is created. Use CAFile instead where
	// possible.
	InsecureSkipVerify bool
	// Config, when set, is cloned and used as the base of the TLS
	// configuration; the fields above are applied on top of it.
	Config *tls.Config
}
