package items

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"net/url"
	"os"
	"path"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"
)

// Mode is how data items are serialised: HTTPie's --json, --form and
// --multipart.
type Mode int

// Modes.
const (
	// ModeDefault serialises data items as a JSON object, and sets the JSON
	// Accept and Content-Type headers only when there is data (HTTPie with
	// none of the three flags).
	ModeDefault Mode = iota
	// ModeJSON is --json: like ModeDefault, but the JSON headers are set
	// even without data.
	ModeJSON
	// ModeForm is --form: data items become an
	// application/x-www-form-urlencoded body, or a multipart/form-data body
	// when a file field is present.
	ModeForm
	// ModeMultipart is --multipart: always multipart/form-data.
	ModeMultipart
)

// The default headers HTTPie sets.
const (
	JSONContentType = "application/json"
	JSONAccept      = "application/json, */*;q=0.5"
	FormContentType = "application/x-www-form-urlencoded; charset=utf-8"
	DefaultAccept   = "*/*"
)

// Options control how positional arguments become a Request. The zero
// value behaves like HTTPie without flags, reading files with os.ReadFile.
type Options struct {
	// Mode is --json, --form or --multipart; the zero value is none.
	Mode Mode
	// Raw, when non-nil, is the body given with --raw. A non-nil empty
	// slice is an empty body; like any raw body it makes the method POST
	// when none is given. Raw cannot be mixed with data items, an @file
	// body or ModeMultipart.
	Raw []byte
	// DefaultScheme is used for URLs without one ("" means "http"; HTTPie's
	// --default-scheme, and "https" when invoked as https).
	DefaultScheme string
	// PathAsIs keeps the URL path's dot segments ("/a/../b"), as HTTPie's
	// --path-as-is; by default they are removed, as HTTPie does.
	PathAsIs bool
	// Boundary is the multipart boundary ("" means a random one).
	Boundary string
	// UserAgent, when not empty, is a default User-Agent header that items
	// and session headers can override or unset.
	UserAgent string
	// SessionHeaders are headers stored in a session. As in HTTPie they
	// override the defaults and are overridden, name by name, by header
	// items.
	SessionHeaders []Header
	// ReadFile reads the files named by @file items. nil means os.ReadFile.
	// It receives the path after "~" expansion.
	ReadFile func(name string) ([]byte, error)
	// HomeDir replaces a leading "~" or "~/" in file paths, as HTTPie's
	// os.path.expanduser does; "" leaves paths alone ("~user" forms are
	// never expanded).
	HomeDir string
	// TypeByExtension guesses a file's media type from its extension
	// (".txt"), returning "" when unknown. nil means mime.TypeByExtension
	// without parameters (so ".txt" is "text/plain", as in HTTPie).
	TypeByExtension func(ext string) string
}

func (o *Options) readFile(name string) ([]byte, error) {
	if o.HomeDir != "" && (name == "~" || strings.HasPrefix(name, "~/")) {
		name = strings.TrimSuffix(o.HomeDir, "/") + name[1:]
	}
	if o.ReadFile != nil {
		return o.ReadFile(name)
	}
	return os.ReadFile(name)
}

func (o *Options) typeOf(filename string) string {
	ext := path.Ext(filename)
	if ext == "" {
		return ""
	}
	if o.TypeByExtension != nil {
		return o.TypeByExtension(ext)
	}
	t := mime.TypeByExtension(ext)
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		return mt
	}
	return t
}

// multi is an ordered multi-map grouped by key: values of a key are kept
// together at the key's first appearance, as in HTTPie's
// MultiValueOrderedDict (so a==1 b==2 a==3 gives a=1&a=3&b=2).
type multi[T any] struct {
	keys []string
	vals map[string][]T
}

func (m *multi[T]) add(k string, v T) {
	if m.vals == nil {
		m.vals = map[string][]T{}
	}
	if _, ok := m.vals[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k] = append(m.vals[k], v)
}

func (m *multi[T]) len() int { return len(m.keys) }

func (m *multi[T]) each(f func(k string, v T)) {
	for _, k := range m.keys {
		for _, v := range m.vals[k] {
			f(k, v)
		}
	}
}

// queryEscape is Python's urllib.parse.quote_plus.
func queryEscape(s string) string { return url.QueryEscape(s) }

func encodeQuery(m *multi[string]) string {
	var b strings.Builder
	m.each(func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(queryEscape(k) + "=" + queryEscape(v))
	})
	return b.String()
}

