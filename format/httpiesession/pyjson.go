package httpiesession

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// This file writes JSON the way HTTPie's json.dump(obj, indent=4,
// sort_keys=True, ensure_ascii=True) does, so that exported files are byte
// for byte what HTTPie itself would write.

// pyValue is a JSON value to write: map[string]any, []any, string, int64,
// bool, nil or json.Number.
type pyValue = any

func appendPy(b []byte, v pyValue, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case json.Number:
		return append(b, v...), nil
	case string:
		return appendPyString(b, v), nil
	case []any:
		if len(v) == 0 {
			return append(b, "[]"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = indent(b, depth+1)
			var err error
			if b, err = appendPy(b, e, depth+1); err != nil {
				return nil, err
			}
		}
		b = indent(b, depth)
		return append(b, ']'), nil
	case map[string]any:
		if len(v) == 0 {
			return append(b, "{}"...), nil
		}
		b = append(b, '{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = indent(b, depth+1)
			b = appendPyString(b, k)
			b = append(b, ": "...)
			var err error
			if b, err = appendPy(b, v[k], depth+1); err != nil {
				return nil, err
			}
		}
		b = indent(b, depth)
		return append(b, '}'), nil
	}
	return nil, fmt.Errorf("httpiesession: cannot write a %T", v)
}

func indent(b []byte, depth int) []byte {
	b = append(b, '\n')
	for range depth {
		b = append(b, "    "...)
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendPyString writes s as Python's ensure_ascii does: '"', '\\', \n, \r,
// \t, \b, \f escaped by name, every other byte outside ' '..'~' as \uXXXX
// (astral code points as a surrogate pair). Invalid UTF-8 becomes U+FFFD.
func appendPyString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, '\\', '"')
		case r == '\\':
			b = append(b, '\\', '\\')
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r == '\b':
			b = append(b, '\\', 'b')
		case r == '\f':
			b = append(b, '\\', 'f')
		case r >= ' ' && r <= '~':
			b = append(b, byte(r))
		case r > 0xFFFF:
			r -= 0x10000
			b = appendU(b, 0xD800+(r>>10))
			b = appendU(b, 0xDC00+(r&0x3FF))
		default:
			b = appendU(b, r)
		}
	}
	return append(b, '"')
}

func appendU(b []byte, r rune) []byte {
	return append(b, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
}

// rawToPy decodes a raw JSON value for appendPy, keeping numbers' text.
func rawToPy(raw json.RawMessage) (pyValue, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return fromDecoded(v), nil
}

// fromDecoded converts what encoding/json decoded into appendPy's types.
func fromDecoded(v any) pyValue {
	switch v := v.(type) {
	case []any:
		for i := range v {
			v[i] = fromDecoded(v[i])
		}
		return v
	case map[string]any:
		for k := range v {
			v[k] = fromDecoded(v[k])
		}
		return v
	}
	return v
}
