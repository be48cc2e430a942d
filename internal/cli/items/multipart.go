package items

import (
	"strings"
)

// Part is one part of a multipart/form-data body.
type Part struct {
	Name string // the form field name
	// Filename is the file name sent for a file field (the base name of
	// the path); IsFile tells a file field with an empty name from a
	// plain field.
	Filename string
	IsFile   bool
	// ContentType is the part's Content-Type; "" sends none.
	ContentType string
	Data        []byte
}

// validBoundary reports whether b is a boundary RFC 2046 allows.
func validBoundary(b string) bool {
	if b == "" || len(b) > 70 || strings.HasSuffix(b, " ") {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("'()+_,-./:=? ", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// quoteParam quotes a Content-Disposition parameter value the way HTML5
// (and urllib3, which HTTPie uses) does: '"' becomes %22, '\' is doubled,
// and control characters other than ESC are percent-encoded.
func quoteParam(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			b.WriteString("%22")
		case c == '\\':
			b.WriteString(`\\`)
		case c <= 0x1f && c != 0x1b:
			b.WriteString("%" + strings.ToUpper(hex2(c)))
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// encodeMultipart writes the parts as requests-toolbelt's MultipartEncoder
// does, byte for byte.
func encodeMultipart(parts []Part, boundary string) []byte {
	var b strings.Builder
	b.WriteString("--" + boundary + "\r\n")
	for _, p := range parts {
		b.WriteString("Content-Disposition: form-data; name=" + quoteParam(p.Name))
		if p.IsFile {
			b.WriteString("; filename=" + quoteParam(p.Filename))
		}
		b.WriteString("\r\n")
		if p.ContentType != "" {
			b.WriteString("Content-Type: " + p.ContentType + "\r\n")
		}
		b.WriteString("\r\n")
		b.Write(p.Data)
		b.WriteString("\r\n--" + boundary + "\r\n")
	}
	s := b.String()
	return []byte(s[:len(s)-2] + "--\r\n")
}