// isLetters reports whether s matches HTTPie's method pattern ^[a-zA-Z]+$.
func isLetters(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// fileItem is a file read for an @ item.
type fileItem struct {
	filename    string // base name of the path
	contentType string // from ;type=, else guessed, else ""
	data        []byte
}

// Parse builds the request described by the positional arguments of an
// HTTPie command line, [METHOD] URL [ITEM ...], after flags have been
// removed (an item whose name starts with '-' must follow "--" there).
//
// It follows HTTPie 3.2:
//
//   - With one argument, it is the URL and the method is GET, or POST with
//     Options.Raw. With more, a first argument of letters only is the
//     method (so "localhost" followed by an item is taken as a method, as
//     HTTPie does); otherwise the first argument is the URL and the method
//     is POST when there is data (data items, an @file body or Raw), else GET.
//   - Items are split by ParseItem. Headers merge as in HTTPie: "Name:"
//     unsets, "Name;" sends an empty value, repeated names are all sent.
//   - Data items form a JSON object (nested JSON paths apply), a form or a
//     multipart body according to Options.Mode; a lone @file item without
//     --form is the body, its Content-Type guessed from its name.
//   - HTTPie's default headers: Accept and Content-Type for JSON, the form
//     Content-Type for --form, Accept */* otherwise.
//
// Files are read only through Options.ReadFile. Errors name the offending
// argument (*ArgError) and wrap the package's sentinel errors, a *PathError
// or a *JSONError.
func Parse(args []string, opts Options) (*Request, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("items: %w", ErrMissingURL)
	}
	method, rawURL := "", args[0]
	var itemArgs []string
	if len(args) > 1 {
		method, rawURL, itemArgs = args[0], args[1], args[2:]
	}
	its := make([]Item, 0, len(itemArgs)+1)
	for _, a := range itemArgs {
		it, err := ParseItem(a)
		if err != nil {
			return nil, err
		}
		its = append(its, it)
	}

	// Method: HTTPie's _guess_method.
	hasData := opts.Raw != nil
	switch {
	case method == "":
		method = "GET"
		if hasData {
			method = "POST"
		}
	case !isLetters(method):
		it, err := ParseItem(rawURL)
		if err != nil {
			return nil, err
		}
		its = append([]Item{it}, its...)
		rawURL = method
		for _, it := range its {
			hasData = hasData || it.Sep.IsData()
		}
		method = "GET"
		if hasData {
			method = "POST"
		}
	default:
		method = strings.ToUpper(method)
	}

	b := builder{opts: &opts, form: opts.Mode == ModeForm || opts.Mode == ModeMultipart}
	if err := b.items(its); err != nil {
		return nil, err
	}
	if err := b.bodyFile(); err != nil {
		return nil, err
	}

	scheme := opts.DefaultScheme
	if scheme == "" {
		scheme = "http"
	}
	u, err := buildURL(rawURL, scheme, encodeQuery(&b.params), opts.PathAsIs)
	if err != nil {
		return nil, err
	}

	req := &Request{Method: method, URL: u, ItemHeaders: append([]Header(nil), b.headers...)}
	if err := b.finish(req); err != nil {
		return nil, err
	}
	return req, nil
}

// builder accumulates items as HTTPie's RequestItems does.
type builder struct {
	opts    *Options
	form    bool
	headers headerList
	params  multi[string]
	json    *jsonValue        // JSON mode data, nil when none
	data    multi[string]     // form mode data
	files   multi[*fileItem]  // @ items
	parts   multi[partSource] // form mode multipart fields, by key
	body    *fileItem         // the @file body without --form
}

type partSource struct {
	text string
	file *fileItem
}

func (b *builder) readText(it Item) (string, error) {
	data, err := b.opts.readFile(it.Value)
	if err != nil {
		return "", argErr(it.Arg, err)
	}
	if !utf8.Valid(data) {
		return "", argErr(it.Arg, fmt.Errorf("cannot embed the content of %s, %w", pyRepr(it.Value), ErrNotText))
	}
	return string(data), nil
}

func (b *builder) readJSON(it Item) (*jsonValue, error) {
	text := it.Value
	if it.Sep == SepJSONFile {
		var err error
		if text, err = b.readText(it); err != nil {
			return nil, err
		}
	}
	v, err := parseJSON(text)
	if err != nil {
		return nil, argErr(it.Arg, err)
	}
	return v, nil
}

