// Package htmlform finds login forms, hidden inputs and meta tags in HTML
// pages, with a real HTML tokenizer (golang.org/x/net/html): attribute
// order, quoting and entities are handled as a browser would.
//
// It is shared by the login flows (Spring Security, Tomcat FORM, generic
// form login) and the command line.
package htmlform

import (
	"fmt"
	"io"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// Input is a form control: an <input>, <select> (its selected or first
// option) or <textarea>.
type Input struct {
	Name, Type, Value string
	// Autocomplete is the autocomplete attribute, lower-cased
	// ("username", "current-password"), of an <input>.
	Autocomplete string
}

// Form is one <form> element.
type Form struct {
	// Action is the action attribute, unescaped but not resolved; Method is
	// upper-cased ("GET" when absent); ID is the id attribute.
	Action, Method, ID string
	// Inputs are the form's controls in document order.
	Inputs []Input
}

// Page is what Parse found in a document.
type Page struct {
	Forms []Form
	// Meta maps <meta name=...> to its content (the first one of a name).
	Meta map[string]string
	// Title is the <title> text.
	Title string
}

// MaxSize is the most of a document Parse reads.
const MaxSize = 4 << 20

// Parse reads an HTML document (at most MaxSize bytes).
func Parse(r io.Reader) (*Page, error) {
	z := html.NewTokenizer(io.LimitReader(r, MaxSize))
	p := &Page{Meta: map[string]string{}}
	var cur *Form
	var inTitle, inTextarea, inSelect bool
	var selectInput *Input
	var selectHasSelected bool
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				return p, fmt.Errorf("htmlform: %w", err)
			}
			if cur != nil {
				p.Forms = append(p.Forms, *cur)
			}
			return p, nil
		case html.TextToken:
			switch {
			case inTitle:
				p.Title += string(z.Text())
			case inTextarea && cur != nil && len(cur.Inputs) > 0:
				cur.Inputs[len(cur.Inputs)-1].Value += string(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "form":
				if cur != nil {
					p.Forms = append(p.Forms, *cur)
					cur = nil
				}
			case "title":
				inTitle = false
			case "textarea":
				inTextarea = false
			case "select":
				inSelect = false
				selectInput = nil
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			attrs := map[string]string{}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				key := strings.ToLower(string(k))
				if _, dup := attrs[key]; !dup {
					attrs[key] = string(v)
				}
			}
			switch string(name) {
			case "title":
				inTitle = tt == html.StartTagToken
			case "meta":
				if n := attrs["name"]; n != "" {
					if _, seen := p.Meta[n]; !seen {
						p.Meta[n] = attrs["content"]
					}
				}
			case "form":
				if cur != nil {
					p.Forms = append(p.Forms, *cur)
				}
				m := strings.ToUpper(attrs["method"])
				if m == "" {
					m = "GET"
				}
				cur = &Form{Action: attrs["action"], Method: m, ID: attrs["id"]}
			case "input", "button":
				if cur == nil || attrs["name"] == "" {
					continue
				}
				typ := strings.ToLower(attrs["type"])
				if string(name) == "button" {
					if typ == "" {
						typ = "submit"
					}
				} else if typ == "" {
					typ = "text"
				}
				if (typ == "checkbox" || typ == "radio") && !hasKey(attrs, "checked") {
					// Unchecked boxes are not submitted, but a login flow
					// may want to tick one (remember-me): keep it with
					// an empty value.
					cur.Inputs = append(cur.Inputs, Input{Name: attrs["name"], Type: typ})
					continue
				}
				val := attrs["value"]
				if (typ == "checkbox" || typ == "radio") && !hasKey(attrs, "value") {
					val = "on"
				}
				cur.Inputs = append(cur.Inputs, Input{Name: attrs["name"], Type: typ, Value: val,
					Autocomplete: strings.ToLower(strings.TrimSpace(attrs["autocomplete"]))})
			case "textarea":
				if cur != nil && attrs["name"] != "" {
					cur.Inputs = append(cur.Inputs, Input{Name: attrs["name"], Type: "textarea"})
					inTextarea = tt == html.StartTagToken
				}
			case "select":
				if cur != nil && attrs["name"] != "" {
					cur.Inputs = append(cur.Inputs, Input{Name: attrs["name"], Type: "select"})
					selectInput = &cur.Inputs[len(cur.Inputs)-1]
					inSelect, selectHasSelected = true, false
				}
			case "option":
				if inSelect && selectInput != nil && cur != nil {
					in := &cur.Inputs[len(cur.Inputs)-1]
					v, ok := attrs["value"]
					if !ok {
						continue
					}
					if hasKey(attrs, "selected") && !selectHasSelected {
						in.Value, selectHasSelected = v, true
					} else if in.Value == "" && !selectHasSelected {
						in.Value = v
					}
				}
			}
		}
	}
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// Password returns the first input of type password, if any.
func (f Form) Password() (Input, bool) {
	for _, in := range f.Inputs {
		if in.Type == "password" {
			return in, true
		}
	}
	return Input{}, false
}

// Get returns the value of the first input called name.
func (f Form) Get(name string) (string, bool) {
	for _, in := range f.Inputs {
		if in.Name == name {
			return in.Value, true
		}
	}
	return "", false
}

// Hidden returns the form's hidden inputs, in order.
func (f Form) Hidden() []Input {
	var out []Input
	for _, in := range f.Inputs {
		if in.Type == "hidden" {
			out = append(out, in)
		}
	}
	return out
}

// LoginForm returns the first form with a password input: a login form.
func (p *Page) LoginForm() (Form, bool) {
	for _, f := range p.Forms {
		if _, ok := f.Password(); ok {
			return f, true
		}
	}
	return Form{}, false
}

// UserField guesses the user-name input of a login form: the text or email
// input just before the password input, else one whose name says "user",
// "login" or "email".
func (f Form) UserField() (string, bool) {
	last := ""
	for _, in := range f.Inputs {
		if in.Type == "password" {
			if last != "" {
				return last, true
			}
			break
		}
		if in.Type == "text" || in.Type == "email" {
			last = in.Name
		}
	}
	for _, in := range f.Inputs {
		n := strings.ToLower(in.Name)
		if in.Type != "hidden" && (strings.Contains(n, "user") || strings.Contains(n, "login") || strings.Contains(n, "email")) {
			return in.Name, true
		}
	}
	return "", false
}

// Values returns what submitting the form sends: every input with a value
// except submit buttons and unchecked boxes, in order.
func (f Form) Values() url.Values {
	v := url.Values{}
	for _, in := range f.Inputs {
		switch in.Type {
		case "submit", "button", "image", "reset", "file":
			continue
		case "checkbox", "radio":
			if in.Value == "" {
				continue
			}
		}
		v.Add(in.Name, in.Value)
	}
	return v
}

// ResolveAction returns the form's action resolved against the page URL
// (an empty action submits to the page itself).
func (f Form) ResolveAction(page *url.URL) (*url.URL, error) {
	a, err := url.Parse(strings.TrimSpace(f.Action))
	if err != nil {
		return nil, fmt.Errorf("htmlform: form action %q: %w", f.Action, err)
	}
	return page.ResolveReference(a), nil
}
