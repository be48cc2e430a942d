package cli

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"sort"
	"strconv"
	"strings"
)

// formatOptions are HTTPie's --format-options: how headers and bodies are
// formatted when --pretty formats.
type formatOptions struct {
	headersSort  bool
	jsonFormat   bool
	jsonIndent   int
	jsonSortKeys bool
	xmlFormat    bool
	xmlIndent    int
}

// defaultFormatOptions are HTTPie's, but for JSON keys, which limpet keeps
// in the order the server sent them unless asked (--sorted, or
// --format-options=json.sort_keys:true).
func defaultFormatOptions() formatOptions {
	return formatOptions{headersSort: true, jsonFormat: true, jsonIndent: 4, xmlFormat: true, xmlIndent: 2}
}

// String lists the options as --format-options takes them.
func (f formatOptions) String() string {
	return fmt.Sprintf("headers.sort:%t,json.format:%t,json.indent:%d,json.sort_keys:%t,xml.format:%t,xml.indent:%d",
		f.headersSort, f.jsonFormat, f.jsonIndent, f.jsonSortKeys, f.xmlFormat, f.xmlIndent)
}

// maxIndent bounds json.indent and xml.indent.
const maxIndent = 16

// parseFormatOptions applies each --format-options value (and --sorted,
// --unsorted) in order to the defaults: comma-separated KEY:VALUE pairs.
func parseFormatOptions(values []string) (formatOptions, error) {
	f := defaultFormatOptions()
	for _, v := range values {
		for _, pair := range strings.Split(v, ",") {
			if strings.TrimSpace(pair) == "" {
				continue
			}
			key, val, ok := strings.Cut(strings.TrimSpace(pair), ":")
			if !ok {
				return f, fmt.Errorf("--format-options: %q is not KEY:VALUE (e.g. json.indent:2)", pair)
			}
			var err error
			switch key {
			case "headers.sort":
				f.headersSort, err = strconv.ParseBool(val)
			case "json.format":
				f.jsonFormat, err = strconv.ParseBool(val)
			case "json.sort_keys":
				f.jsonSortKeys, err = strconv.ParseBool(val)
			case "xml.format":
				f.xmlFormat, err = strconv.ParseBool(val)
			case "json.indent", "xml.indent":
				var n int
				n, err = strconv.Atoi(val)
				if err == nil && (n < 0 || n > maxIndent) {
					err = fmt.Errorf("want 0 to %d", maxIndent)
				}
				if key == "json.indent" {
					f.jsonIndent = n
				} else {
					f.xmlIndent = n
				}
			default:
				return f, fmt.Errorf("--format-options: unknown option %q (known: headers.sort, json.format, json.indent, json.sort_keys, xml.format, xml.indent)", key)
			}
			if err != nil {
				return f, fmt.Errorf("--format-options: %s: bad value %q: %v", key, val, unwrapNumError(err))
			}
		}
	}
	return f, nil
}

func unwrapNumError(err error) error {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		return ne.Err
	}
	return err
}

// formatJSON indents a JSON document, sorting object keys when asked. It
// returns false when b is not JSON.
func (f formatOptions) formatJSON(b []byte) ([]byte, bool) {
	b = bytes.Trim(b, " \t\r\n") // JSON's white space
	if !json.Valid(b) {
		return nil, false
	}
	indent := strings.Repeat(" ", f.jsonIndent)
	if !f.jsonSortKeys {
		var buf bytes.Buffer
		if err := json.Indent(&buf, b, "", indent); err != nil {
			return nil, false
		}
		return buf.Bytes(), true
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // numbers as written
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil { // map keys come out sorted
		return nil, false
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), true
}

// isXML reports whether a media type is XML.
func isXML(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml")
}

// formatXML indents an XML document: one element a line, an element with
// text alone on one line. It returns false when b is not well-formed.
func (f formatOptions) formatXML(b []byte) ([]byte, bool) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	var toks []xml.Token
	for {
		t, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		toks = append(toks, xml.CopyToken(t))
	}
	if len(toks) == 0 {
		return nil, false
	}
	var out bytes.Buffer
	depth := 0
	line := func() {
		if out.Len() > 0 {
			out.WriteByte('\n')
		}
		out.WriteString(strings.Repeat(" ", depth*f.xmlIndent))
	}
	text := func(s string) { xml.EscapeText(&out, []byte(s)) }
	for i := 0; i < len(toks); i++ {
		switch t := toks[i].(type) {
		case xml.StartElement:
			line()
			writeStart(&out, t)
			// <a/>, and <a>text</a> on one line.
			if i+1 < len(toks) {
				if _, ok := toks[i+1].(xml.EndElement); ok {
					out.Truncate(out.Len() - 1)
					out.WriteString("/>")
					i++
					continue
				}
			}
			if i+2 < len(toks) {
				cd, ok1 := toks[i+1].(xml.CharData)
				end, ok2 := toks[i+2].(xml.EndElement)
				if ok1 && ok2 {
					text(string(cd))
					out.WriteString("</" + qname(end.Name) + ">")
					i += 2
					continue
				}
			}
			depth++
		case xml.EndElement:
			depth--
			if depth < 0 {
				return nil, false
			}
			line()
			out.WriteString("</" + qname(t.Name) + ">")
		case xml.CharData:
			if s := strings.TrimSpace(string(t)); s != "" {
				line()
				text(s)
			}
		case xml.Comment:
			line()
			out.WriteString("<!--" + string(t) + "-->")
		case xml.ProcInst:
			line()
			out.WriteString("<?" + t.Target)
			if len(t.Inst) > 0 {
				out.WriteString(" " + string(t.Inst))
			}
			out.WriteString("?>")
		case xml.Directive:
			line()
			out.WriteString("<!" + string(t) + ">")
		}
	}
	return out.Bytes(), true
}

