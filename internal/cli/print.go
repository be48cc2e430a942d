package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/limpet-http/limpet/internal/redact"
)

// printSpec is HTTPie's --print: which parts of the exchange are shown.
type printSpec struct {
	reqHead, reqBody, respHead, respBody, meta bool
}

func parsePrintSpec(s string) (printSpec, error) {
	var p printSpec
	for _, c := range s {
		switch c {
		case 'H':
			p.reqHead = true
		case 'B':
			p.reqBody = true
		case 'h':
			p.respHead = true
		case 'b':
			p.respBody = true
		case 'm':
			p.meta = true
		default:
			return p, fmt.Errorf("--print: unknown character %q (want H, B, h, b or m)", c)
		}
	}
	return p, nil
}

func (p printSpec) request() bool { return p.reqHead || p.reqBody }

// printer formats messages the way HTTPie shows them.
type printer struct {
	w       io.Writer
	color   bool // ANSI colours
	format  bool // indent JSON
	secrets bool // show credentials, cookies and tokens as they are
	tty     bool // output is a terminal: binary bodies are not shown

	style   palette        // colours (--style); zero: none
	fo      *formatOptions // --format-options; nil: the defaults
	mime    string         // --response-mime: the media type to format a response body as
	charset string         // --response-charset: the character set to display it in
}

// formatOpts returns the format options in force.
func (p *printer) formatOpts() formatOptions {
	if p.fo == nil {
		return defaultFormatOptions()
	}
	return *p.fo
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiBlue   = "\x1b[34m"
	ansiCyan   = "\x1b[36m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiRed    = "\x1b[31m"
	ansiGray   = "\x1b[90m"
)

func (p *printer) paint(code, s string) string {
	if !p.color || code == "" {
		return s
	}
	return code + s + ansiReset
}

func (p *printer) headerValue(name, value string) string {
	if p.secrets {
		return value
	}
	return redact.HeaderValue(name, value)
}

// requestHead writes the request line and headers as sent on the wire.
func (p *printer) requestHead(req *http.Request) {
	target := req.URL.RequestURI()
	if !p.secrets {
		target = redact.RequestURI(req.URL)
	}
	fmt.Fprintf(p.w, "%s %s %s\n", p.paint(p.style.method, req.Method), p.paint(p.style.url, target), p.paint(p.style.proto, "HTTP/1.1"))
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	h := req.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Host", host)
	if req.ContentLength > 0 && h.Get("Content-Length") == "" {
		h.Set("Content-Length", fmt.Sprint(req.ContentLength))
	}
	p.headers(h)
	fmt.Fprintln(p.w)
}

// responseHead writes the status line and headers.
func (p *printer) responseHead(resp *http.Response) {
	code := p.style.status2xx
	switch {
	case resp.StatusCode >= 400:
		code = p.style.status4xx
	case resp.StatusCode >= 300:
		code = p.style.status3xx
	}
	proto := resp.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	status := statusText(resp)
	fmt.Fprintf(p.w, "%s %s\n", p.paint(p.style.proto, proto), p.paint(code, status))
	p.headers(resp.Header)
	fmt.Fprintln(p.w)
}

func (p *printer) headers(h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(p.w, "%s: %s\n", p.paint(p.style.header, k), p.headerValue(k, v))
		}
	}
}

// maxFormatBytes bounds what is held in memory to format a body (JSON
// indented or coloured): a larger body is not formatted, and not read.
const maxFormatBytes = 8 << 20

// tooLargeNote replaces a body too large to format.
func (p *printer) tooLargeNote() string {
	next := "or pipe it"
	if !p.tty {
		next = "or use --pretty=none"
	}
	return fmt.Sprintf("limpet: body too large to format (more than %d MiB); use -d to save it, %s", maxFormatBytes>>20, next)
}

