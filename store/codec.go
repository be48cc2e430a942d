package store

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/limpet-http/limpet/jar"
)

// FormatError describes why data is not a valid snapshot. It wraps
// ErrCorrupt, and the underlying error when there is one.
type FormatError struct {
	// Where locates the problem: a member path such as "cookies[3].expires",
	// or "line 4, column 17" for a JSON syntax error; "" for the whole
	// document.
	Where string
	// Err is the problem.
	Err error
}

// Error returns "store: <where>: <problem>".
func (e *FormatError) Error() string {
	if e.Where == "" {
		return "store: " + e.Err.Error()
	}
	return "store: " + e.Where + ": " + e.Err.Error()
}

// Unwrap returns ErrCorrupt and the underlying error.
func (e *FormatError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

func formatErr(where string, err error) error { return &FormatError{Where: where, Err: err} }

// Member names of the JSON form; see FORMAT.md.
var (
	topKnown    = keySet("format", "version", "meta", "cookies", "tombstones", "headers", "auth", "tokens", "csrf", "login")
	metaKnown   = keySet("created", "updated", "limpet")
	cookieKnown = keySet("name", "name_b64", "value", "value_b64", "domain", "domain_b64", "path", "path_b64", "host_only", "persistent",
		"expires", "secure", "http_only", "same_site", "partitioned", "created", "updated", "last_access")
	headersKnown = keySet("updated", "list")
	authKnown    = keySet("kind", "user", "password_from", "password", "updated")
	tokenKnown   = keySet("source", "access_token", "refresh_token", "token_type", "expiry", "updated")
	csrfKnown    = keySet("token", "header_name", "param_name", "source", "updated")
	loginKnown   = keySet("url", "flow", "user", "password_from", "password", "params", "updated")
)

func keySet(keys ...string) func(string) bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return func(k string) bool { return m[k] }
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func decSameSite(v []byte) (jar.SameSite, error) {
	switch string(v) {
	case `"None"`:
		return jar.SameSiteNone, nil
	case `"Lax"`:
		return jar.SameSiteLax, nil
	case `"Strict"`:
		return jar.SameSiteStrict, nil
	case `""`, "null":
		return jar.SameSiteDefault, nil
	}
	s, err := decString(v)
	if err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("want \"None\", \"Lax\" or \"Strict\", got %q", s)
}

// interner shares the strings that repeat across cookies (domains, paths).
type interner struct{ m map[string]string }

func (in *interner) decString(v []byte) (string, error) {
	if s, ok := in.m[string(v)]; ok {
		return s, nil
	}
	s, err := decString(v)
	if err != nil {
		return "", err
	}
	if in.m == nil {
		in.m = map[string]string{}
	}
	if len(in.m) < 1024 {
		in.m[string(v)] = s
	}
	return s, nil
}

// Marshal returns the JSON form of s, as described in FORMAT.md: format
// and version first, one line per cookie and tombstone, a trailing newline.
// Times are written in UTC, RFC 3339 with nanoseconds. Cookie names,
// values, domains and paths that are not valid UTF-8 are written
// base64-encoded so that no byte is lost; other strings must be UTF-8
// (invalid bytes become U+FFFD). Members in Extra are written back, compacted, after the known
// ones; an Extra value that is not valid JSON is an error.
func Marshal(s Snapshot) ([]byte, error) {
	b := make([]byte, 0, 512+len(s.Cookies)*400+len(s.Tombstones)*120)
	return AppendMarshal(b, s)
}

// AppendMarshal appends the JSON form of s to b, like Marshal.
func AppendMarshal(b []byte, s Snapshot) ([]byte, error) {
	var firstErr error
	check := func(section string, idx int, o *object) {
		if o.err != nil && firstErr == nil {
			where := section
			if idx >= 0 {
				where += "[" + strconv.Itoa(idx) + "]"
			}
			firstErr = fmt.Errorf("store: marshal %s: %w", where, o.err)
		}
	}
	b = append(b, "{\n  \"format\": "...)
	b = appendString(b, FormatName)
	b = append(b, ",\n  \"version\": "...)
	b = strconv.AppendInt(b, FormatVersion, 10)

	b = append(b, ",\n  \"meta\": "...)
	o := beginObject(b)
	o.time("created", s.Meta.Created)
	o.time("updated", s.Meta.Updated)
	o.str("limpet", s.Meta.Limpet)
	o.extra(s.Meta.Extra, metaKnown)
	check("meta", -1, &o)
	b = o.end()

	if s.Auth != nil {
		b = append(b, ",\n  \"auth\": "...)
		o := beginObject(b)
		a := s.Auth
		o.str("kind", a.Kind)
		o.str("user", a.User)
		o.str("password_from", a.PasswordFrom)
		o.str("password", a.Password)
		o.time("updated", a.Updated)
		o.extra(a.Extra, authKnown)
		check("auth", -1, &o)
		b = o.end()
	}
	if s.Login != nil {
		b = append(b, ",\n  \"login\": "...)
		o := beginObject(b)
		l := s.Login
		o.str("url", l.URL)
		o.str("flow", l.Flow)
		o.str("user", l.User)
		o.str("password_from", l.PasswordFrom)
		o.str("password", l.Password)
		if len(l.Params) > 0 {
			o.key("params")
			p := beginObject(o.b)
			for _, k := range sortedKeys(l.Params) {
				p.strAlways(k, l.Params[k])
			}
			o.b = p.end()
		}
		o.time("updated", l.Updated)
		o.extra(l.Extra, loginKnown)
		check("login", -1, &o)
		b = o.end()
	}
	if s.Headers != nil {
		b = append(b, ",\n  \"headers\": "...)
		o := beginObject(b)
		h := s.Headers
		o.time("updated", h.Updated)
		o.key("list")
		o.b = append(o.b, '[')
		for i, hd := range h.List {
			if i > 0 {
				o.b = append(o.b, ", "...)
			}
			e := beginObject(o.b)
			e.strAlways("name", hd.Name)
			e.strAlways("value", hd.Value)
			o.b = e.end()
		}
		o.b = append(o.b, ']')
		o.extra(h.Extra, headersKnown)
		check("headers", -1, &o)
		b = o.end()
	}
	if s.CSRF != nil {
		b = append(b, ",\n  \"csrf\": "...)
		o := beginObject(b)
		c := s.CSRF
		o.str("token", c.Token)
		o.str("header_name", c.HeaderName)
		o.str("param_name", c.ParamName)
		o.str("source", c.Source)
		o.time("updated", c.Updated)
		o.extra(c.Extra, csrfKnown)
		check("csrf", -1, &o)
		b = o.end()
	}
	if s.Tokens != nil {
		b = append(b, ",\n  \"tokens\": ["...)
		for i, t := range s.Tokens {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n    "...)
			o := beginObject(b)
			o.strAlways("source", t.Source)
			o.str("access_token", t.AccessToken)
			o.str("refresh_token", t.RefreshToken)
			o.str("token_type", t.TokenType)
			o.time("expiry", t.Expiry)
			o.time("updated", t.Updated)
			o.extra(t.Extra, tokenKnown)
			check("tokens", i, &o)
			b = o.end()
		}
		b = closeArray(b, len(s.Tokens))
	}

	b = append(b, ",\n  \"cookies\": ["...)
	for i := range s.Cookies {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n    "...)
		c := &s.Cookies[i]
		o := beginObject(b)
		o.nameValue("name", c.Name, true)
		o.nameValue("value", c.Value, true)
		o.nameValue("domain", c.Domain, true)
		o.nameValue("path", c.Path, true)
		o.boolean("host_only", c.HostOnly)
		o.boolean("persistent", c.Persistent)
		o.time("expires", c.Expires)
		o.boolean("secure", c.Secure)
		o.boolean("http_only", c.HttpOnly)
		o.str("same_site", c.SameSite.String())
		o.boolean("partitioned", c.Partitioned)
		o.time("created", c.Created)
		o.time("updated", c.Updated)
		o.time("last_access", c.LastAccess)
		o.extra(c.Extra, cookieKnown)
		check("cookies", i, &o)
		b = o.end()
	}
	b = closeArray(b, len(s.Cookies))

	if len(s.Tombstones) > 0 {
		b = append(b, ",\n  \"tombstones\": ["...)
		for i, t := range s.Tombstones {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n    "...)
			o := beginObject(b)
			o.nameValue("domain", t.Key.Domain, true)
			o.boolean("host_only", t.Key.HostOnly)
			o.nameValue("path", t.Key.Path, true)
			o.nameValue("name", t.Key.Name, true)
			o.time("deleted", t.Deleted)
			b = o.end()
		}
		b = closeArray(b, len(s.Tombstones))
	}

	for _, k := range sortedKeys(s.Extra) {
		if topKnown(k) {
			continue
		}
		v := s.Extra[k]
		if !json.Valid(v) {
			if firstErr == nil {
				firstErr = fmt.Errorf("store: marshal: member %q of Extra is not valid JSON", k)
			}
			continue
		}
		b = append(b, ",\n  "...)
		b = appendString(b, k)
		b = append(b, ": "...)
		b = appendCompact(b, v)
	}
	b = append(b, "\n}\n"...)
	if firstErr != nil {
		return nil, firstErr
	}
	return b, nil
}

// nameValue writes a string that must survive byte for byte: as k when it
// is valid UTF-8, else as k+"_b64" in standard base64.
func (o *object) nameValue(k, v string, always bool) {
	if utf8.ValidString(v) {
		if always || v != "" {
			o.strAlways(k, v)
		}
		return
	}
	o.key(k + "_b64")
	o.b = append(o.b, '"')
	o.b = base64.StdEncoding.AppendEncode(o.b, []byte(v))
	o.b = append(o.b, '"')
}

func closeArray(b []byte, n int) []byte {
	if n == 0 {
		return append(b, ']')
	}
	return append(b, "\n  ]"...)
}

// MarshalJSON implements json.Marshaler with Marshal.
func (s Snapshot) MarshalJSON() ([]byte, error) { return Marshal(s) }

// UnmarshalJSON implements json.Unmarshaler with Parse.
func (s *Snapshot) UnmarshalJSON(data []byte) error {
	v, err := Parse(data)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Parse decodes a snapshot from its JSON form. Members this version does not
// know are kept in the Extra maps. Errors are *FormatError values that wrap
// ErrCorrupt and say where the problem is; Parse never panics.
//
// Parse rejects data whose "format" is not FormatName or whose "version" is
// newer than FormatVersion, and cookies without a domain, with a path not
// starting with "/", or with the same key (domain, path, name, host-only) as an earlier
// one.
func Parse(data []byte) (Snapshot, error) {
	var s Snapshot
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset)
			return s, formatErr(fmt.Sprintf("line %d, column %d", line, col), se)
		}
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return s, formatErr("", err)
	}
	it, err := members(data)
	if err != nil {
		return s, formatErr("", fmt.Errorf("want a JSON object, got %s", kindOf(bytes.TrimSpace(data))))
	}
	top := map[string][]byte{}
	for {
		k, esc, v, ok := it.next()
		if !ok {
			break
		}
		top[keyString(k, esc)] = v
	}
	fv, ok := top["format"]
	if !ok {
		if _, ok := top["__meta__"]; ok {
			return s, formatErr("", errors.New(`no "format" member: this looks like an HTTPie session file (import it with format/httpiesession)`))
		}
		return s, formatErr("", errors.New(`no "format" member: not a limpet session snapshot`))
	}
	f, err := decString(fv)
	if err != nil {
		return s, formatErr("format", err)
	}
	if f != FormatName {
		return s, formatErr("format", fmt.Errorf("%q is not %q", f, FormatName))
	}
	vv, ok := top["version"]
	if !ok {
		return s, formatErr("", errors.New(`no "version" member`))
	}
	ver, err := decInt(vv)
	if err != nil {
		return s, formatErr("version", err)
	}
	if ver < 1 || ver > FormatVersion {
		return s, formatErr("version", fmt.Errorf("format version %d is not supported (this limpet reads versions 1 to %d)", ver, FormatVersion))
	}

	for _, k := range sortedKeys(top) {
		v := top[k]
		var err error
		switch k {
		case "format", "version":
		case "meta":
			err = decodeMeta(v, &s.Meta)
		case "cookies":
			s.Cookies, err = decodeCookies(v)
		case "tombstones":
			s.Tombstones, err = decodeTombstones(v)
		case "headers":
			s.Headers, err = decodeHeaders(v)
		case "auth":
			s.Auth, err = decodeAuth(v)
		case "tokens":
			s.Tokens, err = decodeTokens(v)
		case "csrf":
			s.CSRF, err = decodeCSRF(v)
		case "login":
			s.Login, err = decodeLogin(v)
		default:
			putExtra(&s.Extra, k, v)
		}
		if err != nil {
			return Snapshot{}, err
		}
	}
	return s, nil
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}