func qname(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func writeStart(out *bytes.Buffer, t xml.StartElement) {
	out.WriteString("<" + qname(t.Name))
	for _, a := range t.Attr {
		out.WriteString(" " + qname(a.Name) + `="`)
		xml.EscapeText(out, []byte(a.Value))
		out.WriteString(`"`)
	}
	out.WriteString(">")
}

// palette holds the colours of a --style: ANSI escape sequences, "" for
// none.
type palette struct {
	method, url, proto, header      string
	status2xx, status3xx, status4xx string
	key, str, num, lit, eventName   string
}

func fg(n int) string { return fmt.Sprintf("\x1b[38;5;%dm", n) }

// styles are the --style values: "auto" follows the terminal's own
// colours; the others are the HTTPie (Pygments) styles of the same names,
// in the terminal's 256 colours.
var styles = map[string]palette{
	"auto": {method: ansiBold + ansiGreen, url: ansiCyan, proto: ansiBlue, header: ansiCyan,
		status2xx: ansiBold + ansiGreen, status3xx: ansiBold + ansiYellow, status4xx: ansiBold + ansiRed,
		key: ansiBlue, str: ansiGreen, num: ansiYellow, lit: ansiRed, eventName: ansiBlue},
	"bw": {method: ansiBold, status2xx: ansiBold, status3xx: ansiBold, status4xx: ansiBold, key: ansiBold, eventName: ansiBold},
	"monokai": {method: ansiBold + fg(148), url: fg(81), proto: fg(81), header: fg(197),
		status2xx: ansiBold + fg(148), status3xx: ansiBold + fg(186), status4xx: ansiBold + fg(197),
		key: fg(197), str: fg(186), num: fg(141), lit: fg(81), eventName: fg(197)},
	"solarized": {method: ansiBold + fg(64), url: fg(37), proto: fg(33), header: fg(33),
		status2xx: ansiBold + fg(64), status3xx: ansiBold + fg(136), status4xx: ansiBold + fg(160),
		key: fg(33), str: fg(37), num: fg(125), lit: fg(166), eventName: fg(33)},
	"dracula": {method: ansiBold + fg(212), url: fg(117), proto: fg(141), header: fg(117),
		status2xx: ansiBold + fg(84), status3xx: ansiBold + fg(228), status4xx: ansiBold + fg(203),
		key: fg(117), str: fg(228), num: fg(141), lit: fg(141), eventName: fg(212)},
	"nord": {method: ansiBold + fg(110), url: fg(109), proto: fg(110), header: fg(109),
		status2xx: ansiBold + fg(108), status3xx: ansiBold + fg(179), status4xx: ansiBold + fg(167),
		key: fg(110), str: fg(108), num: fg(139), lit: fg(110), eventName: fg(110)},
	"gruvbox-dark": {method: ansiBold + fg(142), url: fg(108), proto: fg(109), header: fg(214),
		status2xx: ansiBold + fg(142), status3xx: ansiBold + fg(214), status4xx: ansiBold + fg(167),
		key: fg(109), str: fg(142), num: fg(175), lit: fg(175), eventName: fg(214)},
	"github-dark": {method: ansiBold + fg(210), url: fg(153), proto: fg(75), header: fg(75),
		status2xx: ansiBold + fg(114), status3xx: ansiBold + fg(222), status4xx: ansiBold + fg(210),
		key: fg(75), str: fg(153), num: fg(75), lit: fg(75), eventName: fg(210)},
	"pie-dark": {method: ansiBold + fg(79), url: fg(117), proto: fg(147), header: fg(117),
		status2xx: ansiBold + fg(79), status3xx: ansiBold + fg(221), status4xx: ansiBold + fg(204),
		key: fg(147), str: fg(79), num: fg(221), lit: fg(204), eventName: fg(147)},
	"pie-light": {method: ansiBold + fg(29), url: fg(25), proto: fg(61), header: fg(25),
		status2xx: ansiBold + fg(29), status3xx: ansiBold + fg(130), status4xx: ansiBold + fg(161),
		key: fg(61), str: fg(29), num: fg(130), lit: fg(161), eventName: fg(61)},
}

func init() {
	// Aliases, as HTTPie has them.
	styles["solarized-dark"] = styles["solarized"]
	light := styles["solarized"]
	light.str, light.num = fg(30), fg(89)
	styles["solarized-light"] = light
	styles["pie"] = styles["pie-dark"]
}

// styleNames lists the --style values.
func styleNames() []string {
	names := make([]string, 0, len(styles))
	for n := range styles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// styleFor returns the palette of a --style value.
func styleFor(name string) (palette, error) {
	if p, ok := styles[strings.ToLower(name)]; ok {
		return p, nil
	}
	return palette{}, fmt.Errorf("--style %q: limpet knows %s (HTTPie's other Pygments styles are not built in)", name, strings.Join(styleNames(), ", "))
}
