package store

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/limpet-http/limpet/jar"
)

// The types in this file are the JSON form of a snapshot (FORMAT.md), for
// encoding/json. Marshal encodes each section and each element of a list
// on its own; Parse decodes the whole document into snapshotJSON. An Extra
// field (not a JSON member) holds the members a type does not know; see
// members.go.

type snapshotJSON struct {
	Format     *string                    `json:"format"`
	Version    *int                       `json:"version"`
	Meta       *metaJSON                  `json:"meta"`
	Headers    *headersJSON               `json:"headers"`
	State      map[string]*stateJSON      `json:"state"`
	Cookies    []cookieJSON               `json:"cookies"`
	Tombstones []tombstoneJSON            `json:"tombstones"`
	Extra      map[string]json.RawMessage `json:"-"`
}

type metaJSON struct {
	Created jsonTime                   `json:"created,omitzero"`
	Updated jsonTime                   `json:"updated,omitzero"`
	Limpet  string                     `json:"limpet,omitempty"`
	Extra   map[string]json.RawMessage `json:"-"`
}

type headersJSON struct {
	Updated jsonTime                   `json:"updated,omitzero"`
	List    []headerJSON               `json:"list"`
	Extra   map[string]json.RawMessage `json:"-"`
}

// headerJSON keeps no unknown members.
type headerJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// stateJSON is written with Data and Secret nil, and they after it (see
// Marshal).
type stateJSON struct {
	Version int                        `json:"version,omitempty"`
	Updated jsonTime                   `json:"updated,omitzero"`
	Data    json.RawMessage            `json:"data,omitempty"`
	Secret  json.RawMessage            `json:"secret,omitempty"`
	Extra   map[string]json.RawMessage `json:"-"`
}

// cookieJSON writes name and value even when empty (pointers into the
// cookie), and the _b64 form instead when a string is not valid UTF-8. A
// nil Name after decoding means the member was missing.
type cookieJSON struct {
	Name        *string                    `json:"name,omitempty"`
	NameB64     string                     `json:"name_b64,omitempty"`
	Value       *string                    `json:"value,omitempty"`
	ValueB64    string                     `json:"value_b64,omitempty"`
	Domain      string                     `json:"domain,omitempty"`
	DomainB64   string                     `json:"domain_b64,omitempty"`
	Path        string                     `json:"path,omitempty"`
	PathB64     string                     `json:"path_b64,omitempty"`
	HostOnly    bool                       `json:"host_only,omitempty"`
	Persistent  bool                       `json:"persistent,omitempty"`
	Expires     jsonTime                   `json:"expires,omitzero"`
	Secure      bool                       `json:"secure,omitempty"`
	HTTPOnly    bool                       `json:"http_only,omitempty"`
	SameSite    string                     `json:"same_site,omitempty"`
	Partitioned bool                       `json:"partitioned,omitempty"`
	Created     jsonTime                   `json:"created,omitzero"`
	Updated     jsonTime                   `json:"updated,omitzero"`
	LastAccess  jsonTime                   `json:"last_access,omitzero"`
	Extra       map[string]json.RawMessage `json:"-"`
}

// tombstoneJSON keeps no unknown members.
type tombstoneJSON struct {
	Domain    string   `json:"domain,omitempty"`
	DomainB64 string   `json:"domain_b64,omitempty"`
	HostOnly  bool     `json:"host_only,omitempty"`
	Path      string   `json:"path,omitempty"`
	PathB64   string   `json:"path_b64,omitempty"`
	Name      *string  `json:"name,omitempty"`
	NameB64   string   `json:"name_b64,omitempty"`
	Deleted   jsonTime `json:"deleted,omitzero"`
}

// jsonTime is a time in the JSON form: an RFC 3339 string, written in UTC
// with nanoseconds and clamped to the years 0000 to 9999; null and "" read
// as the zero time.
//
// Its methods have pointer receivers, which spares encoding/json an
// allocation per time, so a jsonTime must be addressable when encoded (a
// field of a struct encoded through a pointer, an element of a slice).
// It is encoded as text (MarshalText), which encoding/json copies as a
// string, rather than as JSON it would scan again.
type jsonTime struct {
	t    time.Time
	text []byte // the written form, when the writer has it already (see timeCache)
}