// fields decodes an object member by member; where names it in errors.
type fields struct {
	where string
}

func (f *fields) wrap(k string, err error) error {
	if err == nil {
		return nil
	}
	var fe *FormatError
	if errors.As(err, &fe) {
		return err
	}
	return formatErr(f.where+"."+k, err)
}

func decodeMeta(v []byte, m *Meta) error {
	f := fields{where: "meta"}
	if isNull(v) {
		return nil
	}
	return wrapObj(f.where, eachMember(v, func(k string, val []byte) error {
		var err error
		switch k {
		case "created":
			m.Created, err = decTime(val)
		case "updated":
			m.Updated, err = decTime(val)
		case "limpet":
			m.Limpet, err = decString(val)
		default:
			putExtra(&m.Extra, k, val)
		}
		return f.wrap(k, err)
	}))
}

// wrapObj turns an error about the object itself into a FormatError.
func wrapObj(where string, err error) error {
	if err == nil {
		return nil
	}
	var fe *FormatError
	if errors.As(err, &fe) {
		return err
	}
	return formatErr(where, err)
}

func decodeB64(val []byte) (string, error) {
	s, err := decString(val)
	if err != nil {
		return "", err
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("want standard base64: %w", err)
	}
	return string(raw), nil
}

func decodeCookies(v []byte) ([]Cookie, error) {
	if isNull(v) {
		return nil, nil
	}
	it, err := elements(v)
	if err != nil {
		return nil, formatErr("cookies", err)
	}
	n := bytes.Count(v, []byte(`"domain"`))
	out := make([]Cookie, 0, n)
	seen := make(map[jar.Key]int, n)
	var in interner
	for i := 0; ; i++ {
		val, ok := it.next()
		if !ok {
			break
		}
		where := func(member string) string {
			w := "cookies[" + strconv.Itoa(i) + "]"
			if member != "" {
				w += "." + member
			}
			return w
		}
		c, member, err := decodeCookie(val, &in)
		if err != nil {
			return nil, formatErr(where(member), err)
		}
		if j, dup := seen[c.Key()]; dup {
			return nil, formatErr(where(""), fmt.Errorf("same domain, path, name and host-only flag as cookies[%d]", j))
		}
		seen[c.Key()] = i
		out = append(out, c)
	}
	return out, nil
}

