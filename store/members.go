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
	"strings"
	"sync"
)

// This file holds what encoding/json does not do for the codec: keeping
// the members a wire type does not know (Extra) and writing them back,
// saying where in a document a decoding error is, and the line layout of
// a snapshot file.
//
// Members are matched to fields as encoding/json matches them: by name,
// ignoring case (strings.EqualFold). A member that matches a field is
// decoded into it and is never kept in Extra, and Marshal never writes an
// Extra member that would match a field, so that a file reads back the same.

// wireType describes a wire struct for the helpers below. Every exported
// field of a wire struct has a json tag with its member name.
type wireType struct {
	names  []string // JSON member names of the fields, in field order
	fields []int    // their field indexes
	extra  int      // index of the Extra field, or -1
	nested bool     // a field holds wire structs that keep unknown members
}

var wireTypes sync.Map // reflect.Type -> *wireType

func wireTypeOf(t reflect.Type) *wireType {
	if wt, ok := wireTypes.Load(t); ok {
		return wt.(*wireType)
	}
	wt := &wireType{extra: -1}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue // encoding/json ignores it
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			if f.Name == "Extra" {
				wt.extra = i
			}
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		wt.names = append(wt.names, name)
		wt.fields = append(wt.fields, i)
		if keepsExtra(f.Type) {
			wt.nested = true
		}
	}
	wireTypes.Store(t, wt)
	return wt
}

// keepsExtra reports whether values of t (possibly behind pointers, in
// slices or maps) are wire structs that keep unknown members.
func keepsExtra(t reflect.Type) bool {
	for {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			t = t.Elem()
			continue
		case reflect.Struct:
			wt := wireTypeOf(t)
			return wt.extra >= 0 || wt.nested
		}
		return false
	}
}

// field returns the index of the field member k decodes into, or -1.
func (wt *wireType) field(k string) int {
	for i, n := range wt.names {
		if n == k {
			return wt.fields[i]
		}
	}
	for i, n := range wt.names {
		if strings.EqualFold(n, k) {
			return wt.fields[i]
		}
	}
	return -1
}

// fillExtra stores in the Extra fields of v, which encoding/json decoded
// from raw, the members of raw that v's type does not know, at every level.
// Lists and maps it walks element by element, matching v's elements.
func fillExtra(raw []byte, v reflect.Value) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		wt := wireTypeOf(v.Type())
		if wt.extra < 0 && !wt.nested {
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if i := wt.field(k); i >= 0 {
				if wt.nested {
					fillExtra(m[k], v.Field(i))
				}
				continue
			}
			if wt.extra >= 0 {
				e := v.Field(wt.extra)
				if e.IsNil() {
					e.Set(reflect.ValueOf(map[string]json.RawMessage{}))
				}
				e.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(m[k]))
			}
		}
	case reflect.Slice:
		if !keepsExtra(v.Type()) {
			return
		}
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil {
			return
		}
		for i := range min(len(elems), v.Len()) {
			fillExtra(elems[i], v.Index(i))
		}
	case reflect.Map:
		if v.Type().Elem().Kind() != reflect.Pointer || !keepsExtra(v.Type()) {
			return // map values are not addressable; wire maps of structs hold pointers
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return
		}
		for k, val := range m {
			if e := v.MapIndex(reflect.ValueOf(k)); e.IsValid() {
				fillExtra(val, e)
			}
		}
	}
}

