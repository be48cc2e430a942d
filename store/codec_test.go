package store_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// fullSnapshot uses every field of the format.
func fullSnapshot() store.Snapshot {
	return store.Snapshot{
		Meta: store.Meta{Created: t0, Updated: t0.Add(time.Hour), Limpet: "v0.1.0"},
		Cookies: []store.Cookie{
			{Cookie: jar.Cookie{Name: "JSESSIONID", Value: "6F1C2A9E0B", Domain: "localhost", Path: "/app",
				HostOnly: true, HttpOnly: true, Created: t0, Updated: t0, LastAccess: t0.Add(time.Minute)}},
			{Cookie: jar.Cookie{Name: "remember-me", Value: "dXNlcjox", Domain: "example.com", Path: "/",
				Persistent: true, Expires: t0.Add(14 * 24 * time.Hour), Secure: true, HttpOnly: true,
				SameSite: jar.SameSiteStrict, Partitioned: true, Created: t0, Updated: t0.Add(time.Second)}},
			{Cookie: jar.Cookie{Name: "", Value: "nameless", Domain: "example.com", Path: "/x", SameSite: jar.SameSiteLax}},
			{Cookie: jar.Cookie{Name: "bin\xff", Value: "\x80\x81 raw", Domain: "example.com", Path: "/",
				SameSite: jar.SameSiteNone}},
			{Cookie: jar.Cookie{Name: "quote\"d", Value: "tab\tnl\n\u2028é", Domain: "example.com", Path: "/"}},
			{Cookie: jar.Cookie{Name: "rawpath", Value: "v", Domain: "ex\xe9mple.com", Path: "/caf\xe9"}},
		},
		Tombstones: []store.Tombstone{{Key: jar.Key{Domain: "example.com", Path: "/", Name: "old"}, Deleted: t0},
			{Key: jar.Key{Domain: "ex\xe9mple.com", Path: "/caf\xe9", Name: "n\xff", HostOnly: true}, Deleted: t0}},
		Headers: &store.Headers{Updated: t0, List: []store.Header{{Name: "X-Client", Value: "demo"}, {Name: "X-Client", Value: "two"}}},
		State: map[string]store.State{
			"login":     {Version: 2, Updated: t0, Data: json.RawMessage(`{"placement":"header","names":["a","b"],"n":1.5,"s":"x: y, z"}`)},
			"cli":       {Version: 1, Updated: t0, Data: json.RawMessage(`{"user":"alice"}`), Secret: json.RawMessage(`{"password":"s3cret"}`)},
			"token/api": {Version: 1, Updated: t0.Add(time.Minute)}, // a removal record
			"empty":     {Data: json.RawMessage(`{}`)},
		},
	}
}

