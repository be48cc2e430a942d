package redact

import (
	"bytes"
	"encoding/json"
)

// jsonBody masks secrets in JSON text, which may be cut short, malformed,
// or several values in a row (NDJSON): the values of members with a
// sensitive name, everything below such a member (strings and numbers; the
// keys, booleans and nulls stay), and strings shaped like credentials
// anywhere. A masked value becomes the string "****", so valid JSON stays
// valid; the rest is kept byte for byte. It reports whether it masked
// anything.
func jsonBody(b []byte) ([]byte, bool) {
	var out []byte // nil until the first change
	last := 0      // b[:last] is in out
	replace := func(from, to int) {
		if out == nil {
			out = make([]byte, 0, len(b))
		}
		out = append(out, b[last:from]...)
		out = append(out, '"')
		out = append(out, Mask...)
		out = append(out, '"')
		last = to
	}
	// masking holds, for each open object or array, whether its scalars
	// are masked (it is the value of a sensitive member, or inside one).
	var masking []bool
	inMasked := func() bool { return len(masking) > 0 && masking[len(masking)-1] }
	sensitiveKey := false     // the last key read was sensitive, and its value has not begun
	keys := map[string]bool{} // whether each key token seen is sensitive
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '"':
			end, closed := stringEnd(b, i)
			j := skipSpace(b, end)
			if closed && j < len(b) && b[j] == ':' {
				key := b[i:end]
				s, seen := keys[string(key)]
				if !seen {
					s = IsSensitiveName(jsonString(key))
					if len(keys) < 1000 {
						keys[string(key)] = s
					}
				}
				sensitiveKey = s
				i = j + 1
				continue
			}
			if sensitiveKey || inMasked() || mayBeCredential(b[i:end]) && isCredential(jsonString(b[i:end])) || (!closed && bytes.HasPrefix(b[i+1:end], []byte("eyJ"))) {
				if !closed || end-i != len(Mask)+2 || string(b[i+1:end-1]) != Mask {
					replace(i, end)
				}
			}
			sensitiveKey = false
			i = end
		case c == '{' || c == '[':
			masking = append(masking, sensitiveKey || inMasked())
			sensitiveKey = false
			i++
		case c == '}' || c == ']':
			if len(masking) > 0 {
				masking = masking[:len(masking)-1]
			}
			sensitiveKey = false
			i++
		case c == ',':
			sensitiveKey = false
			i++
		case isSpace(c) || c == ':':
			i++
		default:
			// A number, a literal, or a bare word where JSON has none.
			end := i
			for end < len(b) && !isSpace(b[end]) && bytes.IndexByte([]byte(`,:{}[]"`), b[end]) < 0 {
				end++
			}
			if word := string(b[i:end]); (sensitiveKey || inMasked()) && word != "true" && word != "false" && word != "null" {
				replace(i, end)
			}
			sensitiveKey = false
			i = end
		}
	}
	if out == nil {
		return b, false
	}
	return append(out, b[last:]...), true
}

// stringEnd returns the end of the JSON string starting at b[i] (a quote):
// just past its closing quote, or len(b) when it is not closed.
func stringEnd(b []byte, i int) (int, bool) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return len(b), false
}

// mayBeCredential reports whether a string token can be a credential by
// its shape (see isCredential): a JWT starts with eyJ, credentials with a
// scheme have a space (escapes aside).
func mayBeCredential(tok []byte) bool {
	return bytes.HasPrefix(tok, []byte(`"eyJ`)) || bytes.IndexByte(tok, ' ') >= 0 || bytes.IndexByte(tok, '\\') >= 0
}

// jsonString decodes a JSON string token; one that does not decode (cut
// short, or with a bad escape) gives its raw content.
func jsonString(tok []byte) string {
	if len(tok) >= 2 && tok[len(tok)-1] == '"' && bytes.IndexByte(tok, '\\') < 0 {
		return string(tok[1 : len(tok)-1])
	}
	var s string
	if json.Unmarshal(tok, &s) == nil {
		return s
	}
	tok = tok[1:]
	if len(tok) > 0 && tok[len(tok)-1] == '"' {
		tok = tok[:len(tok)-1]
	}
	return string(tok)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
