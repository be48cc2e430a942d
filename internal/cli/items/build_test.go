package items

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenCases are the interop command lines plus cases HTTPie cannot run
// offline or that check limpet-only options and messages.
func goldenCases() []interopCase {
	cases := append([]interopCase(nil), interopCases...)
	extra := []interopCase{
		{name: "missing URL", args: nil},
		{name: "method only", args: []string{"GET"}},
		{name: "unsupported scheme", args: []string{"ftp://example.org/"}},
		{name: "no host", args: []string{"http:///x"}},
		{name: "IDNA host", args: []string{"Bücher.example/x"}},
		{name: "IPv6 host", args: []string{"http://[::1]:8080/x"}},
		{name: "invalid IDNA host", args: []string{"http://a\u00a0b/"}},
		{name: "host starting with a dot", args: []string{"http://.example.org/"}},
		{name: "port out of range", args: []string{":70000/"}},
		{name: "non-letter first argument is the URL", args: []string{"GE T", ":/"}},
		{name: "header value with newline from file", args: []string{":/", "H:@t2.txt"}},
		{name: "header value with control character", args: []string{":/", "H:a\x01b"}},
		{name: "invalid header name", args: []string{":/", "X\x01:1"}},
		{name: "multipart invalid boundary", args: []string{"--multipart", ":/"}, tweak: func(o *Options) { o.Boundary = "bad boundary " }},
		{name: "file field list", args: []string{":/", "a@t.txt", "b@t.txt", "a@t.txt"}},
		{name: "upload with empty type", args: []string{"--form", ":/", "f@t.txt;type="}},
		{name: "upload with two types", args: []string{"--form", ":/", "f@t.txt;type=a/b;type=c/d"}},
		{name: "upload basename of directory path", args: []string{"--form", ":/", "f@sub/t.txt"}},
		{name: "raw JSON file in form", args: []string{"--form", ":/", "j:=@j.json"}},
		{name: "invalid JSON in form", args: []string{"--form", ":/", "j:=[1"}},
		{name: "header from missing file", args: []string{":/", "H:@missing"}},
		{name: "https default scheme shorthand", args: []string{"--default-scheme=https", ":8443/x"}},
	}
	return append(cases, extra...)
}

func goldenOptions(args []string) (Options, []string) {
	dir, err := filepath.Abs(filepath.Join("testdata", "files"))
	if err != nil {
		panic(err)
	}
	opts, pos := optionsFor(dir, args)
	opts.UserAgent = "limpet-golden"
	// Error messages name the file as given, relative to testdata/files.
	read := opts.ReadFile
	opts.ReadFile = func(name string) ([]byte, error) {
		b, err := read(name)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			pe.Path, _ = filepath.Rel(dir, pe.Path)
		}
		return b, err
	}
	return opts, pos
}

// render writes a request, or an error, as golden text.
func render(r *Request, err error) string {
	var b strings.Builder
	if err != nil {
		b.WriteString("error: " + err.Error() + "\n")
		var pe *PathError
		if errors.As(err, &pe) && pe.Highlight() != "" {
			for _, l := range strings.Split(pe.Highlight(), "\n") {
				b.WriteString("  | " + l + "\n")
			}
		}
		return b.String()
	}
	b.WriteString(r.Method + " " + r.URL.String() + "\n")
	for _, h := range r.Header {
		if h.Unset {
			b.WriteString(h.Name + " (unset)\n")
		} else {
			b.WriteString(h.Name + ": " + h.Value + "\n")
		}
	}
	if len(r.ItemHeaders) > 0 {
		var names []string
		for _, h := range r.ItemHeaders {
			names = append(names, h.Name)
		}
		b.WriteString("item headers: " + strings.Join(names, ", ") + "\n")
	}
	if r.BodyKind == BodyNone {
		b.WriteString("no body\n")
		return b.String()
	}
	b.WriteString("body (" + r.BodyKind.String() + ", " + strconv.Itoa(len(r.Body)) + " bytes):\n")
	if utf8.Valid(r.Body) && !regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f]").Match(r.Body) {
		b.Write(r.Body)
	} else {
		b.WriteString(strconv.Quote(string(r.Body)))
	}
	b.WriteString("\n")
	for _, p := range r.Parts {
		b.WriteString("part " + strconv.Quote(p.Name))
		if p.IsFile {
			b.WriteString(" file " + strconv.Quote(p.Filename))
		}
		b.WriteString(" type " + strconv.Quote(p.ContentType) + " data " + strconv.Quote(string(p.Data)) + "\n")
	}
	return b.String()
}

