// Package har records the HTTP exchanges of a limpet Session (or any
// http.RoundTripper chain) and writes them as a HAR 1.2 file, the HTTP
// Archive format browsers' developer tools export and import.
//
// # Recording a session
//
// Create a Recorder and put its Middleware in limpet.Options.Middleware.
// It sits below limpet's cookie and credential handling, so it sees every
// request as it is sent (cookies, Authorization and CSRF headers included)
// and records each attempt and each redirect hop as an entry of its own:
//
//	rec := har.New(har.Options{})
//	s, err := limpet.New(limpet.Options{
//		Middleware: []func(http.RoundTripper) http.RoundTripper{rec.Middleware()},
//	})
//	...
//	err = rec.WriteFile("session.har")
//
// A plain http.Client works too: rec.Middleware()(http.DefaultTransport) is
// a RoundTripper.
//
// # Writing the file
//
// WriteFile replaces the file atomically and makes it readable by its owner
// only (0600); WriteTo writes to any io.Writer; HAR returns the document as
// Go values. All three can run while requests are still in flight: an entry
// whose response body has not been read to its end or closed is written
// with what is known so far and a comment saying so. Chrome, Firefox and
// HAR viewers open the files; they pass the npm har-validator.
//
// # Secrets
//
// A Recorder redacts by default, with the same rules as limpet's debug log,
// error messages, curl commands and command line (package internal/redact):
// Authorization and Proxy-Authorization credentials (the scheme stays:
// "Basic ****"), CSRF and API-key headers, "Bearer ..." values in any
// header, token-like query parameters, JWTs, and password, token, secret,
// PIN and similar fields of url-encoded, JSON, multipart and plain-text
// bodies, and of HTML pages (password and hidden CSRF inputs, CSRF meta
// tags, tokens in links), in requests and responses. A credential is masked
// whole, never a part of it or of its Base64. Cookie values show a
// fingerprint instead ("****~3fa2c1", the start of the value's SHA-256,
// for values of 16 characters or more), so that a HAR file still tells
// whether the session changed. A form, JSON or multipart body cut by the
// size cap is left out rather than shown partly redacted. Options.
// IncludeSecrets turns redaction off; read its warning first.
//
// # Bodies and their size
//
// The response body reaches the caller as a stream, unchanged: the recorder
// copies what the caller reads, up to Options.MaxResponseBody bytes
// (DefaultMaxBody unless set; SkipBody keeps none), and counts the rest.
// Request bodies are copied the same way as the transport sends them. Text
// is stored as it is; a binary body is stored in base64 (content.encoding
// for responses, the custom postData._encoding for requests).
//
// net/http asks for gzip and decompresses the response itself when the
// request does not set Accept-Encoding. The recorder then sees the decoded
// body: content.size is its decoded length, response.bodySize is -1
// (unknown) and a comment says why. headersSize is always -1, as net/http
// does not expose the size of headers on the wire, and the headers it adds
// on its own while writing the request (Host, Content-Length,
// Accept-Encoding) are not listed.
//
// # Timings
//
// With net/http's Transport underneath, the phases come from
// net/http/httptrace: blocked (waiting for a connection), dns, connect (TCP
// and TLS), ssl (the TLS handshake, also counted in connect), send, wait
// (until the first response byte) and receive (until the caller read the
// body to its end or closed it). dns, connect and ssl are -1 on a reused
// connection. With another transport only wait and receive are measured.
package har
