package curlcmd

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/http/httpguts"

	"github.com/limpet-http/limpet/internal/redact"
)

// MaxInlineBody is the longest body Build writes into the command line as
// a --data-binary argument. Longer bodies, like binary ones, are fed to
// curl on its standard input (or read from Options.BodyFile): Linux
// refuses a single argument over 128 KiB.
const MaxInlineBody = 64 << 10

// Options configures Build. The zero value gives a command with secrets
// masked and the body, if any, in the command itself.
type Options struct {
	// IncludeSecrets turns redaction OFF.
	//
	// WARNING: the command then holds the request's credentials as they
	// are: passwords (Basic credentials, login form fields, JSON
	// fields), bearer tokens, session cookies, CSRF tokens and API keys.
	// Anyone who sees it (a terminal scrollback, shell history, a pasted
	// bug report, a CI log) can act as you. Set it only to run the command
	// yourself, and do not share the result.
	IncludeSecrets bool

	// BodyFile, when set, names a file the command reads the body from
	// (--data-binary @BodyFile) instead of carrying it. Command.FileBody
	// holds the bytes to write there; Command.WriteBodyFile writes them.
	BodyFile string
}

// Command is a curl command line that sends the same request as the
// *http.Request it was built from.
//
// A Command is not modified by its methods and may be shared between
// goroutines.
type Command struct {
	// Args are the command's words, as exec.Command takes them: Args[0] is
	// "curl".
	Args []string
	// Stdin is the request body when curl reads it from its standard
	// input (--data-binary @-), which happens for bodies that are binary,
	// hold control characters or are longer than MaxInlineBody; nil
	// otherwise. String and Multiline write it as a printf pipeline.
	Stdin []byte
	// FileBody is the request body when the command reads it from
	// Options.BodyFile; nil otherwise.
	FileBody []byte

	bodyFile string
	groups   [][]string // Args after "curl", a flag with its value per group
}

// Build returns the curl command that sends req with cookies: its method,
// URL, headers, cookies (those of req's Cookie header, then cookies) and
// body. The body is read through req.GetBody, so req itself is left as it
// was and may still be sent; a request whose body has no GetBody is
// refused, as reading it would consume it.
//
// Secrets are masked unless o.IncludeSecrets is set (see redact rules in
// package doc). Headers that curl computes itself (Content-Length,
// Transfer-Encoding) are left out; when req has no Accept-Encoding the
// command says --compressed, as net/http then asks for gzip and decodes
// the response. A request without User-Agent is sent with curl's own.
// Build errors on what net/http would refuse to send: a missing or
// non-HTTP URL, an invalid method, header name or header value, or an
// invalid cookie name.
func Build(req *http.Request, cookies []*http.Cookie, o Options) (*Command, error) {
	if req == nil || req.URL == nil {
		return nil, errors.New("curlcmd: request has no URL")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return nil, fmt.Errorf("curlcmd: unsupported URL scheme %q", req.URL.Scheme)
	}
	if req.URL.Host == "" {
		return nil, errors.New("curlcmd: URL has no host")
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	if !validMethod(method) {
		return nil, fmt.Errorf("curlcmd: invalid method %q", method)
	}
	for name, values := range req.Header {
		if !httpguts.ValidHeaderFieldName(name) {
			return nil, fmt.Errorf("curlcmd: invalid header name %q", name)
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil, fmt.Errorf("curlcmd: invalid value for header %q", name)
			}
		}
	}
	if req.Host != "" && !httpguts.ValidHostHeader(req.Host) {
		return nil, fmt.Errorf("curlcmd: invalid Host %q", req.Host)
	}
	body, hasBody, err := readBody(req)
	if err != nil {
		return nil, err
	}
	red := !o.IncludeSecrets
	ctype := req.Header.Get("Content-Type")
	if red && hasBody {
		body = redact.Body(ctype, body)
	}

	c := &Command{}
	u := *req.URL
	u.Fragment, u.RawFragment = "", ""
	rawURL := u.String()
	if red {
		rawURL = redact.URL(&u)
	}
	c.add(rawURL)
	if strings.ContainsAny(rawURL, "[]{}") {
		c.add("--globoff")
	}
	if hasDotSegment(u.EscapedPath()) {
		c.add("--path-as-is")
	}

	switch {
	case method == http.MethodHead && !hasBody:
		c.add("--head")
	case hasBody && method != http.MethodPost, !hasBody && method != http.MethodGet:
		c.add("-X", method)
	}
	if req.Host != "" && req.Host != req.URL.Host {
		c.add("-H", "Host: "+req.Host)
	}
	for _, name := range slices.Sorted(maps.Keys(req.Header)) {
		switch http.CanonicalHeaderKey(name) {
		case "Host", "Content-Length", "Transfer-Encoding", "Cookie":
			continue
		}
		for _, v := range req.Header[name] {
			if red {
				v = redact.HeaderValue(name, v)
			}
			if v == "" {
				// "Name:" would make curl drop the header.
				c.add("-H", name+";")
			} else {
				c.add("-H", name+": "+v)
			}
		}
	}
	if hasBody && ctype == "" && req.Header.Values("Content-Type") == nil {
		// Keep curl from adding its form Content-Type.
		c.add("-H", "Content-Type:")
	}

	var jar []string
	for _, line := range req.Header.Values("Cookie") {
		if line != "" {
			jar = append(jar, line)
		}
	}
	for _, ck := range cookies {
		if ck == nil {
			continue
		}
		// As http.Request.AddCookie writes it: the value is quoted when it
		// holds a space or a comma, and bytes a cookie cannot hold are
		// dropped.
		s := (&http.Cookie{Name: ck.Name, Value: ck.Value, Quoted: ck.Quoted}).String()
		if s == "" {
			return nil, fmt.Errorf("curlcmd: invalid cookie name %q", ck.Name)
		}
		jar = append(jar, s)
	}
	if len(jar) > 0 {
		line := strings.Join(jar, "; ")
		if red {
			line = redact.Cookie(line)
		}
		if strings.Contains(line, "=") {
			c.add("-b", line)
		} else {
			// Without '=', curl takes -b's value for a file name.
			c.add("-H", "Cookie: "+line)
		}
	}

	if _, set := req.Header["Accept-Encoding"]; !set && method != http.MethodHead && req.Header.Get("Range") == "" {
		c.add("--compressed")
	}

	if hasBody {
		switch {
		case o.BodyFile != "":
			c.add("--data-binary", "@"+o.BodyFile)
			c.FileBody = nonNil(body)
			c.bodyFile = o.BodyFile
		case inline(body):
			c.add("--data-binary", string(body))
		default:
			c.add("--data-binary", "@-")
			c.Stdin = nonNil(body)
		}
	}

	c.Args = []string{"curl"}
	for _, g := range c.groups {
		c.Args = append(c.Args, g...)
	}
	return c, nil
}

