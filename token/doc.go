// Package token authenticates a limpet Session with bearer tokens: a JWT
// from a login endpoint, or OAuth 2.0 tokens through golang.org/x/oauth2
// (client credentials, refresh tokens, and the authorization code grant
// with PKCE driven through the authorization server's login form).
//
// # Choosing a flow
//
//   - JWTLogin: the API has a login endpoint that takes a user name and
//     password (JSON or form-encoded) and answers with a token.
//   - ClientCredentials: a service account of an OAuth 2.0 authorization
//     server (RFC 6749 §4.4).
//   - AuthorizationCode: a user of an OAuth 2.0 authorization server, whose
//     login form the Session fills in; PKCE (S256) is always used.
//   - Refreshing: a token obtained elsewhere, kept alive by its refresh
//     token.
//
// Each returns an *Authenticator to set as limpet.Options.Authenticator:
//
//	a := token.JWTLogin("/api/login", "alice", password, token.JWTOptions{})
//	s, err := limpet.New(limpet.Options{BaseURL: "https://api.example.com", Authenticator: a})
//	resp, err := s.Get(ctx, "/api/orders") // logs in on the server's first 401
//
// # Expiry and renewal
//
// A token's expiry comes from the token response's expires_in, or from the
// exp claim when the token is a JWT (read without verifying the signature:
// the client does not hold the key). The Authenticator renews the token
// Options.Skew (DefaultSkew, 30 s) before it expires, when a request is
// prepared; a goroutine that finds the token still valid while another one
// renews it does not wait. When the server refuses a token anyway (401,
// usually with error="invalid_token" in WWW-Authenticate), the Session
// renews it once, shared by every goroutine that saw the refusal, and
// replays the request: a 401 proves the request never reached the
// application, so a POST is replayed too. A 403 insufficient_scope is
// handed to the caller: a new token would not help. Options.Check replaces
// these rules for a server that signals expiry differently.
//
// Renewal means: a refresh token grant when the token has a refresh token,
// otherwise the flow again (a login, a client credentials request, the
// authorization code flow). A refused refresh token (400 invalid_grant:
// expired or revoked) also leads to the flow again, except for Refreshing,
// which has no other way and returns an error wrapping ErrReauthenticate.
//
// Options.Now sets the clock, so tests can move time without sleeping.
//
// # Keeping tokens across processes
//
// x/oauth2's own token sources refresh silently, so a rotated refresh
// token is lost when the process ends (golang/oauth2#84). Here every new or
// rotated token is handed to the Session's store (limpet.Options.Store):
// the Authenticator implements limpet.StateSaver and calls
// Session.StateChanged, so autosave writes the token, with a recipe of the
// flow (the endpoint, the user or client id, the scopes; never a password
// or client secret). The next process's Session restores the token and
// uses it without logging in while it is valid. Tokens are secrets: the
// file store writes them to files only their owner can read.
//
// # Client authentication at the token endpoint
//
// The OAuth 2.0 flows send the client id and secret in the Basic
// credentials (client_secret_basic, Spring Authorization Server's default)
// unless the configuration asks otherwise. RFC 6749 §2.3.1 wants both
// form-encoded first, and Spring's server decodes them: a secret "a+b:c"
// sent raw is read as "a b:c", and a raw "%" fails decoding with 400
// invalid_request. x/oauth2's oauth2.AuthStyleInHeader does the encoding;
// this package picks that style when the configuration leaves
// AuthStyleAutoDetect, so that a wrong secret is reported after one
// request instead of a second try in the form body.
//
// # Concurrency
//
// An Authenticator belongs to one Session and is safe for concurrent use
// by its goroutines. Token and Name may be called at any time.
package token