func TestParseGolden(t *testing.T) {
	if err := os.WriteFile(filepath.Join("testdata", "files", "t2.txt"), []byte("a\nb\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(filepath.Join("testdata", "files", "t2.txt")) })
	var out strings.Builder
	seen := map[string]bool{}
	for _, tc := range goldenCases() {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		opts, pos := goldenOptions(tc.args)
		if tc.tweak != nil {
			tc.tweak(&opts)
		}
		r, err := Parse(pos, opts)
		out.WriteString("### " + tc.name + "\n$ limpet")
		for _, a := range tc.args {
			out.WriteString(" " + strconv.Quote(a))
		}
		out.WriteString("\n" + render(r, err) + "\n")
	}
	compareGolden(t, filepath.Join("testdata", "parse.golden"), out.String())
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got == string(want) {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Fatalf("%s differs at line %d:\n got %q\nwant %q\n(run go test -update after checking the change)", path, i+1, gl, wl)
		}
	}
}

func TestMethodInference(t *testing.T) {
	tests := []struct {
		name string
		args []string
		raw  []byte
		want string
	}{
		{"URL only", []string{":/"}, nil, "GET"},
		{"URL only with raw", []string{":/"}, []byte("x"), "POST"},
		{"URL only with empty raw", []string{":/"}, []byte{}, "POST"},
		{"header item", []string{":/", "X:1"}, nil, "GET"},
		{"query item", []string{":/", "q==1"}, nil, "GET"},
		{"data item", []string{":/", "a=1"}, nil, "POST"},
		{"raw JSON item", []string{":/", "a:=1"}, nil, "POST"},
		{"file item", []string{":/", "@t.txt"}, nil, "POST"},
		{"explicit lower case", []string{"delete", ":/", "a=1"}, nil, "DELETE"},
		{"explicit GET with data", []string{"GET", ":/", "a=1"}, nil, "GET"},
		{"letters-only first argument", []string{"localhost", ":/"}, nil, "LOCALHOST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, _ := goldenOptions(nil)
			opts.Raw = tt.raw
			r, err := Parse(tt.args, opts)
			if err != nil {
				t.Fatal(err)
			}
			if r.Method != tt.want {
				t.Errorf("method = %s, want %s", r.Method, tt.want)
			}
		})
	}
}

func headerString(hs []Header) string {
	var parts []string
	for _, h := range hs {
		if h.Unset {
			parts = append(parts, h.Name+"!")
		} else {
			parts = append(parts, h.Name+"="+h.Value)
		}
	}
	return strings.Join(parts, " ")
}

func TestHeaderMerging(t *testing.T) {
	session := []Header{{Name: "X-Client", Value: " demo "}, {Name: "Accept", Value: "text/plain"}, {Name: "X-Gone", Value: "1"}, {Name: "X-Two", Value: "a"}, {Name: "X-Two", Value: "b"}}
	tests := []struct {
		name      string
		ua        string
		session   []Header
		args      []string
		want      string
		wantItems string
	}{
		{"defaults", "", nil, []string{":/"}, "Accept=*/*", ""},
		{"user agent", "limpet/1", nil, []string{":/"}, "User-Agent=limpet/1 Accept=*/*", ""},
		{"user agent overridden in place", "limpet/1", nil, []string{":/", "user-agent:me", "X:1"}, "user-agent=me Accept=*/* X=1", "user-agent=me X=1"},
		{"user agent unset", "limpet/1", nil, []string{":/", "User-Agent:"}, "User-Agent! Accept=*/*", "User-Agent!"},
		{"session headers between defaults and items", "", session, []string{":/", "X-Gone:", "X-Two:c"},
			"Accept=text/plain X-Client=demo X-Gone! X-Two=c", "X-Gone! X-Two=c"},
		{"JSON defaults replaced by session", "", session, []string{":/", "a=1"},
			"Accept=text/plain Content-Type=application/json X-Client=demo X-Gone=1 X-Two=a X-Two=b", ""},
		{"repeated item replaces repeated session header", "", session, []string{":/", "X-Two:1", "X-Two:2", "X-Two:3"},
			"Accept=text/plain X-Client=demo X-Gone=1 X-Two=1 X-Two=2 X-Two=3", "X-Two=1 X-Two=2 X-Two=3"},
		{"unset then set", "", nil, []string{":/", "X:a", "X:", "X:b"}, "Accept=*/* X=b", "X=b"},
		{"set then unset", "", nil, []string{":/", "X:a", "X:b", "X:"}, "Accept=*/* X!", "X!"},
		{"empty and value", "", nil, []string{":/", "X;", "X:a"}, "Accept=*/* X= X=a", "X= X=a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.args, Options{UserAgent: tt.ua, SessionHeaders: tt.session})
			if err != nil {
				t.Fatal(err)
			}
			if got := headerString(r.Header); got != tt.want {
				t.Errorf("headers\n got %s\nwant %s", got, tt.want)
			}
			if got := headerString(r.ItemHeaders); got != tt.wantItems {
				t.Errorf("item headers\n got %s\nwant %s", got, tt.wantItems)
			}
		})
	}
}

