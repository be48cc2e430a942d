package tomcat

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
	"github.com/limpet-http/limpet/store"
)

// NonceParam is the request parameter of Tomcat's CsrfPreventionFilter.
const NonceParam = "org.apache.catalina.filters.CSRF_NONCE"

// NonceOptions configures ManagerCSRF. The zero value fits Tomcat's
// manager application at /manager.
type NonceOptions struct {
	// EntryPoint is a page the filter serves without a nonce and whose
	// links carry one, absolute or relative to the Session's BaseURL;
	// empty means "/manager/html".
	EntryPoint string
	// PathPrefix selects the requests that carry the nonce: those whose
	// URL path starts with it. Empty means the EntryPoint's path.
	PathPrefix string
	// Param is the nonce's parameter name; empty means NonceParam.
	Param string
}

// Nonce is the CSRF strategy of pages guarded by Tomcat's
// CsrfPreventionFilter, such as the manager's HTML interface: the filter
// refuses (403) any request but its entry points unless it carries one of
// the last five nonces it wrote into the session's pages. Nonce learns the
// newest nonce from every HTML page the Session receives under PathPrefix,
// adds it to each request there, and when the filter refuses one anyway (a
// nonce pushed out of the cache by five newer pages) fetches a fresh one
// from the entry point and lets the Session replay the request: the filter
// stopped it before the application.
//
// It implements limpet.Authenticator; the manager's own BASIC
// authentication comes from limpet.Options.Auth. The nonce belongs to the
// server session, whose cookie the Session's jar keeps. Safe for
// concurrent use.
type Nonce struct {
	o NonceOptions

	mu     sync.Mutex // guards nonce and prefix
	nonce  string
	prefix string // resolved PathPrefix, once known
}

// ManagerCSRF returns the nonce strategy for Tomcat's manager HTML
// interface (or another application behind CsrfPreventionFilter).
func ManagerCSRF(o NonceOptions) *Nonce {
	if o.EntryPoint == "" {
		o.EntryPoint = "/manager/html"
	}
	if o.Param == "" {
		o.Param = NonceParam
	}
	n := &Nonce{o: o, prefix: o.PathPrefix}
	if n.prefix == "" {
		if u, err := url.Parse(o.EntryPoint); err == nil {
			n.prefix = u.Path
		}
	}
	return n
}

// Current returns the nonce that the next request will carry ("" before
// one was learned).
func (n *Nonce) Current() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.nonce
}