func (c *Command) add(words ...string) { c.groups = append(c.groups, words) }

// readBody reads req's body through GetBody, leaving req.Body unread.
func readBody(req *http.Request) (body []byte, has bool, err error) {
	if req.GetBody == nil {
		if req.Body == nil || req.Body == http.NoBody {
			return nil, false, nil
		}
		return nil, false, errors.New("curlcmd: request body cannot be read without consuming it (GetBody is nil)")
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil, false, fmt.Errorf("curlcmd: reading body: %w", err)
	}
	if rc == nil || rc == http.NoBody {
		return nil, false, nil
	}
	defer rc.Close()
	body, err = io.ReadAll(rc)
	if err != nil {
		return nil, false, fmt.Errorf("curlcmd: reading body: %w", err)
	}
	return body, len(body) > 0, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// inline reports whether body can be a --data-binary argument as it is:
// printable text with no control characters but newline and tab, not
// starting with '@' (which would make curl read a file), and not too long.
func inline(body []byte) bool {
	if len(body) > MaxInlineBody || body[0] == '@' || !utf8.Valid(body) {
		return false
	}
	for _, r := range string(body) {
		if r != '\n' && r != '\t' && !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// hasDotSegment reports whether a URL path holds "." or ".." segments,
// which curl would remove unless told --path-as-is.
func hasDotSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

func validMethod(m string) bool {
	for i := 0; i < len(m); i++ {
		if !httpguts.IsTokenRune(rune(m[i])) {
			return false
		}
	}
	return m != ""
}

// String returns the command as one line of POSIX shell, preceded by a
// printf pipeline when the body goes to curl's standard input.
func (c *Command) String() string {
	var b strings.Builder
	c.write(&b, " ", " ")
	return b.String()
}

// Multiline returns the command with each flag and its value on a line of
// its own, continued with backslashes, as people paste it into a terminal
// or a script.
func (c *Command) Multiline() string {
	var b strings.Builder
	c.write(&b, " \\\n  ", " ")
	return b.String()
}

func (c *Command) write(b *strings.Builder, groupSep, wordSep string) {
	if c.Stdin != nil {
		b.WriteString("printf ")
		b.WriteString(Quote(printfFormat(c.Stdin)))
		b.WriteString(" | ")
	}
	b.WriteString("curl")
	for i, g := range c.groups {
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(groupSep)
		}
		for j, w := range g {
			if j > 0 {
				b.WriteString(wordSep)
			}
			b.WriteString(Quote(w))
		}
	}
}

// WriteBodyFile writes FileBody to Options.BodyFile, readable by its owner
// only (mode 0600), as the command expects before it runs. It does nothing
// for a command that reads no file.
func (c *Command) WriteBodyFile() error {
	if c.bodyFile == "" {
		return nil
	}
	f, err := os.OpenFile(c.bodyFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("curlcmd: writing body file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("curlcmd: writing body file: %w", err)
	}
	if _, err := f.Write(c.FileBody); err != nil {
		f.Close()
		return fmt.Errorf("curlcmd: writing body file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("curlcmd: writing body file: %w", err)
	}
	return nil
}
