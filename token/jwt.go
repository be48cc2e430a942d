package token

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/limpet-http/limpet"
)

// JWTOptions configures JWTLogin. The zero value posts
// {"username": USER, "password": PASSWORD} as JSON and reads the token from
// the response's "token", "access_token" or "jwt" member.
type JWTOptions struct {
	Options
	// Form posts the credentials form-encoded
	// (application/x-www-form-urlencoded) instead of as a JSON object.
	Form bool
	// UserField and PasswordField name the credentials' fields; empty
	// means "username" and "password".
	UserField, PasswordField string
	// Extra fields sent with the credentials (a client id, a tenant).
	Extra map[string]string
	// TokenField is the member of the JSON response that holds the token,
	// a dotted path for nested objects ("data.accessToken"). Empty means
	// the first of "token", "access_token" and "jwt" that is present.
	TokenField string
}

// ErrLoginRefused is wrapped by the error a login endpoint's 401 or 403
// gives: the credentials were not accepted. That error is a
// *limpet.LoginError whose Reason is limpet.ErrBadCredentials.
var ErrLoginRefused = errors.New("token: login refused")

// ErrNoToken is wrapped by the error returned when a login response holds
// no token where one was expected.
var ErrNoToken = errors.New("token: no token in the login response")

// MaxResponse is the most of a login or token response that is read.
const MaxResponse = 1 << 20

// JWTLogin returns an Authenticator for an API whose login endpoint takes
// a user name and password and answers with a token, usually a JWT, to be
// sent as "Authorization: Bearer TOKEN". loginURL is absolute or relative to
// the Session's BaseURL.
//
// The token's expiry is read from the JWT's exp claim (without verifying
// the signature: the client does not hold the key), or from an expires_in
// member of the response. The token is renewed Skew before it expires, and
// once when the server refuses it, by logging in again with the same
// credentials. The password is kept in memory only; the session store gets
// the token and a recipe naming the endpoint and the user.
func JWTLogin(loginURL, user, password string, o JWTOptions) *Authenticator {
	g := &jwtGrant{url: loginURL, user: user, password: password, o: o}
	if g.o.UserField == "" {
		g.o.UserField = "username"
	}
	if g.o.PasswordField == "" {
		g.o.PasswordField = "password"
	}
	return newAuthenticator(g, o.Options, "jwt POST "+loginURL)
}

// JWTLoginFrom is JWTLogin with the credentials fetched when the first
// login needs them (see limpet.Credentials), not before.
func JWTLoginFrom(loginURL string, creds limpet.Credentials, o JWTOptions) *Authenticator {
	a := JWTLogin(loginURL, "", "", o)
	a.g.(*jwtGrant).creds = creds
	return a
}

type jwtGrant struct {
	url, user, password string
	creds               limpet.Credentials // when set, user and password come from it
	o                   JWTOptions

	mu      sync.Mutex
	fetched string // the user the credentials gave, for the recipe
}

func (g *jwtGrant) recipe() savedRecipe {
	p := map[string]string{"user_field": g.o.UserField, "password_field": g.o.PasswordField, "encoding": "json"}
	if g.o.Form {
		p["encoding"] = "form"
	}
	if g.o.TokenField != "" {
		p["token_field"] = g.o.TokenField
	}
	user := g.user
	g.mu.Lock()
	if g.fetched != "" {
		user = g.fetched
	}
	g.mu.Unlock()
	return savedRecipe{URL: g.url, Flow: "jwt", User: user, Params: p}
}

func (g *jwtGrant) refresh(context.Context, limpet.Env, *oauth2.Token) (*oauth2.Token, error) {
	return nil, errNoRefresh
}

