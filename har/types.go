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
	Name    string `json:"name"`
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
	Time     float64  `json:"time"`
	Request  Request  `json:"request"`
	Response Response `json:"response"`
	Cache    Cache    `json:"cache"`
	Timings  Timings  `json:"timings"`
	// ServerIPAddress is the IP address of the server (or proxy) the
	// connection went to, when it is known.
	ServerIPAddress string `json:"serverIPAddress,omitempty"`
	// Connection identifies the TCP connection: its local port.
	Connection string `json:"connection,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

// Request describes a request as it was handed to the transport.
type Request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []Cookie    `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	QueryString []NameValue `json:"queryString"`
	PostData    *PostData   `json:"postData,omitempty"`
	// HeadersSize is -1: net/http does not tell the size on the wire.
	HeadersSize int64 `json:"headersSize"`
	// BodySize is the number of body bytes sent.
	BodySize int64  `json:"bodySize"`
	Comment  string `json:"comment,omitempty"`
}

// Response describes a response as the transport returned it.
type Response struct {
	// Status is the status code; 0 when no response arrived.
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []Cookie    `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	Content     Content     `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	// HeadersSize is -1: net/http does not tell the size on the wire.
	HeadersSize int64 `json:"headersSize"`
	// BodySize is the number of body bytes received, or -1 when unknown
	// (a body the transport decompressed, or one closed before its end).
	BodySize int64  `json:"bodySize"`
	Comment  string `json:"comment,omitempty"`
	// Error is the transport's error when no response arrived.
	Error string `json:"_error,omitempty"`
}

// Cookie is a cookie sent in a request or set by a response.
type Cookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// The attributes below are only set for cookies set by a response.
	Path     string `json:"path,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Expires  string `json:"expires,omitempty"`
	HTTPOnly bool   `json:"httpOnly,omitempty"`
	Secure   bool   `json:"secure,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// NameValue is a header or a query parameter.
type NameValue struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Comment string `json:"comment,omitempty"`
}

// PostData is a request body.
type PostData struct {
	MimeType string `json:"mimeType"`
	// Text is the body, or its start when it was longer than the
	// recorder's cap; base64 when Encoding says so.
	Text string `json:"text"`
	// Params lists the fields of a url-encoded form body.
	Params []Param `json:"params,omitempty"`
	// Encoding is "base64" for a binary body; HAR 1.2 has no such field
	// for requests, so it is a custom one.
	Encoding string `json:"_encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// Param is a field of a posted form.
type Param struct {
	Name        string `json:"name"`
	Value       string `json:"value,omitempty"`
	FileName    string `json:"fileName,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Comment     string `json:"comment,omitempty"`
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
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// Cache is the cache state; limpet has no HTTP cache, so it is empty.
type Cache struct {
	Comment string `json:"comment,omitempty"`
}

// Timings splits an entry's time, in milliseconds; -1 marks a phase that
// did not happen (DNS and Connect on a reused connection) or is unknown.
type Timings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
	// SSL is the TLS handshake, also counted in Connect.
	SSL     float64 `json:"ssl"`
	Comment string  `json:"comment,omitempty"`
}
