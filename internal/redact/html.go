package redact

import (
	"bytes"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// htmlBody masks the secrets a page carries: the value of password inputs
// and of inputs with a sensitive name (Spring's hidden _csrf, Django's
// csrfmiddlewaretoken, Rails' authenticity_token), the content of meta
// tags with a sensitive name (<meta name="_csrf" content="...">), and the
// sensitive parameters of URLs in links and forms (a reset link's
// ?token=). The rest of the page is kept byte for byte. A page cut short
// inside a tag that has attribute values loses that unfinished tag.
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
	// An unfinished tag at the end is not a token: keep it as it was,
	// unless it has begun an attribute value, which may be a secret.
	if tail := body[consumed:]; len(tail) > 0 {
		if bytes.IndexByte(tail, '=') >= 0 {
			changed = true
		} else {
			out.Write(tail)
		}
	}
	if !changed {
		return body
	}
	return out.Bytes()
}

// urlAttrs are the attributes that hold URLs.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "data": true, "poster": true, "cite": true}

// maskTag masks the secret attributes of a tag: the value of a password
// or sensitive input, the content of a sensitive meta tag, and the
// secrets of URLs.
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
		key = "value"
	case "meta":
		key = "content"
	}
	changed := false
	for i, a := range t.Attr {
		k := strings.ToLower(a.Key)
		switch {
		case a.Val == "":
		case k == key:
			if (t.Data == "input" && typ == "password") || Param(name, a.Val) != a.Val {
				t.Attr[i].Val = Mask
				changed = true
			} else if t.Data == "meta" && strings.EqualFold(attr(t, "http-equiv"), "refresh") {
				if v := Text(a.Val); v != a.Val {
					t.Attr[i].Val = v
					changed = true
				}
			}
		case urlAttrs[k]:
			if v := URLString(a.Val); v != a.Val {
				t.Attr[i].Val = v
				changed = true
			}
		}
	}
	return t, changed
}

// attr returns the value of a tag's attribute.
func attr(t *html.Token, key string) string {
	for _, a := range t.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}
