package har

// The types below follow the HAR 1.2 specification
// (http://www.softwareishard.com/blog/har-12-spec/) as browsers' developer
// tools write it. Fields whose JSON name starts with an underscore are
// custom fields, which the specification allows.

// HAR is a whole HAR document.
type HAR struct {
	Log Log `json:"log"`
}

// Log is the root of a HAR document's content.
type Log struct {
	// Version is the HAR format version, "1.2".
	Version string `json:"version"`
	// Creator names the program that wrote the file.
	Creator Creator `json:"creator"`
	// Entries lists the exchanges, in the order they started.
	Entries []Entry `json:"entries"`
	// Comment is free text.
	Comment string `json:"comment,omitempty"`
}

// Creator names the program that wrote a HAR file.
type Creator struct {
	// Name is "limpet".
	Name string `json:"name"`
	// Version is limpet.Version.
	Version string `json:"version"`
}

// Entry is one exchange: a request and its response. Each redirect hop and
// each attempt is an entry of its own.
type Entry struct {
	// StartedDateTime is when the request started, in ISO 8601 with
	// milliseconds and the zone offset.
	StartedDateTime string `json:"startedDateTime"`
	// Time is the whole exchange in milliseconds: the sum of the timings
	// that are not -1 (SSL excluded, as it is part of Connect).
	Time float64 `json:"time"`
	// Request is the request as handed to the transport.
	Request Request `json:"request"`
	// Response is the response, or Status 0 and Error when none came.
	Response Response `json:"response"`
	// Cache is always empty: limpet keeps no HTTP cache.
	Cache Cache `json:"cache"`
	// Timings splits Time into phases.
	Timings Timings `json:"timings"`
	// ServerIPAddress is the IP address of the server (or proxy) the
	// connection went to, when it is known.
	ServerIPAddress string `json:"serverIPAddress,omitempty"`
	// Connection identifies the TCP connection: its local port.
	Connection string `json:"connection,omitempty"`
	// Comment says when the exchange was still in progress.
	Comment string `json:"comment,omitempty"`
}

// Request describes a request as it was handed to the transport.
type Request struct {
	// Method is the request method.
	Method string `json:"method"`
	// URL is the absolute URL, without its fragment.
	URL string `json:"url"`
	// HTTPVersion is the protocol of the exchange ("HTTP/1.1",
	// "HTTP/2.0").
	HTTPVersion string `json:"httpVersion"`
	// Cookies lists the cookies of the Cookie header.
	Cookies []Cookie `json:"cookies"`
	// Headers lists the header fields, sorted by name, one per value.
	Headers []NameValue `json:"headers"`
	// QueryString lists the decoded query parameters, in order.
	QueryString []NameValue `json:"queryString"`
	// PostData is the body; nil for a request without one.
	PostData *PostData `json:"postData,omitempty"`
	// HeadersSize is -1: net/http does not tell the size on the wire.
	HeadersSize int64 `json:"headersSize"`
	// BodySize is the number of body bytes sent.
	BodySize int64 `json:"bodySize"`
	// Comment is free text.
	Comment string `json:"comment,omitempty"`
}

// Response describes a response as the transport returned it.
type Response struct {
	// Status is the status code; 0 when no response arrived.
	Status int `json:"status"`
	// StatusText is the reason phrase ("OK").
	StatusText string `json:"statusText"`
	// HTTPVersion is the response's protocol ("HTTP/1.1", "HTTP/2.0").
	HTTPVersion string `json:"httpVersion"`
	// Cookies lists the cookies set by Set-Cookie header fields.
	Cookies []Cookie `json:"cookies"`
	// Headers lists the header fields, sorted by name, one per value.
	Headers []NameValue `json:"headers"`
	// Content is the body as the caller read it.
	Content Content `json:"content"`
	// RedirectURL is the Location header, as sent (possibly relative).
	RedirectURL string `json:"redirectURL"`
	// HeadersSize is -1: net/http does not tell the size on the wire.
	HeadersSize int64 `json:"headersSize"`
	// BodySize is the number of body bytes received, or -1 when unknown
	// (a body the transport decompressed, or one closed before its end).
	BodySize int64 `json:"bodySize"`
	// Comment explains a BodySize of -1.
	Comment string `json:"comment,omitempty"`
	// Error is the transport's error when no response arrived.
	Error string `json:"_error,omitempty"`
}

