package browsercookie

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/jar"
)

// passwords of the keys testDecrypter tries, by format.
var fuzzPasswords = map[string][]string{"v10": {"peanuts", ""}, "v11": {"pw", ""}}

// encryptedBy reports whether enc is exactly what Chromium writes for
// value in a row of hostKey with one of the format's passwords: the value
// a decrypter returned must be the one that was encrypted, never bytes
// that merely passed a weaker check.
func encryptedBy(enc []byte, hostKey, value string, hostCheck bool) bool {
	if len(enc) < 3 {
		return false
	}
	prefix := string(enc[:3])
	for _, pw := range fuzzPasswords[prefix] {
		if bytes.Equal(encryptChromium(prefix, []byte(pw), hostKey, value, hostCheck), enc) {
			return true
		}
	}
	return false
}

func FuzzDecrypt(f *testing.F) {
	f.Add("example.com", "v10", "peanuts", "s3cr3t", true, []byte{})
	f.Add(".example.com", "v11", "pw", "", true, []byte{})
	f.Add("example.com", "v11", "", "abc", false, []byte{})
	f.Add("example.com", "v10", "wrong", "abc", true, []byte{})
	f.Add("a", "v10", "peanuts", "x", true, []byte("v10\x00\x01"))
	f.Fuzz(func(t *testing.T, hostKey, prefix, password, value string, hostCheck bool, raw []byte) {
		dec := newDecrypter(0, func() ([]byte, error) { return []byte("pw"), nil })
		dec.hostCheck = hostCheck
		// Arbitrary bytes: an error, or a value that is exactly what
		// was encrypted.
		if v, err := dec.decrypt(hostKey, raw); err == nil && !encryptedBy(raw, hostKey, v, hostCheck) {
			t.Fatalf("decrypt(%q, %x) = %q, which does not encrypt back to the input", hostKey, raw, v)
		}
		// A value encrypted as Chromium does.
		enc := encryptChromium(prefix, []byte(password), hostKey, value, hostCheck)
		v, err := dec.decrypt(hostKey, enc)
		known := false
		for _, pw := range fuzzPasswords[prefix] {
			known = known || pw == password
		}
		switch {
		case err == nil && !encryptedBy(enc, hostKey, v, hostCheck):
			t.Fatalf("decrypt returned %q, which does not encrypt back to the input", v)
		case err == nil && hostCheck && v != value:
			t.Fatalf("decrypt = %q, want %q", v, value)
		case err != nil && known && (hostCheck || plausibleValue([]byte(value))):
			t.Fatalf("decrypt of a value encrypted with a known password: %v", err)
		case err != nil && !errors.Is(err, errUndecryptable) && !errors.Is(err, errHostCheck):
			t.Fatalf("unexpected error %v", err)
		}
		// The same value moved to another host fails the host check.
		if hostCheck && known {
			if v, err := dec.decrypt(hostKey+"x", enc); err == nil {
				t.Fatalf("value of %q read for %q: %q", hostKey, hostKey+"x", v)
			}
		}
	})
}

// checkImported checks what a row converter returned: a kept cookie
// carries the row's domain, and, once through keepValid, is one that the
// jar accepts.
func checkImported(t *testing.T, c Cookie, why skip, host string) {
	t.Helper()
	if why != skipNone {
		if c != (Cookie{}) {
			t.Fatalf("skipped row returned %+v", c)
		}
		return
	}
	domain, hostOnly := hostKey(host)
	if c.Domain != domain || c.HostOnly != hostOnly {
		t.Fatalf("domain %q/%v from host %q", c.Domain, c.HostOnly, host)
	}
	if c.Expires.After(maxTime) || c.Created.After(maxTime) {
		t.Fatalf("time beyond year 9999: %+v", c)
	}
	var sk Skipped
	kept := keepValid([]Cookie{c}, t2026, &sk)
	if len(kept)+sk.Total() != 1 {
		t.Fatalf("keepValid lost the cookie: %+v %+v", kept, sk)
	}
	if len(kept) == 1 {
		if err := jar.New(jar.Options{}).Restore([]jar.Cookie{kept[0].Cookie}); err != nil {
			t.Fatalf("kept a cookie the jar refuses: %v", err)
		}
	}
}

