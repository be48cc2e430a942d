package har

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	limpet "github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/redact"
)

const limpetVersion = limpet.Version

// dateTime is the ISO 8601 layout browsers use in HAR files.
const dateTime = "2006-01-02T15:04:05.000Z07:00"

// entry turns the record into a HAR entry, redacted when o asks for it.
func (r *record) entry(o *Options) Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	red := !o.IncludeSecrets
	e := Entry{
		StartedDateTime: r.start.Format(dateTime),
		Request:         r.request(red),
		Response:        r.response(red),
		ServerIPAddress: r.remoteIP,
		Connection:      r.localPort,
	}
	e.Timings, e.Time = r.timings()
	if !r.done {
		e.Comment = "in progress when the HAR was written: the response had not arrived, or its body had not been read to its end or closed"
	}
	return e
}

func (r *record) request(red bool) Request {
	out := Request{
		Method:      r.method,
		URL:         urlString(r.url, red),
		HTTPVersion: r.proto,
		Cookies:     requestCookies(r.header, red),
		Headers:     headerList(r.header, red),
		QueryString: queryList(r.url.RawQuery, red),
		HeadersSize: -1,
		BodySize:    r.reqBody.n,
	}
	if r.hasResponse && r.respProto != "" {
		out.HTTPVersion = r.respProto
	}
	if out.HTTPVersion == "" {
		out.HTTPVersion = "HTTP/1.1"
	}
	if r.host != "" && r.host != r.url.Host {
		out.Headers = append(out.Headers, NameValue{Name: "Host", Value: r.host})
	}
	if r.hasReqBody || r.reqBody.n > 0 {
		ct := r.header.Get("Content-Type")
		pd := &PostData{MimeType: ct}
		pd.Text, pd.Encoding, pd.Comment = renderBody(ct, &r.reqBody, red, r.reqEOF)
		if r.reqEOF && !r.reqBody.truncated() && r.reqBody.limit >= 0 {
			switch mediaType(ct) {
			case "application/x-www-form-urlencoded":
				pd.Params = formParams(string(r.reqBody.buf), red)
			case "multipart/form-data":
				pd.Params = multipartParams(ct, r.reqBody.buf, red)
			}
		}
		out.PostData = pd
	}
	return out
}

func (r *record) response(red bool) Response {
	out := Response{
		Cookies:     []Cookie{},
		Headers:     []NameValue{},
		Content:     Content{MimeType: "x-unknown"},
		HeadersSize: -1,
		BodySize:    -1,
	}
	if r.err != nil {
		out.Error = r.err.Error()
		if red {
			out.Error = redact.Text(out.Error)
		}
		return out
	}
	if !r.hasResponse {
		return out
	}
	out.Status = r.status
	out.StatusText = strings.TrimSpace(strings.TrimPrefix(r.statusLine, strconv.Itoa(r.status)))
	if out.StatusText == "" {
		out.StatusText = http.StatusText(r.status)
	}
	out.HTTPVersion = r.respProto
	out.Cookies = responseCookies(r.respHeader, r.respAt, red)
	out.Headers = headerList(r.respHeader, red)
	if loc := r.respHeader.Get("Location"); loc != "" {
		out.RedirectURL = loc
		if red {
			out.RedirectURL = redact.HeaderValue("Location", loc)
		}
	}
	ct := r.respHeader.Get("Content-Type")
	if ct != "" {
		out.Content.MimeType = ct
	}
	out.Content.Size = r.respBody.n
	out.Content.Text, out.Content.Encoding, out.Content.Comment = renderBody(ct, &r.respBody, red, r.respEOF)
	if r.bodyErr != nil {
		out.Content.Comment = joinComment(out.Content.Comment, "reading the body failed: "+r.bodyErr.Error())
	}
	switch {
	case r.uncompressed:
		out.Comment = "the transport asked for gzip and decompressed the body: its size on the wire is unknown"
	case r.respEOF:
		out.BodySize = r.respBody.n
	}
	return out
}