// Times outside the years RFC 3339 can write are clamped to them; for an
// expiry far in the future this changes nothing a cookie jar can observe.
var (
	minTime = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// IsZero reports whether t is the zero time (for omitzero).
func (t *jsonTime) IsZero() bool { return t.t.IsZero() }

// MarshalText implements encoding.TextMarshaler.
func (t *jsonTime) MarshalText() ([]byte, error) {
	if t.text != nil {
		return t.text, nil
	}
	return appendTime(nil, t.t), nil
}

func appendTime(b []byte, t time.Time) []byte {
	u := t.UTC()
	if u.Before(minTime) {
		u = minTime
	} else if u.After(maxTime) {
		u = maxTime
	}
	return u.AppendFormat(b, time.RFC3339Nano)
}

// timeCache formats each time once per Marshal: the cookies of a session
// often share times (a new cookie's created, updated and last access; the
// cookies one response set). Its map compares times with ==, location and
// monotonic reading included: equal keys are the same instant in the same
// location, and a miss only costs a formatting.
type timeCache struct {
	arena []byte
	m     map[time.Time][]byte
}

// at returns t with its written form.
func (c *timeCache) at(t time.Time) jsonTime {
	if t.IsZero() {
		return jsonTime{}
	}
	if text, ok := c.m[t]; ok {
		return jsonTime{t: t, text: text}
	}
	if len(c.arena)+len(time.RFC3339Nano) > cap(c.arena) {
		c.arena = make([]byte, 0, 4096) // the older arena stays alive as long as its texts
	}
	start := len(c.arena)
	c.arena = appendTime(c.arena, t)
	text := c.arena[start:len(c.arena):len(c.arena)]
	if c.m == nil {
		c.m = make(map[time.Time][]byte)
	}
	if len(c.m) < 1024 {
		c.m[t] = text
	}
	return jsonTime{t: t, text: text}
}

// UnmarshalJSON implements json.Unmarshaler. It accepts what time.Parse
// accepts for time.RFC3339Nano, with any offset.
func (t *jsonTime) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		return nil
	case `""`:
		*t = jsonTime{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' {
		return fmt.Errorf("want an RFC 3339 time, got %s", kindOf(b))
	}
	var u time.Time
	if err := u.UnmarshalText(b[1 : len(b)-1]); err == nil { // the common case: no escapes, strict RFC 3339
		*t = jsonTime{t: u}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	u, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("want an RFC 3339 time, got %q", s)
	}
	*t = jsonTime{t: u}
	return nil
}

// kindOf names the kind of the JSON value v for messages.
func kindOf(v []byte) string {
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
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

// b64 sets *plain to &s when s is valid UTF-8, else *enc to its base64.
func b64(s *string, plain **string, enc *string) {
	if utf8.ValidString(*s) {
		*plain = s
	} else {
		*enc = base64.StdEncoding.EncodeToString([]byte(*s))
	}
}

// b64Value is b64 for a string member without a pointer form.
func b64Value(s string, plain, enc *string) {
	if utf8.ValidString(s) {
		*plain = s
	} else {
		*enc = base64.StdEncoding.EncodeToString([]byte(s))
	}
}

// unb64 decodes the _b64 form of a member.
func unb64(s string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return "", fmt.Errorf("want standard base64: %w", err)
	}
	return string(raw), nil
}

// either returns the string of a member that has a plain and a _b64 form
// (the _b64 form wins when both are there), and the name of the member at
// fault on error.
func either(plain, enc, member string) (string, string, error) {
	if enc == "" {
		return plain, "", nil
	}
	s, err := unb64(enc)
	return s, member + "_b64", err
}

func (w *cookieJSON) set(c *Cookie, tc *timeCache) {
	*w = cookieJSON{
		HostOnly: c.HostOnly, Persistent: c.Persistent, Expires: tc.at(c.Expires), Secure: c.Secure,
		HTTPOnly: c.HttpOnly, SameSite: c.SameSite.String(), Partitioned: c.Partitioned,
		Created: tc.at(c.Created), Updated: tc.at(c.Updated), LastAccess: tc.at(c.LastAccess),
	}
	b64(&c.Name, &w.Name, &w.NameB64)
	b64(&c.Value, &w.Value, &w.ValueB64)
	b64Value(c.Domain, &w.Domain, &w.DomainB64)
	b64Value(c.Path, &w.Path, &w.PathB64)
}

