package httpiesession

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/limpet-http/limpet/internal/sessionauth"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/token"
)

// DefaultHTTPieVersion is the "__meta__.httpie" value Export writes: the
// HTTPie version whose file layout (list-shaped cookies and headers,
// raw_auth) the exported file follows.
const DefaultHTTPieVersion = "3.2.1"

// ImportOptions tune Import and File.Snapshot. The zero value needs files
// whose cookies are all bound to a host.
type ImportOptions struct {
	// Host is the host the session belongs to (the URL's host, or the
	// directory the file was found in, without the port). Cookies the file
	// binds to no host (the legacy "" domain or null) are imported as
	// host-only cookies of Host; without Host they are an error.
	Host string
	// Now stamps the imported cookies' Created, Updated and LastAccess and
	// the Updated time of headers and auth; zero means time.Now().
	Now time.Time
}

// Import parses an HTTPie session file into a snapshot. See File.Snapshot.
func Import(data []byte, opts ImportOptions) (store.Snapshot, error) {
	f, err := Parse(data)
	if err != nil {
		return store.Snapshot{}, err
	}
	return f.Snapshot(opts)
}

// Snapshot converts the file into a limpet snapshot:
//
//   - a domain ".example.com" is a domain cookie for example.com; any other
//     is host-only, and "localhost.local", which HTTPie writes for
//     localhost, becomes "localhost". Domains are lower-cased.
//   - expires null is a session cookie; HTTPie does not record HttpOnly,
//     SameSite or the creation time, so they are unset, and Created,
//     Updated and LastAccess are opts.Now.
//   - headers become the default headers, in order.
//   - auth becomes the session's authentication settings (the State entry
//     the command-line tool's -a keeps with --session): "basic" and
//     "digest" give the kind, user and password from raw_auth
//     "user:password" (or the older username and password); "bearer" gives
//     the kind and the token; other types keep their name as the kind, and
//     a raw_auth without ":" is taken as the password. The password goes in
//     the entry's Secret, which the file store does not write unless asked
//     to (filestore.Options.SavePasswords).
//
// A later cookie with the same name, domain and path replaces an earlier one.
func (f *File) Snapshot(opts ImportOptions) (store.Snapshot, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	host := strings.ToLower(stripPort(opts.Host))
	var s store.Snapshot
	index := map[jar.Key]int{}
	for i, hc := range f.Cookies {
		c := jar.Cookie{Name: hc.Name, Value: hc.Value, Path: hc.Path, Secure: hc.Secure,
			Created: now, Updated: now, LastAccess: now}
		d := ""
		if hc.Domain != nil {
			d = strings.ToLower(*hc.Domain)
		}
		switch {
		case d == "":
			if host == "" {
				return store.Snapshot{}, fmt.Errorf("httpiesession: cookies[%d] (%q) is bound to no host: set ImportOptions.Host", i, hc.Name)
			}
			c.Domain, c.HostOnly = host, true
		case d == "localhost.local":
			c.Domain, c.HostOnly = "localhost", true
		case strings.HasPrefix(d, "."):
			c.Domain = strings.TrimLeft(d, ".")
		default:
			c.Domain, c.HostOnly = d, true
		}
		if c.Domain == "" {
			return store.Snapshot{}, fmt.Errorf("httpiesession: cookies[%d] (%q): domain %q has no host", i, hc.Name, d)
		}
		if c.Path == "" {
			c.Path = "/"
		}
		if c.Path[0] != '/' {
			return store.Snapshot{}, fmt.Errorf("httpiesession: cookies[%d] (%q): path %q does not start with \"/\"", i, hc.Name, c.Path)
		}
		if hc.Expires != nil {
			c.Persistent = true
			c.Expires = time.Unix(*hc.Expires, 0).UTC()
		}
		if j, ok := index[c.Key()]; ok {
			s.Cookies[j].Cookie = c
			continue
		}
		index[c.Key()] = len(s.Cookies)
		s.Cookies = append(s.Cookies, store.Cookie{Cookie: c})
	}
	if len(f.Headers) > 0 {
		h := &store.Headers{Updated: now, List: make([]store.Header, len(f.Headers))}
		for i, fh := range f.Headers {
			h.List[i] = store.Header{Name: fh.Name, Value: fh.Value}
		}
		s.Headers = h
	}
	if a := f.Auth; a.Type != "" {
		auth := sessionauth.Settings{Kind: a.Type, Updated: now}
		switch {
		case a.RawAuth != nil && a.Type == "bearer":
			auth.Token = *a.RawAuth
		case a.RawAuth != nil:
			if user, pass, ok := strings.Cut(*a.RawAuth, ":"); ok {
				auth.User, auth.Password = user, pass
			} else {
				auth.Password = *a.RawAuth
			}
		default:
			if a.Username != nil {
				auth.User = *a.Username
			}
			if a.Password != nil {
				auth.Password = *a.Password
			}
		}
		if auth.Password != "" {
			auth.PasswordFrom = sessionauth.FromStored
		}
		if err := sessionauth.Save(&s, store.Snapshot{}, auth); err != nil {
			return store.Snapshot{}, fmt.Errorf("httpiesession: auth: %w", err)
		}
	}
	return s, nil
}

