package token_test

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/limpet-http/limpet/token"
)

func TestParseChallenges(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    []token.Challenge
		wantErr bool
	}{
		{"bare scheme", []string{"Bearer"}, []token.Challenge{{Scheme: "Bearer"}}, false},
		{"Spring expired", []string{`Bearer error="invalid_token", error_description="Jwt expired at 2025-06-01T10:00:00Z", error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"`},
			[]token.Challenge{{Scheme: "Bearer", Params: map[string]string{"error": "invalid_token", "error_description": "Jwt expired at 2025-06-01T10:00:00Z", "error_uri": "https://tools.ietf.org/html/rfc6750#section-3.1"}}}, false},
		{"two challenges in one value", []string{`Basic realm="Realm", Bearer error=invalid_token`},
			[]token.Challenge{{Scheme: "Basic", Params: map[string]string{"realm": "Realm"}}, {Scheme: "Bearer", Params: map[string]string{"error": "invalid_token"}}}, false},
		{"bare scheme then another", []string{`Negotiate, Basic realm="x"`},
			[]token.Challenge{{Scheme: "Negotiate"}, {Scheme: "Basic", Params: map[string]string{"realm": "x"}}}, false},
		{"two lines", []string{`Basic realm="a"`, `Bearer`}, []token.Challenge{{Scheme: "Basic", Params: map[string]string{"realm": "a"}}, {Scheme: "Bearer"}}, false},
		{"token68", []string{"Negotiate YII+/abc=="}, []token.Challenge{{Scheme: "Negotiate", Token68: "YII+/abc=="}}, false},
		{"escapes and comma in quotes", []string{`Bearer error_description="a \"b\", c\\d"`},
			[]token.Challenge{{Scheme: "Bearer", Params: map[string]string{"error_description": `a "b", c\d`}}}, false},
		{"upper-case names and spaces around =", []string{`Bearer  ERROR = "x" ,  Realm=y`},
			[]token.Challenge{{Scheme: "Bearer", Params: map[string]string{"error": "x", "realm": "y"}}}, false},
		{"duplicate parameter keeps the first", []string{`Bearer error=a, error=b`}, []token.Challenge{{Scheme: "Bearer", Params: map[string]string{"error": "a"}}}, false},
		{"empty and commas", []string{"", " , ,"}, nil, false},
		{"unterminated quote", []string{`Bearer error="invalid_token`}, nil, true},
		{"garbage after a parameter", []string{`Bearer error="a" "b"`}, []token.Challenge{{Scheme: "Bearer"}}, true},
		{"starts with a quote", []string{`"Bearer"`}, nil, true},
		{"control character", []string{"Bearer error=\"a\x01\""}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := token.ParseChallenges(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error: %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, token.ErrMalformedChallenge) {
				t.Fatalf("error %v does not wrap ErrMalformedChallenge", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
	if _, err := token.ParseChallenges([]string{strings.Repeat("a", token.MaxChallengeHeader+1)}); !errors.Is(err, token.ErrMalformedChallenge) {
		t.Fatalf("an over-long header: %v", err)
	}
}

func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{
		"Bearer",
		`Bearer error="invalid_token", error_description="Bearer token is malformed", error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"`,
		`Bearer resource_metadata="http://127.0.0.1:8080/.well-known/oauth-protected-resource"`,
		`Basic realm="Tomcat Manager Application"`,
		`Negotiate abc==, Basic realm=x`,
		`Digest realm="r", nonce="n", qop="auth,auth-int"`,
		`Bearer error="a\"b"`, `,,`, `Bearer error=`, `Bearer =x`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cs, err := token.ParseChallenges([]string{s})
		if err != nil {
			return
		}
		// What was read is written back and read again to the same thing.
		parts := make([]string, len(cs))
		for i, c := range cs {
			if c.Scheme == "" {
				t.Fatalf("empty scheme from %q", s)
			}
			parts[i] = c.String()
		}
		again, err := token.ParseChallenges([]string{strings.Join(parts, ", ")})
		if err != nil {
			t.Fatalf("%q parsed to %v, whose text %q does not parse: %v", s, cs, strings.Join(parts, ", "), err)
		}
		if len(again) != len(cs) {
			t.Fatalf("%q: %d challenges, then %d", s, len(cs), len(again))
		}
		for i := range cs {
			if again[i].Scheme != cs[i].Scheme || again[i].Token68 != cs[i].Token68 || len(again[i].Params) != len(cs[i].Params) {
				t.Fatalf("%q: challenge %d %#v became %#v", s, i, cs[i], again[i])
			}
			for k, v := range cs[i].Params {
				if again[i].Params[k] != v {
					t.Fatalf("%q: parameter %s %q became %q", s, k, v, again[i].Params[k])
				}
			}
		}
	})
}

func jwtOf(header, payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(payload)) + ".c2ln"
}

