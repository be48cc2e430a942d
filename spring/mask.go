package spring

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// MaskCSRF masks a raw CSRF token the way Spring Security's
// XorCsrfTokenRequestAttributeHandler does before rendering it (BREACH
// protection): base64url(R || R xor T), with R random bytes as long as
// the token T. Every call gives a different value; the server accepts all
// of them. A raw XSRF-TOKEN cookie value must be masked to pass the
// default (masking) handler.
func MaskCSRF(raw string) string {
	t := []byte(raw)
	out := make([]byte, 2*len(t))
	_, _ = rand.Read(out[:len(t)]) // never fails (crypto/rand, Go 1.24+)
	for i := range t {
		out[len(t)+i] = t[i] ^ out[i]
	}
	return base64.URLEncoding.EncodeToString(out)
}

// errNotMasked is wrapped by UnmaskCSRF's errors.
var errNotMasked = errors.New("spring: not a masked CSRF token")

// UnmaskCSRF reverses MaskCSRF: it returns the raw token of a masked value
// (a token rendered in a page, for example). Padding is optional, as for
// Spring's decoder. It returns an error for a value that is not base64url
// of an even, non-zero number of bytes.
func UnmaskCSRF(masked string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(masked, "="))
	if err != nil {
		return "", fmt.Errorf("%w: %w", errNotMasked, err)
	}
	if len(b) == 0 || len(b)%2 != 0 {
		return "", fmt.Errorf("%w: %d bytes", errNotMasked, len(b))
	}
	n := len(b) / 2
	out := make([]byte, n)
	for i := range out {
		out[i] = b[i] ^ b[n+i]
	}
	return string(out), nil
}

// sameToken reports whether a and b stand for the same raw token: equal,
// one the masking of the other, or two maskings of one token.
func sameToken(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	ua, errA := UnmaskCSRF(a)
	ub, errB := UnmaskCSRF(b)
	switch {
	case errA == nil && ua == b, errB == nil && ub == a:
		return true
	case errA == nil && errB == nil:
		return ua == ub
	}
	return false
}