// fetch fetches the entry point and learns its nonce.
func (n *Nonce) fetch(ctx context.Context, s limpet.Env) error {
	req, err := s.NewRequest(ctx, &limpet.Request{URL: n.o.EntryPoint, Header: http.Header{"Accept": {"text/html"}}})
	if err != nil {
		return fmt.Errorf("tomcat: %w", err)
	}
	resp, err := s.BareClient().Do(req)
	if err != nil {
		return fmt.Errorf("tomcat: fetching a CSRF nonce: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, htmlform.MaxSize))
	if err != nil {
		return fmt.Errorf("tomcat: fetching a CSRF nonce: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("tomcat: fetching a CSRF nonce: %s answered %s", req.URL.Redacted(), resp.Status)
	}
	nonce, ok := ExtractNonce(body, n.o.Param)
	if !ok {
		return fmt.Errorf("tomcat: %s carries no %s", req.URL.Redacted(), n.o.Param)
	}
	n.mu.Lock()
	n.nonce = nonce
	n.mu.Unlock()
	return nil
}

// Recover fetches the entry point and learns its nonce
// (limpet.Authenticator), for a login (limpet.NoSession) as for a
// rejected nonce.
func (n *Nonce) Recover(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	return n.fetch(ctx, s)
}

// Refresh fetches a fresh nonce (limpet.CSRFStrategy), so that a Nonce
// combines with a login with limpet.Chain.
func (n *Nonce) Refresh(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	return n.fetch(ctx, s)
}

// Prepare sets the nonce parameter on requests under PathPrefix.
func (n *Nonce) Prepare(env limpet.Env, req *http.Request) error {
	if !n.covers(req.URL) {
		return nil
	}
	nonce := n.Current()
	if nonce == "" {
		return nil
	}
	raw := req.URL.RawQuery
	if q, err := url.ParseQuery(raw); err == nil && q.Has(n.o.Param) {
		q.Set(n.o.Param, nonce)
		req.URL.RawQuery = q.Encode()
		return nil
	}
	if raw != "" {
		raw += "&"
	}
	req.URL.RawQuery = raw + url.QueryEscape(n.o.Param) + "=" + url.QueryEscape(nonce)
	return nil
}

// Check learns the nonce of HTML pages under PathPrefix, and reads a 403
// that names CSRF protection as limpet.CSRFRejected.
func (n *Nonce) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	final := resp.Request
	if final == nil {
		final = req
	}
	if !n.covers(final.URL) {
		return limpet.Verdict{}
	}
	switch {
	case resp.StatusCode == http.StatusForbidden:
		if bytes.Contains(bytes.ToLower(peek(resp, PeekSize)), []byte("csrf")) {
			return limpet.Verdict{Kind: limpet.CSRFRejected, NotExecuted: true, Reason: "403 CSRF nonce refused"}
		}
	case resp.StatusCode == http.StatusOK && strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "html"):
		if nonce, ok := ExtractNonce(peek(resp, htmlform.MaxSize), n.o.Param); ok {
			n.mu.Lock()
			n.nonce = nonce
			n.mu.Unlock()
		}
	}
	return limpet.Verdict{}
}

func (n *Nonce) covers(u *url.URL) bool {
	n.mu.Lock()
	prefix := n.prefix
	n.mu.Unlock()
	return prefix != "" && strings.HasPrefix(u.Path, prefix)
}

// SaveState does nothing: a nonce is worth nothing without the server
// session it belongs to, and the next process fetches a fresh one.
func (n *Nonce) SaveState(*store.Snapshot) {}

// LoadState does nothing (see SaveState).
func (n *Nonce) LoadState(store.Snapshot) {}

var nonceValue = regexp.MustCompile(`^[A-Za-z0-9_\-.~]{1,256}$`)

// ExtractNonce returns the CSRF nonce an HTML page carries in the URLs of
// its forms (Tomcat writes the same nonce into every link and form action
// of a page, HTML-escaped: "&amp;org.apache.catalina.filters.CSRF_NONCE=").
// It reads the forms with the HTML parser, and falls back to the page's
// unescaped text for pages whose nonce is only in links. It reports false
// when there is none; it never panics and is safe for concurrent use.
func ExtractNonce(body []byte, param string) (string, bool) {
	if param == "" || !bytes.Contains(body, []byte(param)) {
		return "", false
	}
	if page, _ := htmlform.Parse(bytes.NewReader(body)); page != nil {
		for _, f := range page.Forms {
			u, err := url.Parse(strings.TrimSpace(f.Action))
			if err != nil {
				continue
			}
			q, err := url.ParseQuery(u.RawQuery)
			if err != nil {
				continue
			}
			if v := q.Get(param); nonceValue.MatchString(v) {
				return v, true
			}
		}
	}
	text := html.UnescapeString(string(body))
	for rest := text; ; {
		i := strings.Index(rest, param+"=")
		if i < 0 {
			return "", false
		}
		rest = rest[i+len(param)+1:]
		end := strings.IndexFunc(rest, func(r rune) bool { return !isNonceRune(r) })
		if end < 0 {
			end = len(rest)
		}
		if v := rest[:end]; nonceValue.MatchString(v) {
			return v, true
		}
	}
}

func isNonceRune(r rune) bool {
	return r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_-.~", r))
}

var _ limpet.CSRFStrategy = (*Nonce)(nil)
