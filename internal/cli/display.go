package cli

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// writePainted writes s in a colour, or as it is when code is "".
func writePainted(out *bytes.Buffer, code string, s []byte) {
	if code == "" {
		out.Write(s)
		return
	}
	out.WriteString(code)
	out.Write(s)
	out.WriteString(ansiReset)
}

// formatted returns a body formatted for display (--pretty=all or format):
// JSON indented (its keys sorted with json.sort_keys) and coloured, XML
// indented; false when it is neither, or its format option is off.
func (p *printer) formatted(contentType string, b []byte) ([]byte, bool) {
	if !p.format {
		return nil, false
	}
	fo := p.formatOpts()
	switch {
	case looksJSON(contentType, b):
		out := bytes.Trim(b, " \t\r\n")
		if fo.jsonFormat {
			var ok bool
			if out, ok = fo.formatJSON(b); !ok {
				return nil, false
			}
		}
		if p.color {
			out = colorJSON(out, p.style)
		}
		return out, true
	case isXML(contentType) && fo.xmlFormat:
		return fo.formatXML(b)
	}
	return nil, false
}

// display returns the media type a response body is formatted as
// (--response-mime, else its Content-Type) and the body to show: on a
// terminal, as HTTPie does, decoded to UTF-8 from --response-charset, else
// from the charset of its Content-Type.
func (p *printer) display(contentType string, r io.Reader) (string, io.Reader) {
	if !p.tty {
		if p.mime != "" {
			contentType = p.mime
		}
		return contentType, r
	}
	cs := p.charset
	if cs == "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			cs = params["charset"]
		}
	}
	if p.mime != "" {
		contentType = p.mime
	}
	enc, err := charsetEncoding(cs)
	if err != nil || enc == nil {
		return contentType, r
	}
	return contentType, transform.NewReader(r, enc.NewDecoder())
}

// charsetEncoding returns the encoding of a character set name (the WHATWG
// names and labels browsers know: latin1, windows-1252, big5, shift_jis,
// ...; else IANA's: cp437, ...), nil for UTF-8, ASCII or none.
func charsetEncoding(name string) (encoding.Encoding, error) {
	name = strings.TrimSpace(name)
	switch strings.ToLower(name) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return nil, nil
	}
	enc, err := htmlindex.Get(name)
	if err != nil {
		// Names browsers do not know, such as cp437.
		if enc, err = ianaindex.IANA.Encoding(name); err != nil || enc == nil {
			return nil, fmt.Errorf("unknown character set %q", name)
		}
	}
	if enc == unicode.UTF8 {
		return nil, nil
	}
	return enc, nil
}