// responseBody writes a response body as it arrives. Only a body that may
// be formatted or must be masked (mask: it is shown with headers, as a
// transcript) is read into memory, up to maxFormatBytes; on a terminal a
// binary body is replaced by a note and not read further.
func (p *printer) responseBody(contentType string, r io.Reader, mask bool) error {
	if mask && !p.secrets {
		// Masking needs the whole body: hold at most maxFormatBytes.
		contentType, r = p.display(contentType, r)
		b, err := io.ReadAll(io.LimitReader(r, maxFormatBytes+1))
		if len(b) > maxFormatBytes {
			fmt.Fprintln(p.w, p.tooLargeNote())
			return err
		}
		// A body cut short (a timeout, a reset) is shown as far as it
		// came, masked like a whole one.
		p.body(contentType, b, true)
		return err
	}
	if !p.format && !p.tty {
		_, err := io.Copy(p.w, r)
		return err
	}
	contentType, r = p.display(contentType, r)
	// The first bytes that come, not sniffLen of them: a slow body shows
	// as it arrives.
	first := make([]byte, sniffLen)
	n, err := io.ReadAtLeast(r, first, 1)
	head := first[:n]
	if err == io.EOF || n == 0 {
		return nil
	}
	if err != nil {
		return err
	}
	br := io.MultiReader(bytes.NewReader(head), r)
	if p.tty && isBinary(head) {
		fmt.Fprintln(p.w, binaryNote)
		return nil
	}
	if p.format && (mayBeJSON(contentType, head) || isXML(contentType)) {
		b, err := io.ReadAll(io.LimitReader(br, maxFormatBytes+1))
		if err != nil {
			return err
		}
		if len(b) > maxFormatBytes {
			fmt.Fprintln(p.w, p.tooLargeNote())
			return nil
		}
		p.body(contentType, b, false)
		return nil
	}
	_, err = io.Copy(p.w, br)
	return err
}

// sniffLen is how much of a body is looked at to tell binary data and
// JSON.
const sniffLen = 1024

// mayBeJSON reports whether a body starting with head may be JSON to
// format: looksJSON decides once the whole body is read.
func mayBeJSON(contentType string, head []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "/json") {
		return true
	}
	t := bytes.TrimSpace(head)
	return (mt == "" || strings.HasPrefix(mt, "text/")) && len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// tailWriter remembers the last byte written, to end the output with a
// newline.
type tailWriter struct {
	w    io.Writer
	n    int64
	last byte
}

func (t *tailWriter) Write(b []byte) (int, error) {
	n, err := t.w.Write(b)
	if n > 0 {
		t.n += int64(n)
		t.last = b[n-1]
	}
	return n, err
}

const binaryNote = "+-----------------------------------------+\n| NOTE: binary data not shown in terminal |\n+-----------------------------------------+"

// body writes a message body: formatted JSON when asked, a note instead of
// binary data on a terminal, the bytes as they are otherwise. With
// redactBody (and without --show-secrets), its secrets are masked first.
func (p *printer) body(contentType string, b []byte, redactBody bool) {
	if len(b) == 0 {
		return
	}
	if redactBody && !p.secrets {
		b = redact.Body(contentType, b)
	}
	if p.tty && isBinary(b) {
		fmt.Fprintln(p.w, binaryNote)
		return
	}
	if out, ok := p.formatted(contentType, b); ok {
		p.w.Write(out)
		fmt.Fprintln(p.w)
		return
	}
	p.w.Write(b)
	if p.tty && !bytes.HasSuffix(b, []byte("\n")) {
		fmt.Fprintln(p.w)
	}
}

// redactAttr masks the secrets of the debug log's string values, under
// the Session's own redaction: a net for what other layers log.
func redactAttr(groups []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindString {
		if s := a.Value.String(); redact.Text(s) != s {
			a.Value = slog.StringValue(redact.Text(s))
		}
	}
	return a
}

func isBinary(b []byte) bool {
	head := b
	if len(head) > sniffLen {
		head = head[:sniffLen]
	}
	return bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(trimIncompleteRune(head))
}

func trimIncompleteRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}

func looksJSON(contentType string, b []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "application/json" || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "/json") {
		return true
	}
	t := bytes.TrimSpace(b)
	return (mt == "" || strings.HasPrefix(mt, "text/")) && len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid(t)
}

// colorJSON colours indented JSON: keys, strings, numbers and literals.
func colorJSON(in []byte, st palette) []byte {
	var out bytes.Buffer
	i := 0
	for i < len(in) {
		c := in[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(in) && in[j] != '"' {
				if in[j] == '\\' {
					j++
				}
				j++
			}
			if j < len(in) {
				j++
			}
			k := j
			for k < len(in) && in[k] == ' ' {
				k++
			}
			code := st.str
			if k < len(in) && in[k] == ':' {
				code = st.key
			}
			writePainted(&out, code, in[i:j])
			i = j
		case c == '-' || (c >= '0' && c <= '9'):
			j := i
			for j < len(in) && strings.IndexByte("+-.eE0123456789", in[j]) >= 0 {
				j++
			}
			writePainted(&out, st.num, in[i:j])
			i = j
		case c == 't' || c == 'f' || c == 'n':
			j := i
			for j < len(in) && in[j] >= 'a' && in[j] <= 'z' {
				j++
			}
			writePainted(&out, st.lit, in[i:j])
			i = j
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.Bytes()
}