func (g *jwtGrant) obtain(ctx context.Context, s limpet.Env) (*oauth2.Token, error) {
	user, password := g.user, g.password
	if g.creds != nil {
		var err error
		if user, password, err = g.creds.Get(ctx); err != nil {
			return nil, fmt.Errorf("token: %w", err)
		}
		g.mu.Lock()
		g.fetched = user
		g.mu.Unlock()
	}
	var body limpet.Body
	if g.o.Form {
		v := url.Values{}
		for k, x := range g.o.Extra {
			v.Set(k, x)
		}
		v.Set(g.o.UserField, user)
		v.Set(g.o.PasswordField, password)
		body = limpet.Form(v)
	} else {
		m := map[string]string{}
		for k, x := range g.o.Extra {
			m[k] = x
		}
		m[g.o.UserField] = user
		m[g.o.PasswordField] = password
		body = limpet.JSON(m)
	}
	req, err := s.NewRequest(ctx, &limpet.Request{Method: http.MethodPost, URL: g.url, Body: body,
		Header: http.Header{"Accept": {"application/json"}}})
	if err != nil {
		return nil, fmt.Errorf("token: login request: %w", err)
	}
	resp, err := httpClient(s).Do(req)
	if err != nil {
		return nil, fmt.Errorf("token: login: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse))
	if err != nil {
		return nil, fmt.Errorf("token: reading the login response: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden ||
		resp.StatusCode == http.StatusBadRequest && bytes.Contains(data, []byte(`"invalid_grant"`)):
		// OAuth 2's password grant answers a wrong password 400 invalid_grant (RFC 6749 5.2).
		return nil, &limpet.LoginError{Pkg: "token", Reason: limpet.ErrBadCredentials, User: user, URL: req.URL.String(),
			Status: resp.StatusCode, Detail: strings.TrimPrefix(excerpt(data), ": "), Err: ErrLoginRefused}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, fmt.Errorf("token: login: %s %s answered %s%s", req.Method, req.URL.Redacted(), resp.Status, excerpt(data))
	}
	t, err := ParseLoginResponse(data, g.o.TokenField)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// ParseLoginResponse reads a login endpoint's JSON response: the token from
// field (a dotted path; empty means the first of "token", "access_token"
// and "jwt"), and, beside it, the optional members token_type, expires_in
// (seconds, a number or a numeric string) and refresh_token. It returns an
// error wrapping ErrNoToken when the field is missing, empty or not a
// string, and never panics on malformed input.
func ParseLoginResponse(data []byte, field string) (*oauth2.Token, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("token: login response is not JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("token: login response has data after its JSON value")
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: the response is not a JSON object", ErrNoToken)
	}
	var (
		raw    any
		parent = obj
		name   string
	)
	if field == "" {
		for _, f := range []string{"token", "access_token", "jwt"} {
			if v, ok := obj[f]; ok {
				raw, name = v, f
				break
			}
		}
		if name == "" {
			return nil, fmt.Errorf("%w: none of the members token, access_token, jwt", ErrNoToken)
		}
	} else {
		name = field
		parts := strings.Split(field, ".")
		cur := any(obj)
		for i, p := range parts {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%w: %q is not an object", ErrNoToken, strings.Join(parts[:i], "."))
			}
			parent = m
			cur, ok = m[p]
			if !ok {
				return nil, fmt.Errorf("%w: no member %q", ErrNoToken, field)
			}
		}
		raw = cur
	}
	s, ok := raw.(string)
	if !ok || s == "" {
		return nil, fmt.Errorf("%w: member %q is not a non-empty string", ErrNoToken, name)
	}
	t := &oauth2.Token{AccessToken: s}
	if tt, ok := parent["token_type"].(string); ok {
		t.TokenType = tt
	}
	if rt, ok := parent["refresh_token"].(string); ok {
		t.RefreshToken = rt
	}
	switch e := parent["expires_in"].(type) {
	case json.Number:
		if n, err := e.Int64(); err == nil && n > 0 {
			t.ExpiresIn = n
		}
	case string:
		if n, err := strconv.ParseInt(e, 10, 64); err == nil && n > 0 {
			t.ExpiresIn = n
		}
	}
	if t.ExpiresIn > maxExpiresIn {
		t.ExpiresIn = 0 // absurd: unknown rather than an overflow
	}
	return t, nil
}

// ErrNoExpiry is wrapped by JWTExpiry's error for a token that is a JWT
// but has no exp claim.
var ErrNoExpiry = errors.New("token: the JWT has no exp claim")

// JWTExpiry returns the expiry (the exp claim) of a JWT without verifying
// its signature. It returns an error for a token that is not a JWT (an
// opaque token) and one wrapping ErrNoExpiry when there is no exp claim.
func JWTExpiry(token string) (time.Time, error) {
	if strings.Count(token, ".") != 2 || len(token) > MaxResponse {
		return time.Time{}, errors.New("token: not a JWT (want three dot-separated parts)")
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return time.Time{}, fmt.Errorf("token: reading the JWT: %w", err)
	}
	exp, err := claims.GetExpirationTime()
	if err != nil {
		return time.Time{}, fmt.Errorf("token: reading the JWT's exp claim: %w", err)
	}
	if exp == nil {
		return time.Time{}, ErrNoExpiry
	}
	return exp.Time, nil
}

// excerpt returns ": " and the start of a response body for an error
// message, or "" for an empty or binary body.
func excerpt(data []byte) string {
	const n = 200
	s := strings.TrimSpace(string(data))
	if s == "" || !utf8.ValidString(s) {
		return ""
	}
	if len(s) > n {
		s = s[:n] + "..."
	}
	return ": " + s
}