// decodeCookie decodes one element of "cookies"; on error it names the
// member at fault ("" for the cookie as a whole).
func decodeCookie(v []byte, in *interner) (c Cookie, member string, err error) {
	it, err := members(v)
	if err != nil {
		return c, "", err
	}
	var hasName, hasDomain, hasPath bool
	for {
		k, esc, val, ok := it.next()
		if !ok {
			break
		}
		if esc {
			putExtra(&c.Extra, keyString(k, esc), val)
			continue
		}
		switch string(k) {
		case "name":
			hasName = true
			if c.Name == "" { // name_b64 wins
				c.Name, err = decString(val)
			}
		case "name_b64":
			hasName = true
			c.Name, err = decodeB64(val)
		case "value":
			if c.Value == "" {
				c.Value, err = decString(val)
			}
		case "value_b64":
			c.Value, err = decodeB64(val)
		case "domain":
			hasDomain = true
			if c.Domain == "" {
				c.Domain, err = in.decString(val)
			}
		case "domain_b64":
			hasDomain = true
			c.Domain, err = decodeB64(val)
		case "path":
			hasPath = true
			if c.Path == "" {
				c.Path, err = in.decString(val)
			}
		case "path_b64":
			hasPath = true
			c.Path, err = decodeB64(val)
		case "host_only":
			c.HostOnly, err = decBool(val)
		case "persistent":
			c.Persistent, err = decBool(val)
		case "expires":
			c.Expires, err = decTime(val)
		case "secure":
			c.Secure, err = decBool(val)
		case "http_only":
			c.HttpOnly, err = decBool(val)
		case "same_site":
			c.SameSite, err = decSameSite(val)
		case "partitioned":
			c.Partitioned, err = decBool(val)
		case "created":
			c.Created, err = decTime(val)
		case "updated":
			c.Updated, err = decTime(val)
		case "last_access":
			c.LastAccess, err = decTime(val)
		default:
			putExtra(&c.Extra, string(k), val)
		}
		if err != nil {
			return c, string(k), err
		}
	}
	switch {
	case !hasName:
		return c, "", errors.New(`no "name" member`)
	case !hasDomain || c.Domain == "":
		return c, "domain", errors.New("empty domain")
	case !hasPath || len(c.Path) == 0 || c.Path[0] != '/':
		return c, "path", fmt.Errorf("want a path starting with \"/\", got %q", c.Path)
	case c.Persistent && c.Expires.IsZero():
		return c, "expires", errors.New("a persistent cookie needs an expiry time")
	}
	return c, "", nil
}