// timings splits the exchange into HAR's phases and returns them with the
// total, in milliseconds.
func (r *record) timings() (Timings, float64) {
	t := Timings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1}
	end := r.end
	if !r.done {
		end = time.Now()
		if r.hasResponse {
			end = r.respAt
		}
	}
	t0 := r.start
	if r.gotConn.IsZero() {
		// No connection events: the transport below is not an
		// *http.Transport, or it failed before it had a connection.
		headers := r.respAt
		if headers.IsZero() {
			headers = end
		}
		headers = notBefore(headers, t0)
		end = notBefore(end, headers)
		t.Wait = ms(headers.Sub(t0))
		t.Receive = ms(end.Sub(headers))
		return t, ms(end.Sub(t0))
	}
	t1 := notBefore(r.gotConn, t0)
	t2 := t1
	if !r.wrote.IsZero() {
		t2 = notBefore(r.wrote, t1)
	}
	t3 := r.firstByte
	if t3.IsZero() {
		t3 = r.respAt
	}
	if t3.IsZero() {
		t3 = end
	}
	t3 = notBefore(t3, t2)
	t4 := notBefore(end, t3)

	pre := t1.Sub(t0)
	var dns, connect, ssl time.Duration = -1, -1, -1
	if !r.reused {
		if !r.dnsStart.IsZero() && r.dnsDone.After(r.dnsStart) {
			dns = r.dnsDone.Sub(r.dnsStart)
		}
		if !r.connectStart.IsZero() && r.connectDone.After(r.connectStart) {
			connect = r.connectDone.Sub(r.connectStart)
		}
		if !r.tlsStart.IsZero() && r.tlsDone.After(r.tlsStart) {
			ssl = r.tlsDone.Sub(r.tlsStart)
			if connect < 0 {
				connect = 0
			}
			connect += ssl // HAR counts the handshake in connect too
		}
	}
	if max(dns, 0)+max(connect, 0) > pre {
		// The dial raced with another request's; the phases are not
		// this request's alone.
		dns, connect, ssl = -1, -1, -1
	}
	blocked := pre - max(dns, 0) - max(connect, 0)
	t.Blocked = ms(blocked)
	if dns >= 0 {
		t.DNS = ms(dns)
	}
	if connect >= 0 {
		t.Connect = ms(connect)
	}
	if ssl >= 0 {
		t.SSL = ms(ssl)
	}
	t.Send = ms(t2.Sub(t1))
	t.Wait = ms(t3.Sub(t2))
	t.Receive = ms(t4.Sub(t3))
	return t, ms(t4.Sub(t0))
}

func notBefore(t, min time.Time) time.Time {
	if t.Before(min) {
		return min
	}
	return t
}

// ms converts d to milliseconds, to the microsecond.
func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// urlString returns u without its fragment, which is never sent.
func urlString(u *url.URL, red bool) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	if red {
		return redact.URL(&c)
	}
	return c.String()
}

// headerList returns h's fields sorted by name, one entry per value.
func headerList(h http.Header, red bool) []NameValue {
	out := make([]NameValue, 0, len(h))
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			if red {
				v = redact.HeaderValue(k, v)
			}
			out = append(out, NameValue{Name: k, Value: v})
		}
	}
	return out
}

// requestCookies lists the cookies of h's Cookie fields.
func requestCookies(h http.Header, red bool) []Cookie {
	out := []Cookie{}
	for _, line := range h["Cookie"] {
		for _, pair := range strings.Split(line, ";") {
			pair = strings.TrimSpace(pair)
			if pair == "" {
				continue
			}
			name, value, _ := strings.Cut(pair, "=")
			if red && value != "" {
				value = redact.Identifier(strings.Trim(value, `"`))
			}
			out = append(out, Cookie{Name: name, Value: value})
		}
	}
	return out
}