func TestReadFileAndHome(t *testing.T) {
	var asked []string
	opts := Options{
		HomeDir: "/home/u/",
		ReadFile: func(name string) ([]byte, error) {
			asked = append(asked, name)
			if name == "/home/u/missing" {
				return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
			}
			return []byte("v\n"), nil
		},
		TypeByExtension: func(ext string) string { return "test/" + strings.TrimPrefix(ext, ".") },
	}
	r, err := Parse([]string{"--", ":/", "a=@~/a.txt", "H:@~", "q==@~user/x", "f@rel/b.bin"}[1:], Options{
		Mode: ModeForm, HomeDir: opts.HomeDir, ReadFile: opts.ReadFile, TypeByExtension: opts.TypeByExtension, Boundary: "b",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(asked, " "), "/home/u/a.txt /home/u ~user/x rel/b.bin"; got != want {
		t.Errorf("files read: %s, want %s", got, want)
	}
	if got := r.Parts[1]; got.Filename != "b.bin" || got.ContentType != "test/bin" {
		t.Errorf("upload part = %+v", got)
	}
	if got, _ := r.Get("H"); got != "v" {
		t.Errorf("H = %q, want v", got)
	}

	_, err = Parse([]string{":/", "a=@~/missing"}, opts)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
	var ae *ArgError
	if !errors.As(err, &ae) || ae.Arg != "a=@~/missing" {
		t.Errorf("err = %v, want an *ArgError naming the item", err)
	}
}

func TestBoundary(t *testing.T) {
	a, err := Parse([]string{":/", "a=1"}, Options{Mode: ModeMultipart})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse([]string{":/", "a=1"}, Options{Mode: ModeMultipart})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a.Boundary) || a.Boundary == b.Boundary {
		t.Errorf("boundaries %q and %q: want two different random 32-hex-digit boundaries", a.Boundary, b.Boundary)
	}
	if got, want := a.ContentType(), "multipart/form-data; boundary="+a.Boundary; got != want {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
	for _, bad := range []string{"a b ", strings.Repeat("x", 71), "a\"b", "ü"} {
		if _, err := Parse([]string{":/"}, Options{Mode: ModeMultipart, Boundary: bad}); !errors.Is(err, ErrBoundary) {
			t.Errorf("boundary %q: err = %v, want ErrBoundary", bad, err)
		}
	}
}

func TestSentinelErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		opts Options
		want error
	}{
		{"missing URL", nil, Options{}, ErrMissingURL},
		{"no separator", []string{":/", "x"}, Options{}, ErrNoSeparator},
		{"non-letter method is a URL", []string{"G-T", ":/"}, Options{}, ErrHeader},
		{"bad URL", []string{"gopher://x/"}, Options{}, ErrURL},
		{"header", []string{":/", "X Y:1"}, Options{}, ErrHeader},
		{"empty header", []string{":/", "X;y"}, Options{}, ErrEmptyHeader},
		{"not text", []string{":/", "a=@bin.dat"}, goldenOpts(), ErrNotText},
		{"form value", []string{":/", "a:={}"}, Options{Mode: ModeForm}, ErrFormValue},
		{"file field", []string{":/", "a@t.txt"}, goldenOpts(), ErrFileField},
		{"multiple files", []string{":/", "@t.txt", "@t.txt"}, goldenOpts(), ErrMultipleFiles},
		{"mixed", []string{":/", "@t.txt", "a:=1"}, goldenOpts(), ErrMixedBody},
		{"raw and form data", []string{":/", "a=1"}, Options{Mode: ModeForm, Raw: []byte("x")}, ErrMixedBody},
		{"boundary", []string{":/"}, Options{Mode: ModeMultipart, Boundary: "\n"}, ErrBoundary},
		{"session header name", []string{":/"}, Options{SessionHeaders: []Header{{Name: "A B", Value: "1"}}}, ErrHeader},
		{"session header value", []string{":/"}, Options{SessionHeaders: []Header{{Name: "A", Value: "1\r\n2"}}}, ErrHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.args, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "items: ") {
				t.Errorf("error lacks the package prefix: %v", err)
			}
		})
	}
}

func goldenOpts() Options {
	o, _ := goldenOptions(nil)
	return o
}
