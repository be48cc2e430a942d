package redact

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// htmlBody masks the secrets a page carries: the value of password inputs
// and of inputs with a sensitive name (Spring's hidden _csrf, Django's
// csrfmiddlewaretoken, Rails' authenticity_token), and the content of meta
// tags with a sensitive name (<meta name="_csrf" content="...">). The rest
// of the page is kept byte for byte.
func htmlBody(body []byte) []byte {
	z := html.NewTokenizer(bytes.NewReader(body))
	var out bytes.Buffer
	changed := false
	consumed := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				return body
			}
			break
		}
		raw := z.Raw()
		consumed += len(raw)
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			out.Write(raw)
			continue
		}
		tok := z.Token()
		if masked, ok := maskTag(&tok); ok {
			changed = true
			if tt == html.SelfClosingTagToken {
				tok.Type = html.SelfClosingTagToken
			}
			out.WriteString(masked.String())
			continue
		}
		out.Write(raw)
	}
	if !changed {
		return body
	}
	// An unfinished tag at the end is not a token: keep it as it was.
	if consumed < len(body) {
		out.Write(body[consumed:])
	}
	return out.Bytes()
}

// maskTag masks the secret attribute of an input or meta tag.
func maskTag(t *html.Token) (*html.Token, bool) {
	var name, typ string
	for _, a := range t.Attr {
		switch strings.ToLower(a.Key) {
		case "name":
			name = a.Val
		case "type":
			typ = strings.ToLower(a.Val)
		}
	}
	var key string
	switch t.Data {
	case "input":
		if typ != "password" && !IsSensitiveName(name) {
			return nil, false
		}
		key = "value"
	case "meta":
		if !IsSensitiveName(name) {
			return nil, false
		}
		key = "content"
	default:
		return nil, false
	}
	changed := false
	for i, a := range t.Attr {
		if strings.ToLower(a.Key) == key && a.Val != "" {
			t.Attr[i].Val = Value(a.Val)
			changed = true
		}
	}
	return t, changed
}
