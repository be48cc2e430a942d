// Package legacystate reads the top-level members that session files of
// earlier releases kept for particular pieces of a session: "auth" (the
// command line's -a settings), "login" (a login recipe), "csrf" (a learned
// CSRF token) and "tokens" (one token per source). The store reads them as
// unknown members, in store.Snapshot.Extra; each piece that owned one
// converts it to a State entry of its own when it finds no entry, and
// removes the member from the next save with Remove (RemoveToken for one
// token of the list), so that a file is converted once.
//
// A member that cannot be decoded is reported as absent and is left in the
// file as it is. The functions are safe for concurrent use; they do not
// change the snapshots they read.
package legacystate

import (
	"encoding/json"
	"slices"
	"time"

	"github.com/limpet-http/limpet/store"
)

// Names of the members.
const (
	MemberAuth   = "auth"
	MemberLogin  = "login"
	MemberCSRF   = "csrf"
	MemberTokens = "tokens"
)

// Auth is the "auth" member: how the command line's -a authenticated a
// session.
type Auth struct {
	Kind         string `json:"kind"`
	User         string `json:"user"`
	PasswordFrom string `json:"password_from"`
	Password     string `json:"password"`
	Updated      Time   `json:"updated"`
}

// Login is the "login" member: a recipe to log in again.
type Login struct {
	URL          string            `json:"url"`
	Flow         string            `json:"flow"`
	User         string            `json:"user"`
	PasswordFrom string            `json:"password_from"`
	Password     string            `json:"password"`
	Params       map[string]string `json:"params"`
	Updated      Time              `json:"updated"`
}

// CSRF is the "csrf" member: the CSRF token a session learned.
type CSRF struct {
	Token      string `json:"token"`
	HeaderName string `json:"header_name"`
	ParamName  string `json:"param_name"`
	Source     string `json:"source"`
	Updated    Time   `json:"updated"`
}

// Token is an element of the "tokens" member.
type Token struct {
	Source       string `json:"source"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	Expiry       Time   `json:"expiry"`
	Updated      Time   `json:"updated"`
}

// Time is a time as the earlier files wrote it: an RFC 3339 string; "" and
// null read as the zero time.
type Time struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" || string(b) == `""` {
		t.Time = time.Time{}
		return nil
	}
	return t.Time.UnmarshalJSON(b)
}

// MarshalJSON implements json.Marshaler: the zero time as "".
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return t.Time.UTC().MarshalJSON()
}

func member[T any](s store.Snapshot, name string) (T, bool) {
	var v T
	raw := s.Extra[name]
	if raw == nil || json.Unmarshal(raw, &v) != nil {
		return v, false
	}
	return v, true
}

// AuthOf returns the "auth" member of s.
func AuthOf(s store.Snapshot) (Auth, bool) { return member[Auth](s, MemberAuth) }

// LoginOf returns the "login" member of s.
func LoginOf(s store.Snapshot) (Login, bool) { return member[Login](s, MemberLogin) }

// CSRFOf returns the "csrf" member of s.
func CSRFOf(s store.Snapshot) (CSRF, bool) { return member[CSRF](s, MemberCSRF) }

// Tokens returns the tokens of the "tokens" member of s (nil when it has
// none); an element that is not a token is left out.
func Tokens(s store.Snapshot) []Token {
	elems, ok := member[[]json.RawMessage](s, MemberTokens)
	if !ok {
		return nil
	}
	var ts []Token
	for _, e := range elems {
		var t Token
		if json.Unmarshal(e, &t) == nil {
			ts = append(ts, t)
		}
	}
	return ts
}

// TokenOf returns the token of source in the "tokens" member of s.
func TokenOf(s store.Snapshot, source string) (Token, bool) {
	ts := Tokens(s)
	i := slices.IndexFunc(ts, func(t Token) bool { return t.Source == source })
	if i < 0 {
		return Token{}, false
	}
	return ts[i], true
}

// Has reports whether s has any of the members.
func Has(s store.Snapshot) bool {
	for _, m := range []string{MemberAuth, MemberLogin, MemberCSRF, MemberTokens} {
		if s.Extra[m] != nil {
			return true
		}
	}
	return false
}

// Remove records in dst, a snapshot about to be saved, that the member
// name was converted: the save leaves it out.
func Remove(dst *store.Snapshot, name string) { dst.RemoveExtra(name) }

// RemoveToken records in dst, a snapshot about to be saved, that the token
// of source in the "tokens" member of loaded (the snapshot the owner read
// it from) was converted: the save keeps the other tokens of the list (as
// another owner of this save left them, when one did), or removes the
// member when none is left.
func RemoveToken(dst *store.Snapshot, loaded store.Snapshot, source string) {
	raw, ok := dst.Extra[MemberTokens]
	if !ok {
		raw = loaded.Extra[MemberTokens]
	}
	var ts []json.RawMessage
	if raw == nil || json.Unmarshal(raw, &ts) != nil {
		return // removed already, or not a list: left as it is
	}
	kept := ts[:0]
	for _, t := range ts {
		var head struct {
			Source string `json:"source"`
		}
		if json.Unmarshal(t, &head) == nil && head.Source == source {
			continue
		}
		kept = append(kept, t)
	}
	if len(kept) == 0 {
		dst.RemoveExtra(MemberTokens)
		return
	}
	b, err := json.Marshal(kept)
	if err != nil {
		return
	}
	dst.SetExtra(MemberTokens, b)
}
