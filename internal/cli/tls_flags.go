package cli

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// tlsVersions are the --ssl values: HTTPie's (ssl2.3 is "negotiate") and
// tls1.3.
var tlsVersions = map[string]uint16{
	"ssl2.3": 0,
	"tls1":   tls.VersionTLS10,
	"tls1.1": tls.VersionTLS11,
	"tls1.2": tls.VersionTLS12,
	"tls1.3": tls.VersionTLS13,
}

// applyTLSFlags sets --ssl (the one TLS version to speak) and --ciphers.
func (o *RequestOptions) applyTLSFlags(t *tlsSettings) error {
	if o.SSL != "" {
		v, ok := tlsVersions[strings.ToLower(o.SSL)]
		if !ok {
			return fmt.Errorf("--ssl %q: want ssl2.3 (the highest both sides know), tls1, tls1.1, tls1.2 or tls1.3", o.SSL)
		}
		t.min, t.max = v, v
	}
	if o.Ciphers != "" {
		ids, err := parseCiphers(o.Ciphers)
		if err != nil {
			return fmt.Errorf("--ciphers: %w", err)
		}
		t.suites = ids
	}
	return nil
}

// tlsSettings are what --ssl and --ciphers set.
type tlsSettings struct {
	min, max uint16
	suites   []uint16
}

// config returns a tls.Config with the settings, or nil when there are
// none.
func (t tlsSettings) config() *tls.Config {
	if t.min == 0 && t.max == 0 && t.suites == nil {
		return nil
	}
	return &tls.Config{MinVersion: t.min, MaxVersion: t.max, CipherSuites: t.suites}
}

// suite is a TLS 1.0-1.2 cipher suite Go implements, with its OpenSSL
// name and the OpenSSL cipher string words that select it.
type suite struct {
	id      uint16
	openssl string
	words   []string
}

// suites are Go's TLS 1.0-1.2 cipher suites (TLS 1.3 suites cannot be
// chosen in Go). Words: key exchange, authentication, encryption and MAC,
// as OpenSSL's ciphers(1) names them.
var suites = []suite{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aECDSA", "ECDSA", "AESGCM", "AES128", "AES", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aRSA", "AESGCM", "AES128", "AES", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aECDSA", "ECDSA", "AESGCM", "AES256", "AES", "SHA384", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aRSA", "AESGCM", "AES256", "AES", "SHA384", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aECDSA", "ECDSA", "CHACHA20", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aRSA", "CHACHA20", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aECDSA", "ECDSA", "AES128", "AES", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aRSA", "AES128", "AES", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aECDSA", "ECDSA", "AES256", "AES", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aRSA", "AES256", "AES", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", []string{"kRSA", "RSA", "aRSA", "AESGCM", "AES128", "AES", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", []string{"kRSA", "RSA", "aRSA", "AESGCM", "AES256", "AES", "SHA384", "HIGH", "TLSv1.2"}},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", []string{"kRSA", "RSA", "aRSA", "AES128", "AES", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", []string{"kRSA", "RSA", "aRSA", "AES256", "AES", "SHA1", "SHA", "HIGH", "SSLv3"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aECDSA", "ECDSA", "AES128", "AES", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aRSA", "AES128", "AES", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256", []string{"kRSA", "RSA", "aRSA", "AES128", "AES", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, "ECDHE-RSA-DES-CBC3-SHA", []string{"kECDHE", "ECDHE", "EECDH", "ECDH", "aRSA", "3DES", "SHA1", "SHA", "MEDIUM", "SSLv3"}},
	{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, "DES-CBC3-SHA", []string{"kRSA", "RSA", "aRSA", "3DES", "SHA1", "SHA", "MEDIUM", "SSLv3"}},
}