func (b *builder) readUpload(it Item) (*fileItem, error) {
	name, typ, _ := strings.Cut(it.Value, ";type=")
	if i := strings.Index(typ, ";type="); i >= 0 {
		typ = typ[:i]
	}
	data, err := b.opts.readFile(name)
	if err != nil {
		return nil, argErr(it.Arg, err)
	}
	f := &fileItem{filename: name[strings.LastIndexByte(name, '/')+1:], data: data}
	if typ != "" {
		f.contentType = typ
	} else {
		f.contentType = b.opts.typeOf(name)
	}
	return f, nil
}

// header checks and adds a header item.
func (b *builder) header(it Item, value string, unset bool) error {
	if !httpguts.ValidHeaderFieldName(it.Key) {
		return argErrf(it.Arg, ErrHeader, "invalid header name %s", pyRepr(it.Key))
	}
	if !unset {
		value = pyStrip(value)
		if !httpguts.ValidHeaderFieldValue(value) {
			return argErrf(it.Arg, ErrHeader, "invalid header value %s", pyRepr(value))
		}
	}
	b.headers.add(Header{Name: it.Key, Value: value, Unset: unset})
	return nil
}

func (b *builder) items(its []Item) error {
	rest := its
	if !b.form {
		// JSON mode: all nested JSON items first (values, then paths), as
		// HTTPie does, then the others in order.
		type pair struct {
			it  Item
			val *jsonValue
		}
		var pairs []pair
		rest = nil
		for _, it := range its {
			if !it.Sep.IsNestedJSON() {
				rest = append(rest, it)
				continue
			}
			var v *jsonValue
			switch it.Sep {
			case SepData:
				v = jsonStr(it.Value)
			case SepDataFile:
				s, err := b.readText(it)
				if err != nil {
					return err
				}
				v = jsonStr(s)
			default:
				var err error
				if v, err = b.readJSON(it); err != nil {
					return err
				}
			}
			pairs = append(pairs, pair{it, v})
		}
		padded := 0
		for _, p := range pairs {
			root, err := interpretPath(b.json, p.it.Key, p.val, &padded)
			if err != nil {
				return argErr(p.it.Arg, err)
			}
			b.json = root
		}
	}
	for _, it := range rest {
		switch it.Sep {
		case SepHeader:
			if err := b.header(it, it.Value, it.Value == ""); err != nil {
				return err
			}
		case SepEmptyHeader:
			if it.Value != "" {
				return argErr(it.Arg, ErrEmptyHeader)
			}
			if err := b.header(it, "", false); err != nil {
				return err
			}
		case SepHeaderFile:
			s, err := b.readText(it)
			if err != nil {
				return err
			}
			if err := b.header(it, strings.TrimRight(s, "\n"), false); err != nil {
				return err
			}
		case SepQuery:
			b.params.add(it.Key, it.Value)
		case SepQueryFile:
			s, err := b.readText(it)
			if err != nil {
				return err
			}
			b.params.add(it.Key, strings.TrimRight(s, "\n"))
		case SepFile:
			f, err := b.readUpload(it)
			if err != nil {
				return err
			}
			b.files.add(it.Key, f)
			if b.form {
				b.parts.add(it.Key, partSource{file: f})
			}
		case SepData, SepDataFile:
			s := it.Value
			if it.Sep == SepDataFile {
				var err error
				if s, err = b.readText(it); err != nil {
					return err
				}
			}
			b.data.add(it.Key, s)
			b.parts.add(it.Key, partSource{text: s})
		case SepJSON, SepJSONFile:
			v, err := b.readJSON(it)
			if err != nil {
				return err
			}
			s, ok := formString(v)
			if !ok {
				return argErr(it.Arg, ErrFormValue)
			}
			b.data.add(it.Key, s)
			b.parts.add(it.Key, partSource{text: s})
		}
	}
	return nil
}

