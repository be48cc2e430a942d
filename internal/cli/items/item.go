package items

import "strings"

// Separator is the operator that gives a request item its meaning.
type Separator string

// The request-item separators of HTTPie 3.2.
const (
	SepHeader      Separator = ":"   // Name:Value header; "Name:" unsets a default header
	SepEmptyHeader Separator = ";"   // Name; header with an empty value
	SepHeaderFile  Separator = ":@"  // Name:@file header value read from a file
	SepQuery       Separator = "=="  // name==value query parameter
	SepQueryFile   Separator = "==@" // name==@file query value read from a file
	SepData        Separator = "="   // field=value data field (a JSON string or a form field)
	SepDataFile    Separator = "=@"  // field=@file data field read from a text file
	SepJSON        Separator = ":="  // field:=json raw JSON value
	SepJSONFile    Separator = ":=@" // field:=@file.json raw JSON read from a file
	SepFile        Separator = "@"   // field@file upload (forms), or @file as the whole body
)

// separators in ascending length, so that of two separators starting at the
// same position the longer one is chosen, as in HTTPie.
var separators = []Separator{
	SepHeader, SepEmptyHeader, SepData, SepFile,
	SepHeaderFile, SepQuery, SepDataFile, SepJSON,
	SepQueryFile, SepJSONFile,
}

// IsData reports whether items with this separator are request data, which
// makes HTTPie (and limpet) choose POST when no method is given.
func (s Separator) IsData() bool {
	switch s {
	case SepData, SepDataFile, SepJSON, SepJSONFile, SepFile:
		return true
	}
	return false
}

// IsNestedJSON reports whether the key of such an item is a nested JSON
// path in JSON mode.
func (s Separator) IsNestedJSON() bool {
	switch s {
	case SepData, SepDataFile, SepJSON, SepJSONFile:
		return true
	}
	return false
}

// Item is one parsed request item.
type Item struct {
	Key   string    // the part before the separator, escapes resolved
	Sep   Separator // the separator
	Value string    // the part after the separator, escapes resolved
	Arg   string    // the argument as given
}

// isItemSpecial reports whether c occurs in some separator; only these
// characters can be escaped with a backslash.
func isItemSpecial(c byte) bool { return c == ':' || c == ';' || c == '=' || c == '@' }

type itemToken struct {
	text    string
	escaped bool // a single escaped separator character
}

// ParseItem splits one request item at its separator the way HTTPie 3.2
// does. The separator that starts earliest wins and, of those starting at
// the same position, the longest (so "a:=1" is raw JSON and "q==x=y" a query
// parameter with value "x=y"). A backslash before a separator character
// makes it literal and is removed ("a\=b=c" is field "a=b" with value "c");
// before any other character the backslash is kept.
//
// An argument with no separator yields an *ArgError wrapping ErrNoSeparator.
// ParseItem never reads files.
func ParseItem(arg string) (Item, error) {
	tokens := tokenizeItem(arg)
	for i, tok := range tokens {
		if tok.escaped {
			continue
		}
		pos, sep := -1, Separator("")
		for _, s := range separators {
			p := strings.Index(tok.text, string(s))
			if p < 0 {
				continue
			}
			if pos < 0 || p < pos || (p == pos && len(s) >= len(sep)) {
				pos, sep = p, s
			}
		}
		if pos < 0 {
			continue
		}
		var key, value strings.Builder
		for _, t := range tokens[:i] {
			key.WriteString(t.text)
		}
		key.WriteString(tok.text[:pos])
		value.WriteString(tok.text[pos+len(sep):])
		for _, t := range tokens[i+1:] {
			value.WriteString(t.text)
		}
		return Item{Key: key.String(), Sep: sep, Value: value.String(), Arg: arg}, nil
	}
	return Item{}, argErr(arg, ErrNoSeparator)
}

// tokenizeItem splits s into plain text and escaped separator characters.
func tokenizeItem(s string) []itemToken {
	tokens := []itemToken{{}}
	var cur strings.Builder
	flush := func() { tokens[len(tokens)-1].text = cur.String(); cur.Reset() }
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			cur.WriteByte(c)
			continue
		}
		if i+1 < len(s) && isItemSpecial(s[i+1]) {
			flush()
			tokens = append(tokens, itemToken{text: string(s[i+1]), escaped: true}, itemToken{})
			i++
			continue
		}
		cur.WriteByte('\\')
		if i+1 < len(s) {
			cur.WriteByte(s[i+1])
			i++
		}
	}
	flush()
	return tokens
}
