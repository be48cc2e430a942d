// Package limpet sends HTTP requests that share state, the way Python's
// requests.Session does, for servers that keep a session: cookies between
// requests, connection reuse, and default headers, credentials, proxies and
// query parameters applied to every request.
//
// # Creating a session
//
// The zero Options is useful: cookies are kept in an RFC 6265bis jar,
// requests time out after DefaultTimeout (30 s; requests has no default),
// redirects are followed up to DefaultMaxRedirects, proxies come from the
// environment and TLS certificates are verified.
//
//	s, err := limpet.New(limpet.Options{BaseURL: "http://localhost:8080"})
//	if err != nil { ... }
//	defer s.Close()
//	resp, err := s.Get(ctx, "/api/me")
//
// # Sending requests
//
// Get, Post, Put, Patch, Delete and Head cover the common cases; Do takes a
// Request with per-request headers, query parameters, credentials, timeout,
// redirect limit and proxy, each of which overrides the Session's. Bodies
// are built by JSON, Form, Multipart, Bytes and Reader, and every body can
// be sent again (for a 307/308 redirect, a Digest challenge, a re-login).
//
// A non-2xx response is not an error. Response.CheckStatus turns one into a
// *StatusError with the status, method, redacted URL and the start of the
// body. Response.JSON, Text and Bytes read the whole body; Response.Body can
// also be read as a stream.
//
// # Redirects and credentials
//
// Credentials follow requests' rule: an Authorization, Proxy-Authorization
// or Cookie header set by hand, and the Session's Auth, are sent on a
// redirect only while it stays on the same host, scheme and port (an upgrade
// from http to https on the default ports is allowed); once dropped, they
// stay dropped for the rest of the chain. Cookies from the jar go wherever
// the jar's domain, path and Secure rules send them. 301, 302 and 303 after
// a POST become a GET, as browsers do. Response.History holds the chain.
//
// # Precedence
//
// For every setting, the most specific wins: the Request, then the Session's
// Options, then the environment (proxies only). A header set on the Request
// replaces the Session's default of the same name, and a header key set with
// no values removes the default.
//
// # Using other libraries
//
// Session.Client returns an *http.Client on the same cookies, defaults,
// credentials and connections, for generated API clients and other
// libraries that take one. Options.Middleware adds http.RoundTripper layers,
// and OnRequest and OnResponse hooks see every request and response,
// redirect hops included.
//
// # Debugging
//
// With Options.Logger set, each request and response is logged at debug
// level, with credentials, cookie values, CSRF tokens and token-like query
// parameters masked.
//
// # Secrets in errors
//
// Errors returned by Do (and the Session's other senders, Login included)
// never show secret values: the URL of a *url.Error has its password and
// token-like query parameters masked, as in the log, and so do the
// messages of *StatusError (which also masks the tokens of the body it
// quotes) and *AuthError. A credential is masked whole: "Basic ****", never
// a part of it or of its Base64. The errors keep their causes, so
// errors.Is, errors.As and a *url.Error's Timeout answer as before.
package limpet
