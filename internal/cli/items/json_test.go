package items

import (
	"errors"
	"strings"
	"testing"
)

// The messages are those of CPython 3.11's json.loads for the same input.
func TestParseJSONErrors(t *testing.T) {
	tests := []struct{ name, in, msg string }{
		{"empty", "", "Expecting value: line 1 column 1 (char 0)"},
		{"blank", " ", "Expecting value: line 1 column 2 (char 1)"},
		{"word", "x", "Expecting value: line 1 column 1 (char 0)"},
		{"unclosed array", "[1", "Expecting ',' delimiter: line 1 column 3 (char 2)"},
		{"array trailing comma", "[1,]", "Expecting value: line 1 column 4 (char 3)"},
		{"object trailing comma", `{"a":1,}`, "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"},
		{"missing colon", `{"a" 1}`, "Expecting ':' delimiter: line 1 column 6 (char 5)"},
		{"unquoted key", "{a:1}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
		{"unterminated string", `"abc`, "Unterminated string starting at: line 1 column 1 (char 0)"},
		{"backslash at end", `"a\`, "Unterminated string starting at: line 1 column 1 (char 0)"},
		{"bad escape", `"a\x"`, `Invalid \escape: line 1 column 3 (char 2)`},
		{"short unicode escape", `"\u12"`, `Invalid \uXXXX escape: line 1 column 3 (char 2)`},
		{"unicode escape at end", `"\u1234`, `Invalid \uXXXX escape: line 1 column 3 (char 2)`},
		{"short low surrogate", `"\ud800\u12"`, `Invalid \uXXXX escape: line 1 column 9 (char 8)`},
		{"bad low surrogate", `"\ud800\uzzzz"`, `Invalid \uXXXX escape: line 1 column 9 (char 8)`},
		{"control character", "\"a\x01\"", "Invalid control character at: line 1 column 3 (char 2)"},
		{"extra data", "1 2", "Extra data: line 1 column 3 (char 2)"},
		{"leading zero", "01", "Extra data: line 1 column 2 (char 1)"},
		{"minus only", "-", "Expecting value: line 1 column 1 (char 0)"},
		{"dot without digits", "1.", "Extra data: line 1 column 2 (char 1)"},
		{"exponent without digits", "1e+", "Extra data: line 1 column 2 (char 1)"},
		{"truncated literal", "tru", "Expecting value: line 1 column 1 (char 0)"},
		{"missing comma", "[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"},
		{"missing value", `{"a":}`, "Expecting value: line 1 column 6 (char 5)"},
		{"line and column", "\n\n  x", "Expecting value: line 3 column 3 (char 4)"},
		{"offsets in characters", `"é\q"`, `Invalid \escape: line 1 column 3 (char 2)`},
		{"open bracket", "[", "Expecting value: line 1 column 2 (char 1)"},
		{"open brace", "{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
		{"key only", `{"a"`, "Expecting ':' delimiter: line 1 column 5 (char 4)"},
		{"unclosed object", `{"a":1`, "Expecting ',' delimiter: line 1 column 7 (char 6)"},
		// Not CPython: it accepts these, limpet does not (they are not JSON).
		{"NaN", "NaN", "NaN and Infinity are not JSON: line 1 column 1 (char 0)"},
		{"minus Infinity", "[-Infinity]", "NaN and Infinity are not JSON: line 1 column 2 (char 1)"},
		{"too deep", strings.Repeat("[", maxJSONDepth+2), "Nesting too deep: line 1 column 1002 (char 1001)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseJSON(tt.in)
			var je *JSONError
			if !errors.As(err, &je) {
				t.Fatalf("parseJSON(%q) err = %v, want *JSONError", tt.in, err)
			}
			if err.Error() != tt.msg {
				t.Errorf("parseJSON(%q)\n got %s\nwant %s", tt.in, err, tt.msg)
			}
		})
	}
}

// The expected output is CPython's json.dumps(json.loads(in)), except that
// numbers keep their text.
func TestJSONRoundTrip(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"scalars", `[null,true,false,1,-0,1.50,1E+3,"s"]`, `[null, true, false, 1, -0, 1.50, 1E+3, "s"]`},
		{"object order and duplicates", `{"b":1,"a":2,"b":3}`, `{"b": 1, "a": 2, "b": 3}`},
		{"empty containers", ` { "a" : [ ] , "b" : { } } `, `{"a": [], "b": {}}`},
		{"escapes", `"\u0000\u001f\u007f \u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"`, `"\u0000\u001f\u007f \u00e9\ud83d\ude00\"\\/\b\f\n\r\t"`},
		{"raw non-ASCII is escaped", `"é😀"`, `"\u00e9\ud83d\ude00"`},
		{"lone surrogate becomes U+FFFD", `"\ud800x"`, `"\ufffdx"`},
		{"high surrogate not followed by low", `"\ud800\u0041"`, `"\ufffdA"`},
		{"big integer kept", `12345678901234567890123`, `12345678901234567890123`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := parseJSON(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			encodeJSON(&b, v)
			if b.String() != tt.want {
				t.Errorf("\n got %s\nwant %s", b.String(), tt.want)
			}
		})
	}
}

func TestEncodeInvalidUTF8(t *testing.T) {
	var b strings.Builder
	encodeJSONString(&b, "a\xffb")
	if got, want := b.String(), `"a\ufffdb"`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestFormString(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"string", `"x y"`, "x y", true},
		{"integer as typed", "007e0", "", false},
		{"float as typed", "1.50", "1.50", true},
		{"true", "true", "true", true},
		{"false", "false", "false", true},
		{"null", "null", "", false},
		{"array", "[1]", "", false},
		{"object", "{}", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := parseJSON(tt.in)
			if err != nil {
				if tt.ok {
					t.Fatal(err)
				}
				return
			}
			got, ok := formString(v)
			if got != tt.want || ok != tt.ok {
				t.Errorf("formString(%s) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