func stripPort(host string) string {
	if strings.HasPrefix(host, "[") {
		if i := strings.IndexByte(host, ']'); i > 0 {
			return host[1:i]
		}
		return host
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.Count(host, ":") == 1 {
		if _, err := strconv.Atoi(host[i+1:]); err == nil {
			return host[:i]
		}
	}
	return host
}

// ExportOptions tune Export. The zero value writes no credentials.
type ExportOptions struct {
	// Credentials writes the password (basic, digest) or the bearer token
	// into "auth" as HTTPie's raw_auth. Off by default: HTTPie keeps them
	// in plain text, in a file anyone with read access to it (a backup, a
	// synced folder) can use. Without it "auth" is HTTPie's empty one.
	Credentials bool
	// HTTPieVersion is written as "__meta__.httpie"; empty means
	// DefaultHTTPieVersion.
	HTTPieVersion string
	// Now decides which cookies have expired; they are not exported. Zero
	// means time.Now().
	Now time.Time
}

// Export converts a snapshot into an HTTPie session file (write it with
// File.Marshal), in the layout of HTTPie 3.2:
//
//   - a domain cookie's domain is ".example.com", a host-only one's is the
//     host, and "localhost" (any host without a dot) gets HTTPie's ".local"
//     suffix so that HTTPie sends it back. HttpOnly, SameSite and
//     Partitioned have no place in the format and are lost; on reading
//     the file back, HTTPie sends a host-only cookie to subdomains too.
//   - session cookies have expires null; expired cookies are left out.
//   - default headers are kept, except Cookie, Content-* and If-*, which
//     HTTPie does not keep in sessions either.
//   - auth is written only with opts.Credentials (see ExportOptions).
func Export(s store.Snapshot, opts ExportOptions) (*File, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	version := opts.HTTPieVersion
	if version == "" {
		version = DefaultHTTPieVersion
	}
	f := &File{
		Meta:    Meta{About: "HTTPie session file", Help: "https://httpie.io/docs#sessions", HTTPie: version},
		Cookies: []Cookie{},
		Headers: []Header{},
	}
	for _, c := range s.Cookies {
		if c.Expired(now) {
			continue
		}
		if c.Domain == "" || c.Path == "" {
			return nil, fmt.Errorf("httpiesession: cookie %s has no domain or path", c.Key())
		}
		d := strings.TrimPrefix(c.Domain, ".")
		switch {
		case !c.HostOnly:
			d = "." + d
		case !strings.ContainsAny(d, ".:"):
			d += ".local" // what Python's cookie jar records for a dotless host
		}
		hc := Cookie{Name: c.Name, Value: c.Value, Domain: &d, Path: c.Path, Secure: c.Secure}
		if c.Persistent {
			e := c.Expires.Unix()
			hc.Expires = &e
		}
		f.Cookies = append(f.Cookies, hc)
	}
	if s.Headers != nil {
		for _, h := range s.Headers.List {
			l := strings.ToLower(h.Name)
			if l == "cookie" || strings.HasPrefix(l, "content-") || strings.HasPrefix(l, "if-") {
				continue
			}
			f.Headers = append(f.Headers, Header{Name: h.Name, Value: h.Value})
		}
	}
	if !opts.Credentials {
		return f, nil
	}
	a, _, ok := sessionauth.Load(s)
	switch kind := strings.ToLower(a.Kind); {
	case ok && (kind == "basic" || kind == "digest"):
		if a.User != "" || a.Password != "" {
			raw := a.User + ":" + a.Password
			f.Auth = Auth{Type: kind, RawAuth: &raw}
		}
	case ok && kind == "bearer" && a.Token != "":
		f.Auth = Auth{Type: "bearer", RawAuth: &a.Token}
	case !ok || kind == "bearer":
		if tok := onlyToken(s); tok != "" {
			f.Auth = Auth{Type: "bearer", RawAuth: &tok}
		}
	}
	return f, nil
}

// onlyToken returns the access token of the one token source whose token
// s keeps, or "" when it keeps none or several.
func onlyToken(s store.Snapshot) string {
	toks := token.SavedTokens(s)
	if len(toks) != 1 {
		return ""
	}
	for _, t := range toks {
		return t.AccessToken
	}
	return ""
}