func decodeTombstones(v []byte) ([]Tombstone, error) {
	if isNull(v) {
		return nil, nil
	}
	var out []Tombstone
	err := eachElement(v, func(i int, val []byte) error {
		f := fields{where: "tombstones[" + strconv.Itoa(i) + "]"}
		var t Tombstone
		err := eachMember(val, func(k string, val []byte) error {
			var err error
			switch k {
			case "domain":
				if t.Key.Domain == "" {
					t.Key.Domain, err = decString(val)
				}
			case "domain_b64":
				t.Key.Domain, err = decodeB64(val)
			case "host_only":
				t.Key.HostOnly, err = decBool(val)
			case "path":
				if t.Key.Path == "" {
					t.Key.Path, err = decString(val)
				}
			case "path_b64":
				t.Key.Path, err = decodeB64(val)
			case "name":
				if t.Key.Name == "" {
					t.Key.Name, err = decString(val)
				}
			case "name_b64":
				t.Key.Name, err = decodeB64(val)
			case "deleted":
				t.Deleted, err = decTime(val)
			}
			return f.wrap(k, err)
		})
		if err != nil {
			return wrapObj(f.where, err)
		}
		if t.Deleted.IsZero() {
			return formatErr(f.where+".deleted", errors.New("missing deletion time"))
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, wrapObj("tombstones", err)
	}
	return out, nil
}

func decodeHeaders(v []byte) (*Headers, error) {
	if isNull(v) {
		return nil, nil
	}
	h := &Headers{}
	f := fields{where: "headers"}
	err := eachMember(v, func(k string, val []byte) error {
		var err error
		switch k {
		case "updated":
			h.Updated, err = decTime(val)
		case "list":
			if isNull(val) {
				return nil
			}
			h.List = []Header{}
			err = eachElement(val, func(i int, val []byte) error {
				var hd Header
				w := fields{where: "headers.list[" + strconv.Itoa(i) + "]"}
				err := eachMember(val, func(k string, val []byte) error {
					var err error
					switch k {
					case "name":
						hd.Name, err = decString(val)
					case "value":
						hd.Value, err = decString(val)
					}
					return w.wrap(k, err)
				})
				if err != nil {
					return wrapObj(w.where, err)
				}
				if hd.Name == "" {
					return formatErr(w.where+".name", errors.New("empty header name"))
				}
				h.List = append(h.List, hd)
				return nil
			})
		default:
			putExtra(&h.Extra, k, val)
		}
		return f.wrap(k, err)
	})
	return h, wrapObj(f.where, err)
}

func decodeAuth(v []byte) (*Auth, error) {
	if isNull(v) {
		return nil, nil
	}
	a := &Auth{}
	f := fields{where: "auth"}
	err := eachMember(v, func(k string, val []byte) error {
		var err error
		switch k {
		case "kind":
			a.Kind, err = decString(val)
		case "user":
			a.User, err = decString(val)
		case "password_from":
			a.PasswordFrom, err = decString(val)
		case "password":
			a.Password, err = decString(val)
		case "updated":
			a.Updated, err = decTime(val)
		default:
			putExtra(&a.Extra, k, val)
		}
		return f.wrap(k, err)
	})
	return a, wrapObj(f.where, err)
}

func decodeTokens(v []byte) ([]Token, error) {
	if isNull(v) {
		return nil, nil
	}
	out := []Token{}
	seen := map[string]int{}
	err := eachElement(v, func(i int, val []byte) error {
		f := fields{where: "tokens[" + strconv.Itoa(i) + "]"}
		var t Token
		err := eachMember(val, func(k string, val []byte) error {
			var err error
			switch k {
			case "source":
				t.Source, err = decString(val)
			case "access_token":
				t.AccessToken, err = decString(val)
			case "refresh_token":
				t.RefreshToken, err = decString(val)
			case "token_type":
				t.TokenType, err = decString(val)
			case "expiry":
				t.Expiry, err = decTime(val)
			case "updated":
				t.Updated, err = decTime(val)
			default:
				putExtra(&t.Extra, k, val)
			}
			return f.wrap(k, err)
		})
		if err != nil {
			return wrapObj(f.where, err)
		}
		if j, dup := seen[t.Source]; dup {
			return formatErr(f.where+".source", fmt.Errorf("source %q already used by tokens[%d]", t.Source, j))
		}
		seen[t.Source] = i
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, wrapObj("tokens", err)
	}
	return out, nil
}

func decodeCSRF(v []byte) (*CSRF, error) {
	if isNull(v) {
		return nil, nil
	}
	c := &CSRF{}
	f := fields{where: "csrf"}
	err := eachMember(v, func(k string, val []byte) error {
		var err error
		switch k {
		case "token":
			c.Token, err = decString(val)
		case "header_name":
			c.HeaderName, err = decString(val)
		case "param_name":
			c.ParamName, err = decString(val)
		case "source":
			c.Source, err = decString(val)
		case "updated":
			c.Updated, err = decTime(val)
		default:
			putExtra(&c.Extra, k, val)
		}
		return f.wrap(k, err)
	})
	return c, wrapObj(f.where, err)
}

func decodeLogin(v []byte) (*Login, error) {
	if isNull(v) {
		return nil, nil
	}
	l := &Login{}
	f := fields{where: "login"}
	err := eachMember(v, func(k string, val []byte) error {
		var err error
		switch k {
		case "url":
			l.URL, err = decString(val)
		case "flow":
			l.Flow, err = decString(val)
		case "user":
			l.User, err = decString(val)
		case "password_from":
			l.PasswordFrom, err = decString(val)
		case "password":
			l.Password, err = decString(val)
		case "params":
			l.Params, err = decStringMap(val)
		case "updated":
			l.Updated, err = decTime(val)
		default:
			putExtra(&l.Extra, k, val)
		}
		return f.wrap(k, err)
	})
	return l, wrapObj(f.where, err)
}
