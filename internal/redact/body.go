package redact

import (
	"bytes"
	"mime"
	"regexp"
	"slices"
	"strings"
)

// Body redacts a request or response body for display, given its
// Content-Type: the sensitive fields of url-encoded forms, JSON (and
// NDJSON) and multipart/form-data bodies (fields, not files), and the
// secrets of HTML pages (see htmlBody). A body without a Content-Type, or
// text/plain, is redacted as what it looks like: JSON, a form, or free
// text ([Text]). Other bodies are returned unchanged, and so is a body
// with nothing to mask.
//
// Each redactor works on bodies that are cut short or malformed too: it
// masks what it can tell is a secret, to the end of the body when the
// body ends inside one, and keeps the rest byte for byte.
func Body(contentType string, body []byte) []byte {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	}
	switch {
	case mt == "application/x-www-form-urlencoded":
		return []byte(Query(string(body)))
	case mt == "multipart/form-data":
		// The boundary the Content-Type names (also when it does not
		// parse); the one the body shows only when no named one is in
		// the body: a parser reads the parts by the named boundary, and
		// another one's "parts" would run over its delimiters.
		named := uniq(params["boundary"], looseParam(contentType, "boundary"))
		present := slices.DeleteFunc(slices.Clone(named), func(b string) bool {
			return delimAt(body, []byte("--"+b), 0) < 0
		})
		if len(present) == 0 {
			present = uniq(append(named, sniffBoundary(body))...)
		}
		out := body
		for _, b := range present {
			out = multipartBody(b, out)
		}
		return out
	case mt == "text/html" || mt == "application/xhtml+xml":
		return htmlBody(body)
	case strings.Contains(mt, "json"):
		out, _ := jsonBody(body)
		return out
	case mt == "" || mt == "text/plain":
		return sniffedBody(body)
	}
	return body
}

// formShape is a body that looks like a url-encoded form.
var formShape = regexp.MustCompile(`^[^\s=&]+=[^\s]*$`)

// sniffedBody redacts a body whose type is not said: as JSON when it
// starts like JSON, as a form when it looks like one, as free text
// otherwise.
func sniffedBody(body []byte) []byte {
	t := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(t) > 0 && (t[0] == '{' || t[0] == '['):
		out, _ := jsonBody(body)
		return out
	case formShape.Match(bytes.TrimSpace(body)):
		return []byte(Query(string(body)))
	}
	if out := Text(string(body)); out != string(body) {
		return []byte(out)
	}
	return body
}

// uniq returns the distinct non-empty strings of ss.
func uniq(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// multipartBody masks the content of sensitive fields (not files) of a
// multipart/form-data body with the given boundary, keeping the part
// headers and the other parts byte for byte. A body cut short inside a
// sensitive field has the field masked to its end.
func multipartBody(boundary string, body []byte) []byte {
	delim := []byte("--" + boundary)
	var out []byte
	last := 0
	// A part starts after a delimiter line and ends before the CRLF (or LF)
	// that precedes the next delimiter.
	i := delimAt(body, delim, 0)
	for i >= 0 {
		start := i + len(delim)
		next := delimAt(body, delim, start)
		if bytes.HasPrefix(body[start:], []byte("--")) {
			// The close delimiter: what follows is the epilogue, which
			// parsers ignore; look on, in case it holds parts too.
			i = next
			continue
		}
		end, partEnd := len(body), len(body)
		if next >= 0 {
			end = next
			partEnd = trimNewline(body, start, end)
		}
		if from, to, ok := secretContent(body[start:partEnd]); ok {
			if out == nil {
				out = make([]byte, 0, len(body))
			}
			out = append(out, body[last:start+from]...)
			out = append(out, Mask...)
			last = start + to
		}
		if next < 0 {
			break
		}
		i = end
	}
	if out == nil {
		return body
	}
	return append(out, body[last:]...)
}

// delimAt returns the index of the first delimiter at or after from that
// starts a line, or -1.
func delimAt(body, delim []byte, from int) int {
	for from <= len(body) {
		j := bytes.Index(body[from:], delim)
		if j < 0 {
			return -1
		}
		j += from
		if j == 0 || body[j-1] == '\n' {
			return j
		}
		from = j + 1
	}
	return -1
}

// sniffBoundary returns the boundary of the body's first line that looks
// like a multipart delimiter line ("--boundary").
func sniffBoundary(body []byte) string {
	for len(body) > 0 {
		var line []byte
		line, body, _ = bytes.Cut(body, []byte("\n"))
		line = bytes.TrimRight(line, "\r")
		if len(line) >= 3 && len(line) <= 72 && bytes.HasPrefix(line, []byte("--")) {
			return string(bytes.TrimSuffix(line[2:], []byte("--")))
		}
	}
	return ""
}

// trimNewline returns where the content before body[end] ends: before the
// CRLF or LF that belongs to the delimiter at end.
func trimNewline(body []byte, start, end int) int {
	if end-1 >= start && body[end-1] == '\n' {
		end--
		if end-1 >= start && body[end-1] == '\r' {
			end--
		}
	}
	return end
}

// secretContent finds, in one part (from the end of its delimiter line to
// its end), the range of content to mask: the content of a field (not a
// file) whose name is sensitive or whose value is a credential by its
// shape.
func secretContent(part []byte) (from, to int, ok bool) {
	sep := []byte("\r\n\r\n")
	h := bytes.Index(part, sep)
	if h < 0 {
		sep = []byte("\n\n")
		h = bytes.Index(part, sep)
	}
	if h < 0 {
		return 0, 0, false // cut inside the headers: no content yet
	}
	content := part[h+len(sep):]
	name, file := formName(part[:h])
	if file || len(content) == 0 {
		return 0, 0, false
	}
	if !IsSensitiveName(name) && !isCredential(string(content)) {
		return 0, 0, false
	}
	if string(content) == Mask {
		return 0, 0, false
	}
	return h + len(sep), len(part), true
}

// formName returns the field name of a part's Content-Disposition, and
// whether the part is a file (it has a filename).
func formName(header []byte) (name string, file bool) {
	for _, line := range strings.Split(string(header), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "Content-Disposition") {
			continue
		}
		_, params, err := mime.ParseMediaType(v)
		if err != nil {
			// A header mime cannot parse: find name= by hand, and take it
			// for a field unless it names a file.
			lv := strings.ToLower(v)
			return looseParam(v, "name"), strings.Contains(lv, "filename")
		}
		_, file = params["filename"]
		return params["name"], file
	}
	return "", false
}

// looseParam finds param="value" or param=value in a header value that
// does not parse.
func looseParam(v, param string) string {
	lv := asciiLower(v) // same length as v: its indexes are v's
	for i := 0; ; {
		j := strings.Index(lv[i:], param+"=")
		if j < 0 {
			return ""
		}
		j += i
		if j > 0 && (isBase64URL(lv[j-1]) || lv[j-1] == '*') {
			i = j + len(param)
			continue
		}
		val := v[j+len(param)+1:]
		if strings.HasPrefix(val, `"`) {
			val, _, _ = strings.Cut(val[1:], `"`)
			return val
		}
		val, _, _ = strings.Cut(val, ";")
		return strings.TrimSpace(val)
	}
}

// asciiLower lower-cases the ASCII letters of s and keeps every other byte,
// so that the result has s's length and indexes (strings.ToLower replaces
// invalid UTF-8 with longer runes).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