// bodyFile turns a lone @file item into the body when not in form mode.
func (b *builder) bodyFile() error {
	if b.form || b.files.len() == 0 {
		return nil
	}
	var err error
	b.files.each(func(k string, f *fileItem) {
		switch {
		case err != nil:
		case k != "":
			err = fmt.Errorf("items: %w: %s", ErrFileField, strings.Join(b.files.keys, ","))
		case b.body != nil:
			err = fmt.Errorf("items: %w", ErrMultipleFiles)
		default:
			b.body = f
		}
	})
	if err != nil {
		return err
	}
	if b.json != nil {
		return fmt.Errorf("items: %w", ErrMixedBody)
	}
	if _, ok := b.headers.get("Content-Type"); !ok {
		// HTTPie ignores ;type= here; limpet honours it.
		if ct := b.body.contentType; ct != "" {
			b.headers.set(Header{Name: "Content-Type", Value: ct})
		}
	}
	return nil
}

func randomBoundary() string {
	var buf [16]byte
	_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(buf[:])
}

// finish sets the headers and the body: HTTPie's make_default_headers and
// make_request_kwargs.
func (b *builder) finish(req *Request) error {
	opts := b.opts
	multipart := (b.form && b.files.len() > 0) || opts.Mode == ModeMultipart
	if opts.Raw != nil && (b.json != nil || b.data.len() > 0 || b.files.len() > 0) {
		return fmt.Errorf("items: %w", ErrMixedBody)
	}
	if opts.Raw != nil && multipart {
		return fmt.Errorf("items: %w: --raw with --multipart", ErrMixedBody)
	}

	hasData := b.json != nil || b.data.len() > 0 || b.body != nil || len(opts.Raw) > 0
	autoJSON := hasData && !b.form
	var hdrs headerList
	if opts.UserAgent != "" {
		hdrs = append(hdrs, Header{Name: "User-Agent", Value: opts.UserAgent})
	}
	switch {
	case opts.Mode == ModeJSON || autoJSON:
		hdrs = append(hdrs, Header{Name: "Accept", Value: JSONAccept}, Header{Name: "Content-Type", Value: JSONContentType})
	case b.form && b.files.len() == 0:
		hdrs = append(hdrs, Header{Name: "Accept", Value: DefaultAccept}, Header{Name: "Content-Type", Value: FormContentType})
	default:
		hdrs = append(hdrs, Header{Name: "Accept", Value: DefaultAccept})
	}
	if len(opts.SessionHeaders) > 0 {
		session := make(headerList, 0, len(opts.SessionHeaders))
		for _, h := range opts.SessionHeaders {
			if !h.Unset {
				h.Value = pyStrip(h.Value)
			}
			if !httpguts.ValidHeaderFieldName(h.Name) || !httpguts.ValidHeaderFieldValue(h.Value) {
				return fmt.Errorf("items: %w: session header %s: %s", ErrHeader, pyRepr(h.Name), pyRepr(h.Value))
			}
			session = append(session, h)
		}
		hdrs.update(session)
	}
	hdrs.update(b.headers)

	switch {
	case multipart:
		boundary := opts.Boundary
		if boundary == "" {
			boundary = randomBoundary()
		}
		if !validBoundary(boundary) {
			return fmt.Errorf("items: %w: %q", ErrBoundary, boundary)
		}
		ct := "multipart/form-data; boundary=" + boundary
		if h, ok := b.headers.get("Content-Type"); ok && !h.Unset && h.Value != "" {
			ct = pyStrip(h.Value)
			if !strings.Contains(ct, "boundary=") {
				ct += "; boundary=" + boundary
			}
		}
		hdrs.set(Header{Name: "Content-Type", Value: ct})
		b.parts.each(func(k string, p partSource) {
			if p.file != nil {
				req.Parts = append(req.Parts, Part{Name: k, Filename: p.file.filename, IsFile: true, ContentType: p.file.contentType, Data: p.file.data})
			} else {
				req.Parts = append(req.Parts, Part{Name: k, Data: []byte(p.text)})
			}
		})
		req.Body, req.BodyKind, req.Boundary = encodeMultipart(req.Parts, boundary), BodyMultipart, boundary
	case opts.Raw != nil:
		req.Body, req.BodyKind = append([]byte(nil), opts.Raw...), BodyRaw
	case b.body != nil:
		req.Body, req.BodyKind = b.body.data, BodyFile
	case b.json != nil:
		var s strings.Builder
		encodeJSON(&s, b.json)
		req.Body, req.BodyKind = []byte(s.String()), BodyJSON
	case b.data.len() > 0:
		req.Body, req.BodyKind = []byte(encodeQuery(&b.data)), BodyForm
	}
	if len(req.Body) == 0 {
		req.Body = nil
	}
	req.Header = hdrs
	return nil
}