// noneInGo are OpenSSL words that select no suite Go implements (so that
// "!aNULL:!MD5" is accepted and changes nothing).
var noneInGo = map[string]bool{
	"aNULL": true, "eNULL": true, "NULL": true, "COMPLEMENTOFALL": true, "MD5": true, "DSS": true, "aDSS": true,
	"DH": true, "DHE": true, "EDH": true, "kDHE": true, "kEDH": true, "ADH": true, "AECDH": true, "PSK": true,
	"SRP": true, "CAMELLIA": true, "ARIA": true, "SEED": true, "IDEA": true, "DES": true, "RC2": true, "EXPORT": true,
	"LOW": true, "EXP": true, "CCM": true, "RC4": true, "kRSAPSK": true, "kPSK": true, "aPSK": true,
}

// parseCiphers reads a cipher list in OpenSSL's format (ciphers(1)): names
// or words separated by ':' (or ',' or ' '), "A+B" for the suites that are
// both, "!X" to remove X for good, "-X" to remove it for now, "+X" and
// "@STRENGTH" accepted and ignored (Go orders suites itself). It returns
// the suites chosen, in the order chosen.
func parseCiphers(spec string) ([]uint16, error) {
	var chosen []uint16
	in := map[uint16]bool{}
	banned := map[uint16]bool{}
	for _, item := range strings.FieldsFunc(spec, func(r rune) bool { return r == ':' || r == ',' || r == ' ' }) {
		op := byte(0)
		if strings.ContainsRune("!-+", rune(item[0])) {
			op, item = item[0], item[1:]
		}
		if strings.HasPrefix(item, "@") || op == '+' {
			continue
		}
		match, err := cipherMatch(item)
		if err != nil {
			return nil, err
		}
		switch op {
		case '!', '-':
			kept := chosen[:0]
			for _, id := range chosen {
				if match[id] {
					in[id] = false
					continue
				}
				kept = append(kept, id)
			}
			chosen = kept
			if op == '!' {
				for id := range match {
					banned[id] = true
				}
			}
		default:
			for _, s := range suites {
				if match[s.id] && !in[s.id] && !banned[s.id] {
					chosen = append(chosen, s.id)
					in[s.id] = true
				}
			}
		}
	}
	if len(chosen) == 0 {
		return nil, fmt.Errorf("%q leaves no cipher suite (Go has these: %s)", spec, cipherNames())
	}
	return chosen, nil
}

// cipherMatch returns the suites an item selects: a suite name (OpenSSL's
// or IANA's), a word, DEFAULT or ALL, or words joined by '+'.
func cipherMatch(item string) (map[uint16]bool, error) {
	match := map[uint16]bool{}
	for _, s := range suites {
		if item == s.openssl || item == tls.CipherSuiteName(s.id) {
			match[s.id] = true
			return match, nil
		}
	}
	for i, s := range suites {
		all := true
		for _, w := range strings.Split(item, "+") {
			if !cipherWord(s, i, w) {
				all = false
				break
			}
		}
		if all {
			match[s.id] = true
		}
	}
	for _, w := range strings.Split(item, "+") {
		if !knownCipherWord(w) {
			return nil, fmt.Errorf("unknown cipher or word %q (Go has these: %s)", w, cipherNames())
		}
	}
	return match, nil
}

// cipherWord reports whether a word selects suite s (at index i).
func cipherWord(s suite, i int, w string) bool {
	switch w {
	case "ALL":
		return true
	case "DEFAULT":
		return i < 14 // Go's default suites: neither 3DES nor CBC-SHA256
	}
	for _, sw := range s.words {
		if sw == w {
			return true
		}
	}
	return false
}

func knownCipherWord(w string) bool {
	if w == "ALL" || w == "DEFAULT" || noneInGo[w] {
		return true
	}
	for _, s := range suites {
		for _, sw := range s.words {
			if sw == w {
				return true
			}
		}
	}
	return false
}

func cipherNames() string {
	names := make([]string, len(suites))
	for i, s := range suites {
		names[i] = s.openssl
	}
	return strings.Join(names, ", ")
}