// equalSnapshots compares snapshots, times by instant.
func equalSnapshots(t *testing.T, got, want store.Snapshot) {
	t.Helper()
	norm := func(s store.Snapshot) store.Snapshot {
		s = s.Clone()
		u := func(t *time.Time) {
			if !t.IsZero() {
				*t = t.UTC()
			}
		}
		u(&s.Meta.Created)
		u(&s.Meta.Updated)
		for i := range s.Cookies {
			c := &s.Cookies[i]
			u(&c.Expires)
			u(&c.Created)
			u(&c.Updated)
			u(&c.LastAccess)
		}
		for i := range s.Tombstones {
			u(&s.Tombstones[i].Deleted)
		}
		return s
	}
	g, w := norm(got), norm(want)
	if !reflect.DeepEqual(g, w) {
		gb, _ := store.Marshal(g)
		wb, _ := store.Marshal(w)
		t.Fatalf("snapshots differ\n got: %s\nwant: %s\n got %#v\nwant %#v", gb, wb, g, w)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		snap store.Snapshot
	}{
		{"empty", store.Snapshot{Cookies: []store.Cookie{}}},
		{"full", fullSnapshot()},
		{"extras", func() store.Snapshot {
			s := fullSnapshot()
			s.Extra = map[string]json.RawMessage{"future": json.RawMessage(`{"a": [1, 2]}`)}
			s.Meta.Extra = map[string]json.RawMessage{"host": json.RawMessage(`"box"`)}
			s.Cookies[0].Extra = map[string]json.RawMessage{"priority": json.RawMessage(`"High"`)}
			s.Extra["auth"] = json.RawMessage(`{"kind": "basic", "user": "alice"}`) // an earlier release's member
			s.Headers.Extra = map[string]json.RawMessage{"skip": json.RawMessage(`["User-Agent"]`)}
			st := s.State["login"]
			st.Extra = map[string]json.RawMessage{"expires": json.RawMessage(`"2027-01-01T00:00:00Z"`)}
			s.State["login"] = st
			return s
		}()},
		{"state only", store.Snapshot{Cookies: []store.Cookie{}, State: map[string]store.State{"a": {Data: json.RawMessage(`[1,{"b":null}]`)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := store.Marshal(tt.snap)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(b) {
				t.Fatalf("invalid JSON:\n%s", b)
			}
			got, err := store.Parse(b)
			if err != nil {
				t.Fatalf("Parse: %v\n%s", err, b)
			}
			want := tt.snap
			// Extra values come back compacted.
			for k, v := range want.Extra {
				want.Extra[k] = compact(t, v)
			}
			equalSnapshots(t, got, want)
			b2, err := store.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != string(b2) {
				t.Fatalf("second marshal differs:\n%s\n%s", b, b2)
			}
		})
	}
}

func compact(t *testing.T, v json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestUnknownMembersSurvive checks that a file written by a newer version
// keeps its unknown members, top-level and nested, through Parse and
// Marshal.
func TestUnknownMembersSurvive(t *testing.T) {
	in := `{
  "format": "limpet-session", "version": 1,
  "meta": {"created": "2026-03-01T12:00:00Z", "machine": {"os": "linux"}},
  "cookies": [{"name": "a", "value": "1", "domain": "example.com", "path": "/", "priority": "High"}],
  "tokens": [{"source": "s", "access_token": "x", "scope": ["a", "b"]}],
  "auth": {"kind": "digest", "realm": "r"},
  "csrf": {"token": "t", "masked": true},
  "login": {"url": "http://localhost/login", "mfa": null},
  "headers": {"list": [], "note": 1},
  "state": {"a": {"version": 3, "data": {"k": "v"}, "owner_note": [1]}},
  "policies": {"autosave": "5s"}
}`
	s, err := store.Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := store.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"machine": {"os":"linux"}`, `"priority": "High"`, `"note": 1`, `"policies": {"autosave":"5s"}`,
		// The members earlier releases kept for particular pieces are
		// unknown members like others: written back, compacted.
		`"tokens": [{"source":"s","access_token":"x","scope":["a","b"]}]`, `"auth": {"kind":"digest","realm":"r"}`,
		`"csrf": {"token":"t","masked":true}`, `"login": {"url":"http://localhost/login","mfa":null}`,
		`"a": {"version": 3, "data": {"k":"v"}, "owner_note": [1]}`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const head = `{"format": "limpet-session", "version": 1, `
	tests := []struct {
		name  string
		in    string
		where string // substring expected in the message
	}{
		{"empty", ``, "store: "},
		{"syntax", "{\n  \"format\": \"limpet-session\",\n  \"version\": 1,,\n}", "line 3, column"},
		{"truncated", head + `"cookies": [{"name": "a"`, "line 1"},
		{"array", `[1]`, "want a JSON object, got an array"},
		{"null", `null`, "got null"},
		{"no format", `{"version": 1}`, `no "format" member`},
		{"httpie", `{"__meta__": {"about": "HTTPie session file"}, "cookies": []}`, "HTTPie session file"},
		{"wrong format", `{"format": "other", "version": 1}`, `format: "other" is not "limpet-session"`},
		{"no version", `{"format": "limpet-session"}`, `no "version"`},
		{"future version", `{"format": "limpet-session", "version": 99}`, "format version 99 is not supported"},
		{"version string", `{"format": "limpet-session", "version": "1"}`, "version: want an integer, got a string"},
		{"cookies not array", head + `"cookies": {}}`, "cookies: want an array, got an object"},
		{"cookie not object", head + `"cookies": [1]}`, "cookies[0]: want an object, got a number"},
		{"bad time", head + `"cookies": [{"name": "a", "domain": "d", "path": "/", "updated": "yesterday"}]}`,
			`cookies[0].updated: want an RFC 3339 time, got "yesterday"`},
		{"bad bool", head + `"cookies": [{"name": "a", "domain": "d", "path": "/", "secure": "yes"}]}`,
			"cookies[0].secure: want a boolean, got a string"},
		{"bad samesite", head + `"cookies": [{"name": "a", "domain": "d", "path": "/", "same_site": "lax"}]}`,
			`cookies[0].same_site: want "None", "Lax" or "Strict", got "lax"`},
		{"no domain", head + `"cookies": [{"name": "a", "path": "/"}]}`, "cookies[0].domain: empty domain"},
		{"no name", head + `"cookies": [{"domain": "d", "path": "/"}]}`, `cookies[0]: no "name" member`},
		{"bad path", head + `"cookies": [{"name": "a", "domain": "d", "path": "x"}]}`, `cookies[0].path: want a path starting with "/"`},
		{"persistent without expiry", head + `"cookies": [{"name": "a", "domain": "d", "path": "/", "persistent": true}]}`,
			"cookies[0].expires: a persistent cookie needs an expiry time"},
		{"duplicate cookie", head + `"cookies": [{"name": "a", "domain": "d", "path": "/"}, {"name": "a", "domain": "d", "path": "/"}]}`,
			"cookies[1]: same domain, path, name and host-only flag as cookies[0]"},
		{"bad b64", head + `"cookies": [{"name_b64": "***", "domain": "d", "path": "/"}]}`, "cookies[0].name_b64: want standard base64"},
		{"tombstone without time", head + `"tombstones": [{"domain": "d", "path": "/", "name": "a"}]}`, "tombstones[0].deleted: missing deletion time"},
		{"header without name", head + `"headers": {"list": [{"value": "v"}]}}`, "headers.list[0].name: empty header name"},
		{"state not object", head + `"state": []}`, "state: want an object, got an array"},
		{"state entry not object", head + `"state": {"a": "x"}}`, "state.a: want an object, got a string"},
		{"state version", head + `"state": {"a": {"version": "2"}}}`, "state.a.version: want an integer, got a string"},
		{"state secret", head + `"state": {"a": {"secret": {"password": }}}}`, "line 1, column"},
		{"state time", head + `"state": {"token/api": {"updated": "soon"}}}`, `state.token/api.updated: want an RFC 3339 time, got "soon"`},
		{"time not string", head + `"meta": {"created": 5}}`, "meta.created: want an RFC 3339 time, got a number"},
		{"bad time in 3rd cookie with unknown members", head + `"cookies": [{"name": "a", "domain": "d", "path": "/", "x": 1},
			{"name": "b", "domain": "d", "path": "/"}, {"name": "c", "domain": "d", "path": "/", "expires": "2026-02-30T00:00:00Z"}]}`,
			`cookies[2].expires: want an RFC 3339 time, got "2026-02-30T00:00:00Z"`},
		{"trailing data", head + `"cookies": []} {}`, "line 1, column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := store.Parse([]byte(tt.in))
			if err == nil {
				t.Fatal("Parse succeeded")
			}
			if !errors.Is(err, store.ErrCorrupt) {
				t.Errorf("error %v does not wrap ErrCorrupt", err)
			}
			var fe *store.FormatError
			if !errors.As(err, &fe) {
				t.Errorf("error %T is not a *FormatError", err)
			}
			if !strings.Contains(err.Error(), tt.where) {
				t.Errorf("error %q does not contain %q", err, tt.where)
			}
			if !strings.HasPrefix(err.Error(), "store: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestMarshalRejectsInvalidExtra(t *testing.T) {
	s := fullSnapshot()
	s.Cookies[1].Extra = map[string]json.RawMessage{"bad": json.RawMessage(`{`)}
	_, err := store.Marshal(s)
	if err == nil || !strings.Contains(err.Error(), `cookies[1]: member "bad" of Extra is not valid JSON`) {
		t.Fatalf("err = %v", err)
	}
}

func TestMarshalRejectsInvalidStateData(t *testing.T) {
	s := fullSnapshot()
	s.State["login"] = store.State{Data: json.RawMessage(`{"a":`)}
	_, err := store.Marshal(s)
	if err == nil || !strings.Contains(err.Error(), "state.login: data is not valid JSON") {
		t.Fatalf("err = %v", err)
	}
}

// TestStateDataRoundTrip checks that an owner's JSON comes back byte for
// byte when compact (as encoding/json writes it), and compacted otherwise.
func TestStateDataRoundTrip(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`{"a":"b: c, d","e":[1,2]}`, `{"a":"b: c, d","e":[1,2]}`},
		{"{\n  \"a\": 1\n}", `{"a":1}`},
		{`"<&>"`, `"<&>"`},
		{`null`, ``}, // no data: a removal record
	} {
		s := store.Snapshot{State: map[string]store.State{"o": {Version: 1, Data: json.RawMessage(tt.in)}}}
		b, err := store.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.Parse(b)
		if err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		if d := string(got.State["o"].Data); d != tt.want {
			t.Errorf("data %s came back as %s\n%s", tt.in, d, b)
		}
	}
}

// TestParseCaseInsensitive documents that member names match as in
// encoding/json, ignoring case, and that such a member is not kept twice.
func TestParseCaseInsensitive(t *testing.T) {
	s, err := store.Parse([]byte(`{"Format": "limpet-session", "VERSION": 1, "Cookies": [{"Name": "a", "DOMAIN": "d", "path": "/"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Cookies) != 1 || s.Cookies[0].Name != "a" || s.Cookies[0].Domain != "d" || s.Extra != nil || s.Cookies[0].Extra != nil {
		t.Fatalf("got %+v", s)
	}
	s.Cookies[0].Extra = map[string]json.RawMessage{"NAME": json.RawMessage(`"b"`), "other": json.RawMessage(`1`)}
	b, err := store.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "NAME") || !strings.Contains(string(b), `"other": 1`) {
		t.Fatalf("an Extra member matching a known one was written, or another was not:\n%s", b)
	}
}

func TestMarshalClampsTimes(t *testing.T) {
	s := store.Snapshot{Cookies: []store.Cookie{{Cookie: jar.Cookie{Name: "a", Domain: "d", Path: "/", Persistent: true,
		Expires: time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC)}}}}
	b, err := store.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.Parse(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if y := got.Cookies[0].Expires.Year(); y != 9999 {
		t.Fatalf("expiry year %d, want 9999", y)
	}
}

func TestJSONInterfaces(t *testing.T) {
	type wrapper struct {
		Session store.Snapshot `json:"session"`
	}
	in := wrapper{Session: fullSnapshot()}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out wrapper
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	equalSnapshots(t, out.Session, in.Session)
}
