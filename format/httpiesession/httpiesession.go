package httpiesession

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// File is the content of an HTTPie session file, as HTTPie 3.x (and older
// versions, and xh) write it. Parse and Marshal round-trip it: unknown
// members, the old dict shapes of "cookies" and "headers", and the old
// shape of "auth" are kept.
//
// A File is a plain value; it is not safe to change from several goroutines
// at once.
type File struct {
	// Meta is the "__meta__" object.
	Meta Meta
	// Auth is the "auth" object.
	Auth Auth
	// Cookies are the stored cookies, in file order.
	Cookies []Cookie
	// Headers are the stored default headers, in order; names may repeat.
	Headers []Header
	// LegacyCookies and LegacyHeaders record that the file used the dict
	// shapes of HTTPie before 3.1.0 (cookies) and 3.2.0 (headers);
	// Marshal writes those shapes back. Files made by Export use the list
	// shapes.
	LegacyCookies bool
	LegacyHeaders bool
	// Extra holds the other top-level members, written back as they were.
	Extra map[string]json.RawMessage
}

// Meta is the "__meta__" object.
type Meta struct {
	// About is "HTTPie session file" (xh writes "xh session file").
	About string
	// Help is the documentation URL HTTPie writes.
	Help string
	// HTTPie is the version of HTTPie that wrote the file.
	HTTPie string
	// Extra holds other members ("xh": version, ...).
	Extra map[string]json.RawMessage
}

// Auth is the "auth" object. HTTPie 3 writes {"type", "raw_auth"}; older
// files have {"type", "username", "password"}, which HTTPie still reads and
// also uses, with nulls, for "no auth".
type Auth struct {
	// Type is "basic", "digest", "bearer" or a plugin's auth type; "" is
	// null (no auth).
	Type string
	// RawAuth is "user:password" (basic, digest) or the token (bearer);
	// nil when the file has the older shape (or a null raw_auth, which
	// Extra then keeps).
	RawAuth *string
	// Username and Password are the older shape's members; nil is null.
	Username, Password *string
	// Extra holds other members, written back as they were.
	Extra map[string]json.RawMessage
}

// Cookie is one stored cookie. HTTPie keeps only these attributes: HttpOnly,
// SameSite and host-only are not representable.
type Cookie struct {
	Name  string
	Value string
	// Domain is the cookie's domain as Python's cookie jar records it:
	// ".example.com" for a domain cookie, "example.com" for a host-only
	// one, "localhost.local" for a host-only localhost cookie, "" for a
	// legacy cookie bound to no host, nil (JSON null) for one explicitly
	// bound to none; HTTPie sends unbound cookies to every host.
	Domain *string
	// Path defaults to "/".
	Path string
	// Secure is the Secure attribute.
	Secure bool
	// Expires is the expiry in Unix seconds; nil for a session cookie.
	Expires *int64
	// Extra holds other members, written back as they were.
	Extra map[string]json.RawMessage
}

// Header is one stored header.
type Header struct {
	Name, Value string
}

// ParseError describes why data is not an HTTPie session file.
type ParseError struct {
	// Where is the member at fault, such as "cookies[2].expires"; "" for
	// the whole document.
	Where string
	// Err is the problem.
	Err error
}

// Error returns "httpiesession: <where>: <problem>".
func (e *ParseError) Error() string {
	if e.Where == "" {
		return "httpiesession: " + e.Err.Error()
	}
	return "httpiesession: " + e.Where + ": " + e.Err.Error()
}

// Unwrap returns the problem.
func (e *ParseError) Unwrap() error { return e.Err }

func perr(where string, err error) error { return &ParseError{Where: where, Err: err} }

func kind(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func isNull(raw json.RawMessage) bool { return strings.TrimSpace(string(raw)) == "null" }

func object(where string, raw json.RawMessage) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if isNull(raw) {
		return nil, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, perr(where, fmt.Errorf("want an object, got %s", kind(raw)))
	}
	return m, nil
}

func str(where string, raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", perr(where, fmt.Errorf("want a string, got %s", kind(raw)))
	}
	return s, nil
}

func optStr(where string, raw json.RawMessage) (*string, error) {
	if raw == nil || isNull(raw) {
		return nil, nil
	}
	s, err := str(where, raw)
	return &s, err
}