// Cookie is a cookie sent in a request or set by a response.
type Cookie struct {
	// Name is the cookie's name.
	Name string `json:"name"`
	// Value is the cookie's value, masked unless secrets are included.
	Value string `json:"value"`

	// The attributes below are only set for cookies set by a response.

	// Path is the Path attribute.
	Path string `json:"path,omitempty"`
	// Domain is the Domain attribute.
	Domain string `json:"domain,omitempty"`
	// Expires is when the cookie expires, from Max-Age (counted from the
	// response) or Expires, in ISO 8601; the Unix epoch for a cookie
	// being deleted.
	Expires string `json:"expires,omitempty"`
	// HTTPOnly is the HttpOnly attribute.
	HTTPOnly bool `json:"httpOnly,omitempty"`
	// Secure is the Secure attribute.
	Secure bool `json:"secure,omitempty"`
	// Comment is free text.
	Comment string `json:"comment,omitempty"`
}

// NameValue is a header or a query parameter.
type NameValue struct {
	// Name is the header or parameter name.
	Name string `json:"name"`
	// Value is its value, masked when it is a secret.
	Value string `json:"value"`
	// Comment is free text.
	Comment string `json:"comment,omitempty"`
}

// PostData is a request body.
type PostData struct {
	// MimeType is the request's Content-Type.
	MimeType string `json:"mimeType"`
	// Text is the body, or its start when it was longer than the
	// recorder's cap; base64 when Encoding says so.
	Text string `json:"text"`
	// Params lists the fields of a url-encoded or multipart/form-data
	// body.
	Params []Param `json:"params,omitempty"`
	// Encoding is "base64" for a binary body; HAR 1.2 has no such field
	// for requests, so it is a custom one.
	Encoding string `json:"_encoding,omitempty"`
	// Comment says when the body is cut or left out.
	Comment string `json:"comment,omitempty"`
}

// Param is a field of a posted form.
type Param struct {
	// Name is the field's name.
	Name string `json:"name"`
	// Value is the field's value; empty for a file.
	Value string `json:"value,omitempty"`
	// FileName is the name of an uploaded file.
	FileName string `json:"fileName,omitempty"`
	// ContentType is the type of an uploaded file.
	ContentType string `json:"contentType,omitempty"`
	// Comment is free text.
	Comment string `json:"comment,omitempty"`
}

// Content is a response body.
type Content struct {
	// Size is the length of the body as delivered to the caller (after
	// decompression).
	Size int64 `json:"size"`
	// MimeType is the Content-Type header, "x-unknown" without one.
	MimeType string `json:"mimeType"`
	// Text is the body, or its start when it was longer than the
	// recorder's cap; base64 when Encoding is "base64".
	Text string `json:"text,omitempty"`
	// Encoding is "base64" for a binary body, empty for text.
	Encoding string `json:"encoding,omitempty"`
	// Comment says when the body is cut, left out or was not read to its
	// end.
	Comment string `json:"comment,omitempty"`
}

// Cache is the cache state; limpet has no HTTP cache, so it is empty.
type Cache struct {
	// Comment is free text.
	Comment string `json:"comment,omitempty"`
}

// Timings splits an entry's time, in milliseconds; -1 marks a phase that
// did not happen (DNS and Connect on a reused connection) or is unknown.
type Timings struct {
	// Blocked is the wait for a connection, DNS and Connect excluded.
	Blocked float64 `json:"blocked"`
	// DNS is the name lookup.
	DNS float64 `json:"dns"`
	// Connect is establishing the connection, TLS handshake included.
	Connect float64 `json:"connect"`
	// Send is writing the request.
	Send float64 `json:"send"`
	// Wait is from the request written to the first response byte.
	Wait float64 `json:"wait"`
	// Receive is from the first response byte to the end of the body
	// (or its close).
	Receive float64 `json:"receive"`
	// SSL is the TLS handshake, also counted in Connect.
	SSL float64 `json:"ssl"`
	// Comment is free text.
	Comment string `json:"comment,omitempty"`
}