func FuzzChromiumRow(f *testing.F) {
	f.Add(".example.com", "sid", "", []byte("v10"), "/", int64(13441080274677353), int64(1), int64(2), "", int64(13441076674475639), "example.com", true)
	f.Add("[::1]", "a", "plain", []byte{}, "/p", int64(0), int64(-1), int64(0), "https://example.com", int64(0), "", false)
	f.Fuzz(func(t *testing.T, host, name, value string, enc []byte, path string, expires, sameSite, scheme int64,
		topFrame string, created int64, filterDomain string, persistent bool) {
		var filter domainFilter
		if filterDomain != "" {
			if d, err := normalizeHost(filterDomain); err == nil {
				filter = domainFilter{d}
			}
		}
		r := chromiumRow{HostKey: host, Name: name, Value: value, EncryptedValue: enc, Path: path, ExpiresUTC: expires,
			SameSite: sameSite, Persistent: persistent, SourceScheme: scheme, TopFrameSiteKey: topFrame,
			CreationUTC: created, LastUpdateUTC: created}
		if len(enc) > 3 && enc[0] == 'v' {
			// Half the time, a well-formed value for the row.
			r.EncryptedValue = encryptChromium(string(enc[:3]), []byte("peanuts"), host, string(enc[3:]), true)
		}
		dec := testDecrypter(24)
		c, why, err := r.convert(dec, filter)
		if err != nil {
			t.Fatalf("convert: %v", err)
		}
		if why == skipNone && len(r.EncryptedValue) > 0 && !encryptedBy(r.EncryptedValue, host, c.Value, true) {
			t.Fatalf("value %q does not encrypt back to the row's", c.Value)
		}
		if why == skipNone && c.Persistent != (persistent && expires > 0) {
			t.Fatalf("persistent %v from is_persistent %v, expires %d", c.Persistent, persistent, expires)
		}
		checkImported(t, c, why, host)
	})
}

func FuzzFirefoxRow(f *testing.F) {
	f.Add(".example.com", "sid", "v", "/", int64(1796606937431), int64(256), int64(-1), int64(2), "", true, int64(1796603337431956))
	f.Add("app.test", "a", "", "/x", int64(-1), int64(0), int64(0), int64(1), "^partitionKey=%28https%2Capp.test%29", false, int64(0))
	f.Fuzz(func(t *testing.T, host, name, value, path string, expiry, sameSite, raw, schemeMap int64, attrs string,
		millis bool, created int64) {
		r := firefoxRow{Host: host, Name: name, Value: value, Path: path, Expiry: expiry, SameSite: sameSite,
			RawSameSite: raw, SchemeMap: schemeMap, OriginAttributes: attrs, CreationTime: created}
		c, why := r.convert(millis, nil)
		if why == skipNone && c.Value != value {
			t.Fatalf("value %q, want %q", c.Value, value)
		}
		checkImported(t, c, why, host)
	})
}

func FuzzProfilesIni(f *testing.F) {
	f.Add([]byte("[Profile0]\nName=default\nIsRelative=1\nPath=x.default\nDefault=1\n[Install1]\nDefault=x.default\n"))
	f.Add([]byte("[Profile0]\nPath=../../etc\n[Profile1]\nIsRelative=0\nPath=/abs\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := "/home/u/.mozilla/firefox"
		defaults := 0
		for _, p := range firefoxProfilesIni(data, root) {
			if p.Default {
				defaults++
			}
			// A relative path stays under the root.
			if strings.HasPrefix(p.Dir, root) && !strings.HasPrefix(filepath.Clean(p.Dir)+"/", root+"/") {
				t.Fatalf("profile %q escapes %s", p.Dir, root)
			}
		}
		if defaults > 1 {
			t.Fatalf("%d defaults", defaults)
		}
	})
}

func FuzzLocalState(f *testing.F) {
	f.Add([]byte(`{"profile": {"info_cache": {"Default": {"name": "Person 1"}}, "last_used": "Default"}}`))
	f.Add([]byte(`{"profile": {"info_cache": {"../x": {}}, "last_used": "../../etc"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		names, last, err := parseLocalState(data)
		if err != nil {
			return
		}
		for dir := range names {
			if !validProfileDir(dir) {
				t.Fatalf("profile folder %q accepted", dir)
			}
		}
		if last != "" && !validProfileDir(last) {
			t.Fatalf("last used %q accepted", last)
		}
	})
}

func FuzzPartition(f *testing.F) {
	f.Add("^partitionKey=%28https%2Cexample.com%29", "app.example.com")
	f.Add("https://example.com:8443", "example.com")
	f.Fuzz(func(t *testing.T, attrs, domain string) {
		if p, ok := firefoxPartition(attrs, domain); ok && p != "" && !ownPartition(p, domain) {
			t.Fatalf("partition %q accepted for %q", p, domain)
		}
		if ownPartition(attrs, domain) {
			site := partitionSite(attrs)
			if site == "" || domain != site && !strings.HasSuffix(domain, "."+site) {
				t.Fatalf("%q is not %q's own partition", attrs, domain)
			}
		}
	})
}