// cookie returns the cookie w describes; on error, member names the member
// at fault ("" for the cookie as a whole).
func (w *cookieJSON) cookie() (c Cookie, member string, err error) {
	c = Cookie{Cookie: jar.Cookie{
		HostOnly: w.HostOnly, Persistent: w.Persistent, Expires: w.Expires.t, Secure: w.Secure,
		HttpOnly: w.HTTPOnly, Partitioned: w.Partitioned,
		Created: w.Created.t, Updated: w.Updated.t, LastAccess: w.LastAccess.t,
	}, Extra: w.Extra}
	var name, value string
	if w.Name != nil {
		name = *w.Name
	}
	if w.Value != nil {
		value = *w.Value
	}
	if c.Name, member, err = either(name, w.NameB64, "name"); err != nil {
		return c, member, err
	}
	if c.Value, member, err = either(value, w.ValueB64, "value"); err != nil {
		return c, member, err
	}
	if c.Domain, member, err = either(w.Domain, w.DomainB64, "domain"); err != nil {
		return c, member, err
	}
	if c.Path, member, err = either(w.Path, w.PathB64, "path"); err != nil {
		return c, member, err
	}
	switch w.SameSite {
	case "":
	case "None":
		c.SameSite = jar.SameSiteNone
	case "Lax":
		c.SameSite = jar.SameSiteLax
	case "Strict":
		c.SameSite = jar.SameSiteStrict
	default:
		return c, "same_site", fmt.Errorf("want \"None\", \"Lax\" or \"Strict\", got %q", w.SameSite)
	}
	switch {
	case w.Name == nil && w.NameB64 == "":
		return c, "", errors.New(`no "name" member`)
	case c.Domain == "":
		return c, "domain", errors.New("empty domain")
	case len(c.Path) == 0 || c.Path[0] != '/':
		return c, "path", fmt.Errorf("want a path starting with \"/\", got %q", c.Path)
	case c.Persistent && c.Expires.IsZero():
		return c, "expires", errors.New("a persistent cookie needs an expiry time")
	}
	return c, "", nil
}

func (w *tombstoneJSON) set(t *Tombstone, tc *timeCache) {
	*w = tombstoneJSON{HostOnly: t.Key.HostOnly, Deleted: tc.at(t.Deleted)}
	b64Value(t.Key.Domain, &w.Domain, &w.DomainB64)
	b64Value(t.Key.Path, &w.Path, &w.PathB64)
	b64(&t.Key.Name, &w.Name, &w.NameB64)
}

func (w *tombstoneJSON) tombstone() (t Tombstone, member string, err error) {
	t = Tombstone{Key: jar.Key{HostOnly: w.HostOnly}, Deleted: w.Deleted.t}
	var name string
	if w.Name != nil {
		name = *w.Name
	}
	if t.Key.Domain, member, err = either(w.Domain, w.DomainB64, "domain"); err != nil {
		return t, member, err
	}
	if t.Key.Path, member, err = either(w.Path, w.PathB64, "path"); err != nil {
		return t, member, err
	}
	if t.Key.Name, member, err = either(name, w.NameB64, "name"); err != nil {
		return t, member, err
	}
	if t.Deleted.IsZero() {
		return t, "deleted", errors.New("missing deletion time")
	}
	return t, "", nil
}

func metaToJSON(m *Meta) *metaJSON {
	return &metaJSON{Created: jsonTime{t: m.Created}, Updated: jsonTime{t: m.Updated}, Limpet: m.Limpet}
}

func (w *metaJSON) meta() Meta {
	return Meta{Created: w.Created.t, Updated: w.Updated.t, Limpet: w.Limpet, Extra: w.Extra}
}

func headersToJSON(h *Headers) *headersJSON {
	w := &headersJSON{Updated: jsonTime{t: h.Updated}, List: make([]headerJSON, len(h.List))}
	for i, hd := range h.List {
		w.List[i] = headerJSON(hd)
	}
	return w
}

func (w *headersJSON) headers() (*Headers, error) {
	h := &Headers{Updated: w.Updated.t, Extra: w.Extra}
	if w.List != nil {
		h.List = make([]Header, len(w.List))
	}
	for i, hd := range w.List {
		if hd.Name == "" {
			return nil, formatErr(fmt.Sprintf("headers.list[%d].name", i), errors.New("empty header name"))
		}
		h.List[i] = Header(hd)
	}
	return h, nil
}

func (w *stateJSON) set(s *State) {
	*w = stateJSON{Version: s.Version, Updated: jsonTime{t: s.Updated}}
}

func (w *stateJSON) state() State {
	s := State{Version: w.Version, Updated: w.Updated.t, Data: w.Data, Secret: w.Secret, Extra: w.Extra}
	if string(s.Data) == "null" {
		s.Data = nil
	}
	if string(s.Secret) == "null" {
		s.Secret = nil
	}
	return s
}
