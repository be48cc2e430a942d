package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"

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

// Marshal returns the JSON form of s, as described in FORMAT.md: format
// and version first, each small section on one line, one line per token,
// state entry, cookie and tombstone, a trailing newline.
// Times are written in UTC, RFC 3339 with nanoseconds. Cookie names,
// values, domains and paths that are not valid UTF-8 are written
// base64-encoded so that no byte is lost; other strings must be UTF-8
// (invalid bytes become U+FFFD). Members in Extra are written back,
// compacted, after the known ones; an Extra value or State data that is not
// valid JSON is an error.
func Marshal(s Snapshot) ([]byte, error) {
	b := make([]byte, 0, 512+len(s.Cookies)*400+len(s.Tombstones)*120)
	return AppendMarshal(b, s)
}

// AppendMarshal appends the JSON form of s to b, like Marshal.
func AppendMarshal(b []byte, s Snapshot) ([]byte, error) {
	w := newWriter(b)
	w.out = append(w.out, "{\n  \"format\": \""+FormatName+"\",\n  \"version\": "...)
	w.out = strconv.AppendInt(w.out, FormatVersion, 10)
	w.out = append(w.out, ",\n  \"meta\": "...)
	w.value("meta", -1, metaToJSON(&s.Meta), s.Meta.Extra)
	if s.Headers != nil {
		w.out = append(w.out, ",\n  \"headers\": "...)
		w.value("headers", -1, headersToJSON(s.Headers), s.Headers.Extra)
	}
	if len(s.State) > 0 {
		w.out = append(w.out, ",\n  \"state\": {"...)
		var sj stateJSON
		for i, k := range slices.Sorted(maps.Keys(s.State)) {
			w.element(i, "\n    ")
			st := s.State[k]
			sj.set(&st)
			w.key(k)
			// Data is the owner's JSON: written compacted, not spaced out
			// like the rest of the line, so that it reads back as it was.
			data := st.Data
			if st.Removed() {
				data = nil // null: written as no data
			}
			w.object("state."+k, -1, &sj, []rawMember{{"data", data}, {"secret", st.Secret}}, st.Extra)
		}
		w.out = closeList(w.out, len(s.State), '}')
	}
	w.out = append(w.out, ",\n  \"cookies\": ["...)
	var cj cookieJSON
	for i := range s.Cookies {
		w.element(i, "\n    ")
		cj.set(&s.Cookies[i], &w.times)
		w.value("cookies", i, &cj, s.Cookies[i].Extra)
	}
	w.out = closeList(w.out, len(s.Cookies), ']')
	if len(s.Tombstones) > 0 {
		w.out = append(w.out, ",\n  \"tombstones\": ["...)
		var tj tombstoneJSON
		for i := range s.Tombstones {
			w.element(i, "\n    ")
			tj.set(&s.Tombstones[i], &w.times)
			w.value("tombstones", i, &tj, nil)
		}
		w.out = closeList(w.out, len(s.Tombstones), ']')
	}
	top := wireTypeOf(reflect.TypeFor[snapshotJSON]())
	for _, k := range slices.Sorted(maps.Keys(s.Extra)) {
		if top.field(k) >= 0 || s.Extra[k] == nil {
			continue // a known member always comes from its field; nil: removed
		}
		w.out = append(w.out, ",\n  "...)
		w.key(k)
		if err := w.compact(s.Extra[k]); err != nil {
			w.fail("", -1, fmt.Errorf("member %q of Extra is not valid JSON", k))
		}
	}
	w.out = append(w.out, "\n}\n"...)
	if w.err != nil {
		return nil, w.err
	}
	return w.out, nil
}

// where locates element i of a list in errors.
func where(list string, i int) string {
	return list + "[" + strconv.Itoa(i) + "]"
}

// element starts element i of a list.
func (w *writer) element(i int, indent string) {
	if i > 0 {
		w.out = append(w.out, ',')
	}
	w.out = append(w.out, indent...)
}