func TestJWTExpiry(t *testing.T) {
	tests := []struct {
		name    string
		tok     string
		want    time.Time
		wantErr error
	}{
		{"integer exp", jwtOf(`{"alg":"RS256"}`, `{"sub":"a","exp":1900000000}`), time.Unix(1900000000, 0), nil},
		{"fractional exp, to the second", jwtOf(`{"alg":"RS256"}`, `{"exp":1900000000.5}`), time.Unix(1900000000, 0), nil},
		{"no exp", jwtOf(`{"alg":"RS256"}`, `{"sub":"a"}`), time.Time{}, token.ErrNoExpiry},
		{"exp a string", jwtOf(`{"alg":"RS256"}`, `{"exp":"soon"}`), time.Time{}, errAny},
		{"opaque token", "2YotnFZFEjr1zCsicMWpAA", time.Time{}, errAny},
		{"payload not JSON", "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln", time.Time{}, errAny},
		{"payload not base64url", "eyJhbGciOiJSUzI1NiJ9.!!!.c2ln", time.Time{}, errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := token.JWTExpiry(tt.tok)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("error %v", err)
			case tt.wantErr == errAny && err == nil, tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("expiry %v, want %v", got, tt.want)
			}
		})
	}
}

var errAny = errors.New("any error")

func FuzzJWTExpiry(f *testing.F) {
	f.Add(jwtOf(`{"alg":"RS256","typ":"JWT"}`, `{"sub":"limpet-test","iat":1700000000,"exp":1700000300}`))
	f.Add(jwtOf(`{"alg":"none"}`, `{"exp":1e300}`))
	f.Add(jwtOf(`{"alg":"HS256"}`, `{"exp":-1}`))
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, s string) {
		exp, err := token.JWTExpiry(s)
		if err != nil && !exp.IsZero() {
			t.Fatalf("%q: expiry %v with error %v", s, exp, err)
		}
	})
}

func TestParseLoginResponse(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		field   string
		want    string
		expires int64
		refresh string
		wantErr bool
	}{
		{"token", `{"token":"abc"}`, "", "abc", 0, "", false},
		{"access_token with extras", `{"access_token":"abc","token_type":"Bearer","expires_in":299,"refresh_token":"r"}`, "", "abc", 299, "r", false},
		{"jwt", `{"jwt":"abc"}`, "", "abc", 0, "", false},
		{"token wins over access_token", `{"access_token":"b","token":"a"}`, "", "a", 0, "", false},
		{"nested", `{"data":{"accessToken":"abc","expires_in":"60"}}`, "data.accessToken", "abc", 60, "", false},
		{"absurd expires_in ignored", `{"token":"abc","expires_in":1e30}`, "", "abc", 0, "", false},
		{"negative expires_in ignored", `{"token":"abc","expires_in":-5}`, "", "abc", 0, "", false},
		{"empty token", `{"token":""}`, "", "", 0, "", true},
		{"array", `["abc"]`, "", "", 0, "", true},
		{"not JSON", `<html>`, "", "", 0, "", true},
		{"trailing data", `{"token":"a"} {}`, "", "", 0, "", true},
		{"path through a string", `{"data":"x"}`, "data.token", "", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := token.ParseLoginResponse([]byte(tt.body), tt.field)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got.AccessToken != tt.want || got.ExpiresIn != tt.expires || got.RefreshToken != tt.refresh {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func FuzzParseLoginResponse(f *testing.F) {
	f.Add([]byte(`{"token":"abc"}`), "")
	f.Add([]byte(`{"access_token":"abc","token_type":"Bearer","expires_in":299,"refresh_token":"r"}`), "")
	f.Add([]byte(`{"data":{"accessToken":"abc","expires_in":"60"}}`), "data.accessToken")
	f.Add([]byte(`{"a":{"b":{"c":1}}}`), "a.b.c")
	f.Add([]byte(`null`), "")
	f.Fuzz(func(t *testing.T, body []byte, field string) {
		tok, err := token.ParseLoginResponse(body, field)
		if err != nil {
			if tok != nil {
				t.Fatal("a token with an error")
			}
			return
		}
		if tok.AccessToken == "" || tok.ExpiresIn < 0 {
			t.Fatalf("accepted %+v", tok)
		}
	})
}