// locate decodes raw into a new value of type t, as encoding/json decoded
// it within a larger document, member by member and element by element, and
// returns a *FormatError for the first problem, in member name order,
// located under where. It returns nil when it finds none.
func locate(raw []byte, t reflect.Type, where string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	leaf := reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]())
	switch k := t.Kind(); {
	case !leaf && k == reflect.Struct:
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return formatErr(where, describe(err))
		}
		wt := wireTypeOf(t)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if i := wt.field(k); i >= 0 {
				if err := locate(m[k], t.Field(i).Type, join(where, k)); err != nil {
					return err
				}
			}
		}
		return nil
	case !leaf && k == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return formatErr(where, describe(err))
		}
		for i, e := range elems {
			if err := locate(e, t.Elem(), where+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		return nil
	case !leaf && k == reflect.Map:
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return formatErr(where, describe(err))
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if err := locate(m[k], t.Elem(), join(where, k)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
		return formatErr(where, describe(err))
	}
	return nil
}

func join(where, member string) string {
	switch {
	case member == "":
		return where
	case where == "":
		return member
	}
	return where + "." + member
}

// describe says what is wrong with a value encoding/json could not decode
// into its field, without Go type names.
func describe(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	want := "a number"
	switch te.Type.Kind() {
	case reflect.String:
		want = "a string"
	case reflect.Bool:
		want = "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "an integer"
	case reflect.Slice, reflect.Array:
		want = "an array"
	case reflect.Struct, reflect.Map:
		want = "an object"
	}
	got := te.Value
	switch {
	case strings.HasPrefix(got, "number"):
		got = "a number"
	case got == "bool":
		got = "a boolean"
	case got == "string":
		got = "a string"
	case got == "object":
		got = "an object"
	case got == "array":
		got = "an array"
	}
	return fmt.Errorf("want %s, got %s", want, got)
}

// writer writes the JSON form of a snapshot with encoding/json, one line
// per section and list element, in the layout of FORMAT.md.
type writer struct {
	out     []byte
	scratch bytes.Buffer
	enc     *json.Encoder
	times   timeCache
	err     error
}

func newWriter(out []byte) *writer {
	w := &writer{out: out}
	w.enc = json.NewEncoder(&w.scratch)
	w.enc.SetEscapeHTML(false)
	return w
}

// encode returns the compact JSON form of v, valid until the next call.
func (w *writer) encode(v any) ([]byte, error) {
	w.scratch.Reset()
	if err := w.enc.Encode(v); err != nil {
		return nil, err
	}
	b := w.scratch.Bytes()
	return b[:len(b)-1], nil // Encode's newline
}

// value appends the JSON form of v, a pointer to a wire struct, on one
// line, with the members of extra that v's type does not know after the
// known ones, sorted by name and compacted. list and i locate v in errors
// (i < 0: v is not a list element).
func (w *writer) value(list string, i int, v any, extra map[string]json.RawMessage) {
	if len(extra) == 0 {
		if b, ok := w.encodeAt(list, i, v); ok {
			w.out = appendSpaced(w.out, b)
		}
		return
	}
	w.object(list, i, v, nil, extra)
}

// object is value with raw members: after v's members and before extra's,
// it writes the members of raw with a non-empty value, in order, compacted.
func (w *writer) object(list string, i int, v any, raw []rawMember, extra map[string]json.RawMessage) {
	b, ok := w.encodeAt(list, i, v)
	if !ok {
		return
	}
	w.out = appendSpaced(w.out, b[:len(b)-1]) // without the closing brace
	first := len(b) == 2                      // {}
	next := func(k string) {
		if !first {
			w.out = append(w.out, ", "...)
		}
		first = false
		w.key(k)
	}
	for _, m := range raw {
		if len(m.value) > 0 {
			next(m.name)
			if err := w.compact(m.value); err != nil {
				w.fail(list, i, fmt.Errorf("%s is not valid JSON", m.name))
				return
			}
		}
	}
	wt := wireTypeOf(reflect.TypeOf(v).Elem())
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if wt.field(k) >= 0 {
			continue // a known member always comes from its field
		}
		next(k)
		if err := w.compact(extra[k]); err != nil {
			w.fail(list, i, fmt.Errorf("member %q of Extra is not valid JSON", k))
			return
		}
	}
	w.out = append(w.out, '}')
}

// rawMember is a member whose value is JSON written as it is (compacted).
type rawMember struct {
	name  string
	value json.RawMessage
}

func (w *writer) encodeAt(list string, i int, v any) ([]byte, bool) {
	if w.err != nil {
		return nil, false
	}
	b, err := w.encode(v)
	if err != nil {
		w.fail(list, i, err)
		return nil, false
	}
	return b, true
}

// key appends the member name k and ": ".
func (w *writer) key(k string) {
	b, err := w.encode(k)
	if err != nil { // cannot happen for a string
		w.fail("", -1, err)
		return
	}
	w.out = append(w.out, b...)
	w.out = append(w.out, ": "...)
}

// compact appends the JSON v compacted, or reports that it is not valid.
func (w *writer) compact(v json.RawMessage) error {
	w.scratch.Reset()
	if err := json.Compact(&w.scratch, v); err != nil {
		return err
	}
	w.out = append(w.out, w.scratch.Bytes()...)
	return nil
}

func (w *writer) fail(list string, i int, err error) {
	if w.err != nil {
		return
	}
	where := list
	if i >= 0 {
		where += "[" + strconv.Itoa(i) + "]"
	}
	if where != "" {
		where = " " + where
	}
	w.err = fmt.Errorf("store: marshal%s: %w", where, err)
}

// appendSpaced appends the compact JSON src with a space after every ':'
// and ',' outside strings: the layout of a line of a snapshot file.
func appendSpaced(dst, src []byte) []byte {
	start := 0
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '"': // skip to the closing quote: the next one not escaped
			for {
				j := bytes.IndexByte(src[i+1:], '"')
				if j < 0 {
					return append(dst, src[start:]...) // not reached for valid JSON
				}
				i += 1 + j
				n := 0
				for src[i-1-n] == '\\' { // stops at the opening quote
					n++
				}
				if n%2 == 0 {
					break
				}
			}
		case ':', ',':
			dst = append(dst, src[start:i+1]...)
			dst = append(dst, ' ')
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}