func closeList(b []byte, n int, end byte) []byte {
	if n > 0 {
		b = append(b, "\n  "...)
	}
	return append(b, end)
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
//
// Member names are matched as encoding/json matches them, ignoring case.
func Parse(data []byte) (Snapshot, error) {
	// The usual file has no unknown members and no error: one decoding
	// pass. Anything else takes the long way, which finds unknown members
	// and locates errors.
	var w snapshotJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if dec.Decode(&w) != nil || len(bytes.TrimLeft(data[dec.InputOffset():], " \t\r\n")) > 0 {
		return parseSlowly(data)
	}
	if checkHead(w.Format, w.Version, false) != nil {
		return parseSlowly(data) // which says what is wrong
	}
	return w.snapshot()
}

// parseSlowly is Parse for documents with unknown members or errors. Its
// result is the same as Parse's.
func parseSlowly(data []byte) (Snapshot, error) {
	var head struct {
		Format  *string          `json:"format"`
		Version *int             `json:"version"`
		HTTPie  *json.RawMessage `json:"__meta__"` // HTTPie's session files have it
	}
	if err := json.Unmarshal(data, &head); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset)
			return Snapshot{}, formatErr(fmt.Sprintf("line %d, column %d", line, col), se)
		}
		if te := (*json.UnmarshalTypeError)(nil); errors.As(err, &te) && te.Field == "" {
			return Snapshot{}, formatErr("", fmt.Errorf("want a JSON object, got %s", kindOf(bytes.TrimSpace(data))))
		}
		return Snapshot{}, located(data, reflect.TypeOf(head), err)
	}
	if k := kindOf(bytes.TrimSpace(data)); k == "null" {
		return Snapshot{}, formatErr("", errors.New("want a JSON object, got null"))
	}
	if err := checkHead(head.Format, head.Version, head.HTTPie != nil); err != nil {
		return Snapshot{}, err
	}
	var w snapshotJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return Snapshot{}, located(data, reflect.TypeFor[snapshotJSON](), err)
	}
	fillExtra(data, reflect.ValueOf(&w))
	return w.snapshot()
}

// located returns the error locate finds for err, a decoding error of data
// as a t.
func located(data []byte, t reflect.Type, err error) error {
	if fe := locate(data, t, ""); fe != nil {
		return fe
	}
	return formatErr("", err)
}

func checkHead(format *string, version *int, httpie bool) error {
	switch {
	case format == nil && httpie:
		return formatErr("", errors.New(`no "format" member: this looks like an HTTPie session file (import it with format/httpiesession)`))
	case format == nil:
		return formatErr("", errors.New(`no "format" member: not a limpet session snapshot`))
	case *format != FormatName:
		return formatErr("format", fmt.Errorf("%q is not %q", *format, FormatName))
	case version == nil:
		return formatErr("", errors.New(`no "version" member`))
	case *version < 1 || *version > FormatVersion:
		return formatErr("version", fmt.Errorf("format version %d is not supported (this limpet reads versions 1 to %d)", *version, FormatVersion))
	}
	return nil
}

func lineCol(data []byte, off int64) (int, int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := max(int(off)-(bytes.LastIndexByte(before, '\n')+1), 1)
	return line, col
}

// snapshot checks what encoding/json cannot (required members, keys used
// twice) and returns the snapshot w describes.
func (w *snapshotJSON) snapshot() (Snapshot, error) {
	s := Snapshot{Extra: w.Extra}
	if m := w.Meta; m != nil {
		s.Meta = m.meta()
	}
	if w.Headers != nil {
		var err error
		if s.Headers, err = w.Headers.headers(); err != nil {
			return Snapshot{}, err
		}
	}
	if w.State != nil {
		s.State = make(map[string]State, len(w.State))
		for k, v := range w.State {
			if v == nil {
				v = &stateJSON{}
			}
			s.State[k] = v.state()
		}
	}
	if w.Cookies != nil {
		s.Cookies = make([]Cookie, len(w.Cookies))
		seen := make(map[jar.Key]int, len(w.Cookies))
		for i := range w.Cookies {
			c, member, err := w.Cookies[i].cookie()
			if err != nil {
				return Snapshot{}, formatErr(join(where("cookies", i), member), err)
			}
			if j, dup := seen[c.Key()]; dup {
				return Snapshot{}, formatErr(where("cookies", i), fmt.Errorf("same domain, path, name and host-only flag as cookies[%d]", j))
			}
			seen[c.Key()] = i
			s.Cookies[i] = c
		}
	}
	if len(w.Tombstones) > 0 {
		s.Tombstones = make([]Tombstone, len(w.Tombstones))
		for i := range w.Tombstones {
			t, member, err := w.Tombstones[i].tombstone()
			if err != nil {
				return Snapshot{}, formatErr(join(where("tombstones", i), member), err)
			}
			s.Tombstones[i] = t
		}
	}
	return s, nil
}