// Parse decodes an HTTPie session file. Errors are *ParseError values
// saying which member is at fault; Parse never panics.
func Parse(data []byte) (*File, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset)
			return nil, perr(fmt.Sprintf("line %d, column %d", line, col), se)
		}
		return nil, perr("", fmt.Errorf("want a JSON object, got %s", kind(data)))
	}
	if top == nil {
		return nil, perr("", errors.New("want a JSON object, got null"))
	}
	if _, ok := top["format"]; ok {
		if _, ok := top["__meta__"]; !ok {
			return nil, perr("", errors.New(`no "__meta__" member but a "format" one: this looks like a limpet session snapshot, not an HTTPie session file`))
		}
	}
	f := &File{}
	for k, v := range top {
		var err error
		switch k {
		case "__meta__":
			err = f.parseMeta(v)
		case "auth":
			err = f.parseAuth(v)
		case "cookies":
			err = f.parseCookies(v)
		case "headers":
			err = f.parseHeaders(v)
		default:
			if f.Extra == nil {
				f.Extra = map[string]json.RawMessage{}
			}
			f.Extra[k] = v
		}
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

func lineCol(data []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(data)))
	line, col := 1, 1
	for _, c := range data[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

func (f *File) parseMeta(raw json.RawMessage) error {
	m, err := object("__meta__", raw)
	if err != nil {
		return err
	}
	for k, v := range m {
		var p *string
		switch k {
		case "about":
			p = &f.Meta.About
		case "help":
			p = &f.Meta.Help
		case "httpie":
			p = &f.Meta.HTTPie
		}
		if p == nil || isNull(v) {
			if f.Meta.Extra == nil {
				f.Meta.Extra = map[string]json.RawMessage{}
			}
			f.Meta.Extra[k] = v
			continue
		}
		if *p, err = str("__meta__."+k, v); err != nil {
			return err
		}
	}
	return nil
}

func (f *File) parseAuth(raw json.RawMessage) error {
	m, err := object("auth", raw)
	if err != nil {
		return err
	}
	a := &f.Auth
	for k, v := range m {
		switch k {
		case "type":
			var t *string
			if t, err = optStr("auth.type", v); t != nil {
				a.Type = *t
			}
		case "raw_auth":
			a.RawAuth, err = optStr("auth.raw_auth", v)
			if a.RawAuth == nil && err == nil {
				// A null raw_auth: keep it, and with it the new shape.
				if a.Extra == nil {
					a.Extra = map[string]json.RawMessage{}
				}
				a.Extra["raw_auth"] = v
			}
		case "username":
			a.Username, err = optStr("auth.username", v)
		case "password":
			a.Password, err = optStr("auth.password", v)
		default:
			if a.Extra == nil {
				a.Extra = map[string]json.RawMessage{}
			}
			a.Extra[k] = v
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (f *File) parseCookies(raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	switch kind(raw) {
	case "an object": // before 3.1.0: {"name": {value, path, secure, expires}}
		f.LegacyCookies = true
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return perr("cookies", err)
		}
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		// HTTPie writes dicts with sorted keys; sort for determinism.
		slices.Sort(names)
		for _, name := range names {
			c, err := parseCookie("cookies."+name, m[name], &name)
			if err != nil {
				return err
			}
			f.Cookies = append(f.Cookies, c)
		}
	case "an array":
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return perr("cookies", err)
		}
		f.Cookies = make([]Cookie, 0, len(list))
		for i, v := range list {
			c, err := parseCookie("cookies["+strconv.Itoa(i)+"]", v, nil)
			if err != nil {
				return err
			}
			f.Cookies = append(f.Cookies, c)
		}
	default:
		return perr("cookies", fmt.Errorf("want an array or an object, got %s", kind(raw)))
	}
	return nil
}

// parseCookie reads one cookie; name is the dict key of the old shape.
func parseCookie(where string, raw json.RawMessage, name *string) (Cookie, error) {
	m, err := object(where, raw)
	if err != nil {
		return Cookie{}, err
	}
	if m == nil {
		return Cookie{}, perr(where, errors.New("want an object, got null"))
	}
	c := Cookie{Path: "/"}
	hasName := name != nil
	if name != nil {
		c.Name = *name
	}
	empty := ""
	c.Domain = &empty // absent: the legacy unbound form
	for k, v := range m {
		w := where + "." + k
		switch k {
		case "name": // in the dict shape it overrides the key, as in HTTPie
			hasName = true
			c.Name, err = str(w, v)
		case "value":
			var s *string
			if s, err = optStr(w, v); s != nil {
				c.Value = *s
			}
		case "domain":
			c.Domain, err = optStr(w, v)
		case "path":
			var s *string
			if s, err = optStr(w, v); s != nil {
				c.Path = *s
			}
		case "secure":
			if !isNull(v) {
				if err = json.Unmarshal(v, &c.Secure); err != nil {
					err = perr(w, fmt.Errorf("want a boolean, got %s", kind(v)))
				}
			}
		case "expires":
			c.Expires, err = parseExpires(w, v)
		default:
			if c.Extra == nil {
				c.Extra = map[string]json.RawMessage{}
			}
			c.Extra[k] = v
		}
		if err != nil {
			return Cookie{}, err
		}
	}
	if !hasName {
		return Cookie{}, perr(where, errors.New(`no "name" member`))
	}
	return c, nil
}

func parseExpires(where string, v json.RawMessage) (*int64, error) {
	if isNull(v) {
		return nil, nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil || kind(v) != "a number" {
		return nil, perr(where, fmt.Errorf("want Unix seconds or null, got %s", kind(v)))
	}
	if i, err := n.Int64(); err == nil {
		return &i, nil
	}
	fl, err := n.Float64()
	if err != nil || math.IsNaN(fl) || fl > 1e15 || fl < -1e15 {
		return nil, perr(where, fmt.Errorf("expiry %s is out of range", n))
	}
	i := int64(math.Floor(fl))
	return &i, nil
}

func (f *File) parseHeaders(raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	switch kind(raw) {
	case "an object": // before 3.2.0: {"Name": "value"}
		f.LegacyHeaders = true
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return perr("headers", err)
		}
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, n := range names {
			v, err := str("headers."+n, m[n])
			if err != nil {
				return err
			}
			f.Headers = append(f.Headers, Header{Name: n, Value: v})
		}
	case "an array":
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return perr("headers", err)
		}
		f.Headers = make([]Header, 0, len(list))
		for i, v := range list {
			w := "headers[" + strconv.Itoa(i) + "]"
			m, err := object(w, v)
			if err != nil {
				return err
			}
			var h Header
			nv, ok := m["name"]
			if !ok {
				return perr(w, errors.New(`no "name" member`))
			}
			if h.Name, err = str(w+".name", nv); err != nil {
				return err
			}
			if vv, ok := m["value"]; ok {
				if h.Value, err = str(w+".value", vv); err != nil {
					return err
				}
			}
			f.Headers = append(f.Headers, h)
		}
	default:
		return perr("headers", fmt.Errorf("want an array or an object, got %s", kind(raw)))
	}
	return nil
}

// Marshal encodes f exactly as HTTPie writes session files: 4-space
// indent, keys sorted, non-ASCII characters escaped, a trailing newline.
func (f *File) Marshal() ([]byte, error) {
	top := map[string]any{}
	for k, v := range f.Extra {
		pv, err := rawToPy(v)
		if err != nil {
			return nil, fmt.Errorf("httpiesession: marshal %s: %w", k, err)
		}
		top[k] = pv
	}
	meta := map[string]any{}
	if err := putExtras(meta, f.Meta.Extra, "__meta__"); err != nil {
		return nil, err
	}
	for k, v := range map[string]string{"about": f.Meta.About, "help": f.Meta.Help, "httpie": f.Meta.HTTPie} {
		if v != "" {
			meta[k] = v
		}
	}
	top["__meta__"] = meta

	auth := map[string]any{}
	if err := putExtras(auth, f.Auth.Extra, "auth"); err != nil {
		return nil, err
	}
	auth["type"] = nilIfEmpty(f.Auth.Type)
	if f.Auth.RawAuth != nil {
		auth["raw_auth"] = *f.Auth.RawAuth
	} else if _, nullRaw := f.Auth.Extra["raw_auth"]; !nullRaw {
		auth["username"] = optPy(f.Auth.Username)
		auth["password"] = optPy(f.Auth.Password)
	}
	top["auth"] = auth

	if f.LegacyCookies {
		cookies := map[string]any{}
		for _, c := range f.Cookies {
			m, err := c.py()
			if err != nil {
				return nil, err
			}
			delete(m, "name")
			cookies[c.Name] = m
		}
		top["cookies"] = cookies
	} else {
		cookies := make([]any, 0, len(f.Cookies))
		for _, c := range f.Cookies {
			m, err := c.py()
			if err != nil {
				return nil, err
			}
			cookies = append(cookies, m)
		}
		top["cookies"] = cookies
	}

	if f.LegacyHeaders {
		headers := map[string]any{}
		for _, h := range f.Headers {
			headers[h.Name] = h.Value // as HTTPie: the last value of a name wins
		}
		top["headers"] = headers
	} else {
		headers := make([]any, 0, len(f.Headers))
		for _, h := range f.Headers {
			headers = append(headers, map[string]any{"name": h.Name, "value": h.Value})
		}
		top["headers"] = headers
	}

	b, err := appendPy(make([]byte, 0, 256+len(f.Cookies)*200), top, 0)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func (c Cookie) py() (map[string]any, error) {
	m := map[string]any{}
	if err := putExtras(m, c.Extra, "cookie "+c.Name); err != nil {
		return nil, err
	}
	m["name"] = c.Name
	m["value"] = c.Value
	m["domain"] = optPy(c.Domain)
	m["path"] = c.Path
	m["secure"] = c.Secure
	if c.Expires != nil {
		m["expires"] = *c.Expires
	} else {
		m["expires"] = nil
	}
	return m, nil
}

func putExtras(dst map[string]any, extra map[string]json.RawMessage, where string) error {
	for k, v := range extra {
		pv, err := rawToPy(v)
		if err != nil {
			return fmt.Errorf("httpiesession: marshal %s.%s: %w", where, k, err)
		}
		dst[k] = pv
	}
	return nil
}

func optPy(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
