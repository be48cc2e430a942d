package items

import (
	"errors"
	"strings"
	"testing"
)

// jsonBody builds the JSON body for data items the way Parse does.
func jsonBody(t *testing.T, args ...string) (string, error) {
	t.Helper()
	r, err := Parse(append([]string{":/"}, args...), Options{})
	if err != nil {
		return "", err
	}
	return string(r.Body), nil
}

// The expected bodies are what HTTPie 3.2.1 sends for the same items.
func TestNestedJSON(t *testing.T) {
	tests := []struct {
		name  string
		items []string
		want  string
	}{
		{"flat", []string{"a=1", "b:=2"}, `{"a": "1", "b": 2}`},
		{"object and append and index", []string{"a[b]=1", "a[c][]=x", "a[c][3]=y"}, `{"a": {"b": "1", "c": ["x", null, null, "y"]}}`},
		{"top-level array", []string{"[]=x", "[]=y"}, `["x", "y"]`},
		{"top-level index", []string{"[1]=x"}, `[null, "x"]`},
		{"number keys", []string{"01=x", "+5=y", "a[1_0]=z"}, `{"1": "x", "5": "y", "a": [null, null, null, null, null, null, null, null, null, null, "z"]}`},
		{"escaped number is a key", []string{`a[\1]=x`}, `{"a": {"1": "x"}}`},
		{"escaped brackets", []string{`a\[b\]=x`}, `{"a[b]": "x"}`},
		{"escaped backslash", []string{`a\\=x`}, `{"a\\": "x"}`},
		{"two escaped backslashes", []string{`a\\\\=x`}, `{"a\\\\": "x"}`},
		{"objects in arrays", []string{"a[0][x]=1", "a[0][y]=2", "a[]=3"}, `{"a": [{"x": "1", "y": "2"}, "3"]}`},
		{"later value replaces", []string{"a[b][c]=1", "a[b]=2"}, `{"a": {"b": "2"}}`},
		{"replace keeps position", []string{"a=1", "b=2", "a=3"}, `{"a": "3", "b": "2"}`},
		{"empty key", []string{"=x"}, `{"": "x"}`},
		{"empty key raw array", []string{":=[1]"}, `{"": [1]}`},
		{"raw array then append", []string{"a:=[1]", "a[]=2"}, `{"a": [1, "2"]}`},
		{"append creates nested", []string{"a[][b]=1", "a[][b]=2"}, `{"a": [{"b": "1"}, {"b": "2"}]}`},
		{"index fills padding null", []string{"a[2]=x", "a[0][b]=y"}, `{"a": [{"b": "y"}, null, "x"]}`},
		{"spaces in keys", []string{"a[b c]=1"}, `{"a": {"b c": "1"}}`},
		{"space around index", []string{"a[ 1 ]=x"}, `{"a": [null, "x"]}`},
		// Deliberate differences from HTTPie (see the interop test).
		{"path into raw object", []string{`a:={"x":1}`, "a[y]=3"}, `{"a": {"x": 1, "y": "3"}}`},
		{"path through null", []string{"a:=null", "a[b]=1"}, `{"a": {"b": "1"}}`},
		{"duplicate keys: last one is navigated", []string{`a:={"x":{},"x":{}}`, "a[x][y]=1"}, `{"a": {"x": {}, "x": {"y": "1"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jsonBody(t, tt.items...)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("body\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// The messages and carets are HTTPie 3.2.1's.
func TestNestedJSONErrors(t *testing.T) {
	tests := []struct {
		name      string
		items     []string
		kind      PathErrorKind
		msg       string
		highlight string
	}{
		{"type: key on array root", []string{"[]=x", "b=1"}, PathType,
			"Can't perform 'key' based access on '' which has a type of 'array' but this operation requires a type of 'object'.", "b\n^"},
		{"type: key on string", []string{"a=1", "a[b]=1"}, PathType,
			"Can't perform 'key' based access on 'a' which has a type of 'string' but this operation requires a type of 'object'.", "a[b]\n ^^^"},
		{"type: append on object", []string{"a[x]=1", "a[]=2"}, PathType,
			"Can't perform 'append' based access on 'a' which has a type of 'object' but this operation requires a type of 'array'.", "a[]\n ^^"},
		{"type: index on number", []string{"a:=1", "a[0]=2"}, PathType,
			"Can't perform 'index' based access on 'a' which has a type of 'number' but this operation requires a type of 'array'.", "a[0]\n ^^^"},
		{"type: key on boolean", []string{"a:=true", "a[b][c]=2"}, PathType,
			"Can't perform 'key' based access on 'a' which has a type of 'boolean' but this operation requires a type of 'object'.", "a[b][c]\n ^^^"},
		{"type: deep prefix", []string{"a[b][]=1", "a[b][c]=2"}, PathType,
			"Can't perform 'key' based access on 'a[b]' which has a type of 'array' but this operation requires a type of 'object'.", "a[b][c]\n    ^^^"},
		{"type: empty root key", []string{"[]=1", "=2"}, PathType,
			"Can't perform 'key' based access on '' which has a type of 'array' but this operation requires a type of 'object'.", ""},
		{"value: negative index", []string{"a[-1]=1"}, PathValue, "Negative indexes are not supported.", "a[-1]\n  ^^"},
		{"value: huge index", []string{"a[65537]=1"}, PathValue, "Indexes above 65536 are not supported.", "a[65537]\n  ^^^^^"},
		{"syntax: unclosed", []string{"a[b=1"}, PathSyntax, "Expecting ']'", "a[b\n   ^"},
		{"syntax: stray close", []string{"a]=1"}, PathSyntax, "Expecting '['", "a]\n ^"},
		{"syntax: text after step", []string{"a[b]c=1"}, PathSyntax, "Expecting '['", "a[b]c\n    ^"},
		{"syntax: open at end", []string{"a[=1"}, PathSyntax, "Expecting a text, a number or ']'", "a[\n  ^"},
		{"syntax: root bracket text", []string{"[x]=1"}, PathSyntax, "Expecting a number or ']'", "[x]\n ^"},
		{"syntax: root close", []string{"]=1"}, PathSyntax, "Expecting a text, a number or '['", "]\n^"},
		{"syntax: nested open", []string{"a[[b]]=1"}, PathSyntax, "Expecting a text, a number or ']'", "a[[b]]\n  ^"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jsonBody(t, tt.items...)
			var pe *PathError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PathError", err)
			}
			if pe.Kind != tt.kind || pe.Message != tt.msg {
				t.Errorf("got %s %q, want %s %q", pe.Kind, pe.Message, tt.kind, tt.msg)
			}
			if h := pe.Highlight(); h != tt.highlight {
				t.Errorf("highlight\n%s\nwant\n%s", h, tt.highlight)
			}
			var ae *ArgError
			if !errors.As(err, &ae) || ae.Arg != tt.items[len(tt.items)-1] {
				t.Errorf("error does not name the last item: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "items: ") {
				t.Errorf("error lacks the package prefix: %v", err)
			}
		})
	}
}

func TestTokenizePath(t *testing.T) {
	tests := []struct {
		name string
		key  string
		want string // kind:text@start-end, space separated
	}{
		{"plain", "a[b][]", "T:a@0-1 [:[@1-2 T:b@2-3 ]:]@3-4 [:[@4-5 ]:]@5-6"},
		{"number", "[01]", "[:[@0-1 N:1@1-3 ]:]@3-4"},
		{"escaped bracket keeps offsets", `a\[b`, `T:a[b@0-4`},
		{"escaped number is text", `\1`, `T:1@0-2`},
		{"backslash before other kept", `\x`, `T:\x@0-2`},
		{"trailing backslash", `a\`, `T:a\@0-2`},
		{"unicode offsets in runes", "ü[é]", "T:ü@0-1 [:[@1-2 T:é@2-3 ]:]@3-4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts []string
			for _, tok := range tokenizePath(tt.key) {
				k := map[ptokKind]string{ptText: "T", ptNumber: "N", ptLeft: "[", ptRight: "]"}[tok.kind]
				parts = append(parts, k+":"+tok.text+"@"+itoa(tok.start)+"-"+itoa(tok.end))
			}
			if got := strings.Join(parts, " "); got != tt.want {
				t.Errorf("tokens\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestNestedJSONPaddingBudget: each index is capped, and so is the padding
// all indexes add together, so that a command line of a few kilobytes
// cannot make gigabytes of nulls (2,000 items a[i][65536]=1 once took 15
// GB). Twenty such items already pass the budget.
func TestNestedJSONPaddingBudget(t *testing.T) {
	var args []string
	for i := 0; i < 20; i++ {
		args = append(args, "a["+itoa(i)+"][65536]=1")
	}
	_, err := jsonBody(t, args...)
	var pe *PathError
	if !errors.As(err, &pe) || pe.Kind != PathValue {
		t.Fatalf("err = %v, want a value *PathError", err)
	}
	if !strings.Contains(pe.Message, "1048576") {
		t.Errorf("message %q does not say the limit", pe.Message)
	}
	// Within the budget, large indexes still work.
	body, err := jsonBody(t, "a[0][65536]=1", "a[1][65536]=2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(body, `null, "2"]]}`) || strings.Count(body, "null") != 2*65536+0 {
		t.Errorf("padded body: %d nulls, ends %q", strings.Count(body, "null"), body[len(body)-20:])
	}
}

func TestPathAsIs(t *testing.T) {
	for _, tt := range []struct {
		asIs bool
		want string
	}{
		{false, "http://example.org/b/c?q=1"},
		{true, "http://example.org/a/../b/./c?q=1"},
	} {
		r, err := Parse([]string{"example.org/a/../b/./c", "q==1"}, Options{PathAsIs: tt.asIs})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.URL.String(); got != tt.want {
			t.Errorf("PathAsIs %v: %s, want %s", tt.asIs, got, tt.want)
		}
		if got, want := r.URL.RequestURI(), strings.TrimPrefix(tt.want, "http://example.org"); got != want {
			t.Errorf("PathAsIs %v: request URI %s, want %s", tt.asIs, got, want)
		}
	}
}