// responseCookies lists the cookies set by h's Set-Cookie fields; lines
// that do not parse are left out (they still show among the headers).
func responseCookies(h http.Header, at time.Time, red bool) []Cookie {
	out := []Cookie{}
	for _, line := range h["Set-Cookie"] {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			continue
		}
		hc := Cookie{
			Name:     c.Name,
			Value:    c.Value,
			Path:     c.Path,
			Domain:   c.Domain,
			HTTPOnly: c.HttpOnly,
			Secure:   c.Secure,
		}
		if red && hc.Value != "" {
			hc.Value = redact.Identifier(hc.Value)
		}
		switch {
		case c.MaxAge > 0:
			hc.Expires = at.Add(time.Duration(c.MaxAge) * time.Second).UTC().Format(dateTime)
		case c.MaxAge < 0:
			hc.Expires = time.Unix(0, 0).UTC().Format(dateTime)
		case !c.Expires.IsZero():
			hc.Expires = c.Expires.UTC().Format(dateTime)
		}
		out = append(out, hc)
	}
	return out
}

// pairs splits a url-encoded string into its decoded names and values, in
// order; a part that does not decode is kept as it is.
func pairs(raw string, red bool, add func(name, value string)) {
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		name, value := unescape(k), unescape(v)
		if red {
			if redact.Query(p) != p {
				value = redact.Mask
			}
		}
		add(name, value)
	}
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func queryList(raw string, red bool) []NameValue {
	out := []NameValue{}
	pairs(raw, red, func(name, value string) {
		out = append(out, NameValue{Name: name, Value: value})
	})
	return out
}

func formParams(body string, red bool) []Param {
	out := []Param{}
	pairs(body, red, func(name, value string) {
		out = append(out, Param{Name: name, Value: value})
	})
	return out
}

func mediaType(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt
}

// multipartParams lists the parts of a multipart/form-data body: the
// values of fields, and the names and types of files (whose content is in
// the body's text). A body that does not parse gives the parts before the
// fault.
func multipartParams(contentType string, body []byte, red bool) []Param {
	out := []Param{}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return out
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err != nil {
			return out
		}
		p := Param{Name: part.FormName(), FileName: part.FileName()}
		if p.FileName != "" {
			p.ContentType = part.Header.Get("Content-Type")
			out = append(out, p)
			continue
		}
		v, err := io.ReadAll(part)
		if err != nil {
			return out
		}
		p.Value = string(v)
		if red {
			p.Value = redact.Param(p.Name, p.Value)
		}
		out = append(out, p)
	}
}

// redactable reports whether bodies of this type hold fields that
// redact.Body masks, so that a partial body of it is not shown. Other
// bodies (HTML pages, plain text) are redacted cut or whole.
func redactable(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.Contains(ct, "application/x-www-form-urlencoded") ||
		strings.Contains(ct, "json") ||
		strings.Contains(ct, "multipart/form-data")
}

// renderBody returns how a HAR file shows a captured body: as text, or as
// base64 when it is binary, with a comment when it is incomplete.
func renderBody(contentType string, c *capture, red, complete bool) (text, encoding, comment string) {
	if c.limit < 0 {
		if c.n > 0 {
			comment = fmt.Sprintf("%d bytes, not kept", c.n)
		}
		return "", "", comment
	}
	b := c.buf
	partial := c.truncated() || !complete
	if c.truncated() {
		comment = fmt.Sprintf("first %d of %d bytes", len(b), c.n)
	} else if !complete && c.n > 0 {
		comment = fmt.Sprintf("%d bytes, before the end of the body", c.n)
	}
	if red && len(b) > 0 {
		if partial && redactable(contentType) {
			return "", "", joinComment(comment, "not shown: a partial body cannot be redacted")
		}
		b = redact.Body(contentType, b)
	}
	if t, ok := asText(b, c.truncated()); ok {
		return t, "", comment
	}
	return base64.StdEncoding.EncodeToString(b), "base64", comment
}

// asText returns b as a string when it is printable UTF-8 text; a cut
// body may end inside a character, which is dropped.
func asText(b []byte, cut bool) (string, bool) {
	if cut {
		for k := 1; k <= utf8.UTFMax-1 && k <= len(b) && !utf8.Valid(b); k++ {
			if utf8.Valid(b[:len(b)-k]) {
				b = b[:len(b)-k]
			}
		}
	}
	if !utf8.Valid(b) {
		return "", false
	}
	for _, r := range string(b) {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f') || r == 0x7f {
			return "", false
		}
	}
	return string(b), true
}

func joinComment(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
