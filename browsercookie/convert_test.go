package browsercookie

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/limpet-http/limpet/jar"
)

var (
	t2030 = time.Date(2030, 1, 2, 3, 4, 5, 678901000, time.UTC)
	t2026 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
)

func TestChromiumTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		us   int64
		want time.Time
	}{
		{"zero is no time", 0, time.Time{}},
		{"negative is no time", -5, time.Time{}},
		{"the epoch of 1601", 1, time.Date(1601, 1, 1, 0, 0, 0, 1000, time.UTC)},
		{"Unix epoch", chromiumEpoch, time.Unix(0, 0).UTC()},
		{"µs kept", toChromium(t2030), t2030},
		// A value written by Chromium 156 (Set-Cookie Max-Age=3600).
		{"real row", 13441080274677353, time.Date(2026, 12, 7, 1, 24, 34, 677353000, time.UTC)},
		{"beyond year 9999 capped", 1<<63 - 1, maxTime},
	} {
		if got := chromiumTime(tc.us); !got.Equal(tc.want) {
			t.Errorf("%s: chromiumTime(%d) = %v, want %v", tc.name, tc.us, got, tc.want)
		}
	}
}

func TestChromiumSameSiteAndScheme(t *testing.T) {
	for v, want := range map[int64]jar.SameSite{-1: jar.SameSiteDefault, 0: jar.SameSiteNone, 1: jar.SameSiteLax,
		2: jar.SameSiteStrict, 3: jar.SameSiteDefault, -7: jar.SameSiteDefault} {
		if got := chromiumSameSite(v); got != want {
			t.Errorf("samesite %d → %v, want %v", v, got, want)
		}
	}
	for v, want := range map[int64]Scheme{0: 0, 1: SchemeHTTP, 2: SchemeHTTPS, 3: 0, -1: 0} {
		if got := chromiumScheme(v); got != want {
			t.Errorf("source_scheme %d → %v, want %v", v, got, want)
		}
	}
}

// testDecrypter decrypts v10 values, and v11 values with password "pw".
func testDecrypter(schema int) *decrypter {
	return newDecrypter(schema, func() ([]byte, error) { return []byte("pw"), nil })
}

func TestChromiumRowConvert(t *testing.T) {
	base := chromiumRow{
		HostKey: "app.example.com", Name: "sid", Path: "/", ExpiresUTC: toChromium(t2030), Persistent: true,
		SameSite: -1, SourceScheme: 2, CreationUTC: toChromium(t2026), LastAccessUTC: toChromium(t2026.Add(time.Hour)),
		LastUpdateUTC: toChromium(t2026.Add(time.Minute)),
	}
	enc := func(r chromiumRow, prefix, pw, value string) chromiumRow {
		r.EncryptedValue = encryptChromium(prefix, []byte(pw), r.HostKey, value, true)
		return r
	}
	with := func(f func(*chromiumRow)) chromiumRow {
		r := base
		f(&r)
		return r
	}
	want := Cookie{
		Cookie: jar.Cookie{Name: "sid", Value: "s3cr3t", Domain: "app.example.com", Path: "/", HostOnly: true,
			Persistent: true, Expires: t2030, Created: t2026, LastAccess: t2026.Add(time.Hour), Updated: t2026.Add(time.Minute)},
		SourceScheme: SchemeHTTPS,
	}
	wantWith := func(f func(*Cookie)) Cookie {
		c := want
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name   string
		row    chromiumRow
		filter domainFilter
		want   Cookie
		skip   skip
	}{
		{name: "v10 host-only", row: enc(base, "v10", "peanuts", "s3cr3t"), want: want},
		{name: "v11", row: enc(base, "v11", "pw", "s3cr3t"), want: want},
		{name: "v11 with the empty password", row: enc(base, "v11", "", "s3cr3t"), want: want},
		{name: "v10 with the empty password", row: enc(base, "v10", "", "s3cr3t"), want: want},
		{name: "plain value column", row: with(func(r *chromiumRow) { r.Value = "s3cr3t" }), want: want},
		{name: "empty value", row: enc(base, "v10", "peanuts", ""), want: wantWith(func(c *Cookie) { c.Value = "" })},
		{name: "domain cookie", row: enc(with(func(r *chromiumRow) { r.HostKey = ".example.com" }), "v10", "peanuts", "s3cr3t"),
			want: wantWith(func(c *Cookie) { c.Domain, c.HostOnly = "example.com", false })},
		{name: "upper-case host", row: enc(with(func(r *chromiumRow) { r.HostKey = "App.Example.COM" }), "v10", "peanuts", "s3cr3t"),
			want: want},
		{name: "IPv6 host", row: enc(with(func(r *chromiumRow) { r.HostKey = "[::1]" }), "v10", "peanuts", "s3cr3t"),
			want: wantWith(func(c *Cookie) { c.Domain = "::1" })},
		{name: "session cookie", row: enc(with(func(r *chromiumRow) { r.Persistent, r.ExpiresUTC = false, 0 }), "v10", "peanuts", "s3cr3t"),
			want: wantWith(func(c *Cookie) { c.Persistent, c.Expires = false, time.Time{} })},
		{name: "persistent without expiry is a session cookie", row: enc(with(func(r *chromiumRow) { r.ExpiresUTC = 0 }), "v10", "peanuts", "s3cr3t"),
			want: wantWith(func(c *Cookie) { c.Persistent, c.Expires = false, time.Time{} })},
		{name: "flags", row: enc(with(func(r *chromiumRow) { r.Secure, r.HTTPOnly, r.SameSite, r.SourceScheme = true, true, 2, 1 }), "v10", "peanuts", "s3cr3t"),
			want: wantWith(func(c *Cookie) {
				c.Secure, c.HttpOnly, c.SameSite, c.SourceScheme = true, true, jar.SameSiteStrict, SchemeHTTP
			})},
		{name: "SameSite=None", row: enc(with(func(r *chromiumRow) { r.SameSite = 0 }), "v10", "peanuts", "s3cr3t"),
			want: wantWith(func(c *Cookie) { c.SameSite = jar.SameSiteNone })},
		{name: "SameSite=Lax", row: enc(with(func(r *chromiumRow) { r.SameSite = 1 }), "v10", "peanuts", "s3cr3t"),
			want: wantWith(func(c *Cookie) { c.SameSite = jar.SameSiteLax })},
		{name: "no update time: creation", row: enc(with(func(r *chromiumRow) { r.LastUpdateUTC, r.LastAccessUTC = 0, 0 }), "v10", "peanuts", "s3cr3t"),
			want: wantWith(func(c *Cookie) { c.Updated, c.LastAccess = t2026, t2026 })},
		{name: "own partition", row: enc(with(func(r *chromiumRow) { r.TopFrameSiteKey = "https://example.com" }), "v10", "peanuts", "s3cr3t"),
			want: wantWith(func(c *Cookie) { c.Partitioned, c.Partition = true, "https://example.com" })},
		{name: "other partition", row: enc(with(func(r *chromiumRow) { r.TopFrameSiteKey = "https://other.test" }), "v10", "peanuts", "s3cr3t"),
			skip: skipOtherPartition},
		{name: "other domain", row: enc(base, "v10", "peanuts", "s3cr3t"), filter: domainFilter{"other.test"}, skip: skipOtherDomain},
		{name: "filter on the host", row: enc(base, "v10", "peanuts", "s3cr3t"), filter: domainFilter{"app.example.com"}, want: want},
		{name: "host check fails (row moved to another host)", row: func() chromiumRow {
			r := enc(base, "v10", "peanuts", "s3cr3t")
			r.HostKey = "evil.example.com"
			return r
		}(), skip: skipHostCheck},
		{name: "wrong keyring password", row: enc(base, "v11", "other", "s3cr3t"), skip: skipUndecryptable},
		{name: "unknown format", row: with(func(r *chromiumRow) { r.EncryptedValue = []byte("v99abcdefabcdefabcdef") }), skip: skipUndecryptable},
		{name: "truncated", row: func() chromiumRow {
			r := enc(base, "v10", "peanuts", "s3cr3t")
			r.EncryptedValue = r.EncryptedValue[:len(r.EncryptedValue)-1]
			return r
		}(), skip: skipUndecryptable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why, err := tc.row.convert(testDecrypter(24), tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if why != tc.skip {
				t.Fatalf("skip = %d, want %d", why, tc.skip)
			}
			if why != skipNone {
				if got != (Cookie{}) {
					t.Fatalf("a skipped row returned %+v", got)
				}
				return
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestChromiumRowKeyringError(t *testing.T) {
	kerr := keyringError(Chromium, errors.New("no bus"))
	dec := newDecrypter(24, func() ([]byte, error) { return nil, kerr })
	r := chromiumRow{HostKey: "example.com", Name: "a", Path: "/"}
	r.EncryptedValue = encryptChromium("v11", []byte("pw"), r.HostKey, "x", true)
	if _, _, err := r.convert(dec, nil); !errors.Is(err, ErrKeyring) {
		t.Fatalf("err = %v, want ErrKeyring", err)
	}
	// v10 values need no keyring.
	r.EncryptedValue = encryptChromium("v10", []byte("peanuts"), r.HostKey, "x", true)
	if c, why, err := r.convert(dec, nil); err != nil || why != skipNone || c.Value != "x" {
		t.Fatalf("v10 = %q, %d, %v", c.Value, why, err)
	}
	// Without the keyring, a value encrypted with the empty password is
	// still read.
	r.EncryptedValue = encryptChromium("v11", nil, r.HostKey, "y", true)
	if c, why, err := r.convert(dec, nil); err != nil || why != skipNone || c.Value != "y" {
		t.Fatalf("v11 with the empty password = %q, %d, %v", c.Value, why, err)
	}
}

func TestFirefoxExpiry(t *testing.T) {
	for _, tc := range []struct {
		name   string
		v      int64
		millis bool
		want   time.Time
	}{
		{"ms", t2030.UnixMilli(), true, t2030.Truncate(time.Millisecond)},
		{"seconds before schema 16", t2030.Unix(), false, t2030.Truncate(time.Second)},
		// A value written by Firefox ESR 153 (Max-Age=3600).
		{"real row", 1796606937431, true, time.Date(2026, 12, 7, 1, 28, 57, 431000000, time.UTC)},
		{"zero", 0, true, time.Unix(0, 0).UTC()},
		{"negative", -1000, true, time.Unix(-1, 0).UTC()},
		{"huge ms capped", 1<<63 - 1, true, maxTime},
		{"huge s capped", 1<<63 - 1, false, maxTime},
		{"year 9999 s", maxTime.Unix(), false, maxTime},
	} {
		if got := firefoxExpiry(tc.v, tc.millis); !got.Equal(tc.want) {
			t.Errorf("%s: firefoxExpiry(%d, %v) = %v, want %v", tc.name, tc.v, tc.millis, got, tc.want)
		}
	}
}

func TestFirefoxSameSiteAndScheme(t *testing.T) {
	for _, tc := range []struct {
		sameSite, raw int64
		want          jar.SameSite
	}{
		{0, -1, jar.SameSiteNone},
		{1, -1, jar.SameSiteLax},
		{2, -1, jar.SameSiteStrict},
		{256, -1, jar.SameSiteDefault}, // unset, as Firefox 1xx writes it
		{7, -1, jar.SameSiteDefault},
		// Schemas with rawSameSite: the attribute as sent wins; 0 is
		// "None or absent".
		{1, 0, jar.SameSiteDefault},
		{1, 1, jar.SameSiteLax},
		{0, 2, jar.SameSiteStrict},
	} {
		if got := firefoxSameSite(tc.sameSite, tc.raw); got != tc.want {
			t.Errorf("sameSite %d raw %d → %v, want %v", tc.sameSite, tc.raw, got, tc.want)
		}
	}
	for v, want := range map[int64]Scheme{0: 0, 1: SchemeHTTP, 2: SchemeHTTPS, 3: SchemeHTTP | SchemeHTTPS, 4: 0, 6: SchemeHTTPS} {
		if got := firefoxScheme(v); got != want {
			t.Errorf("schemeMap %d → %v, want %v", v, got, want)
		}
	}
}

func TestFirefoxRowConvert(t *testing.T) {
	base := firefoxRow{Host: "app.example.com", Name: "sid", Value: "s3cr3t", Path: "/", Expiry: t2030.UnixMilli(),
		SameSite: 256, RawSameSite: -1, SchemeMap: 2, CreationTime: t2026.UnixMicro(),
		LastAccessed: t2026.Add(time.Hour).UnixMicro(), UpdateTime: t2026.Add(time.Minute).UnixMicro()}
	with := func(f func(*firefoxRow)) firefoxRow {
		r := base
		f(&r)
		return r
	}
	want := Cookie{
		Cookie: jar.Cookie{Name: "sid", Value: "s3cr3t", Domain: "app.example.com", Path: "/", HostOnly: true,
			Persistent: true, Expires: t2030.Truncate(time.Millisecond), Created: t2026, LastAccess: t2026.Add(time.Hour),
			Updated: t2026.Add(time.Minute)},
		SourceScheme: SchemeHTTPS,
	}
	wantWith := func(f func(*Cookie)) Cookie {
		c := want
		f(&c)
		return c
	}
	pk := "^partitionKey=" + "%28https%2Cexample.com%29"
	for _, tc := range []struct {
		name   string
		row    firefoxRow
		millis bool
		filter domainFilter
		want   Cookie
		skip   skip
	}{
		{name: "host-only", row: base, millis: true, want: want},
		{name: "domain cookie", row: with(func(r *firefoxRow) { r.Host = ".example.com" }), millis: true,
			want: wantWith(func(c *Cookie) { c.Domain, c.HostOnly = "example.com", false })},
		{name: "seconds", row: with(func(r *firefoxRow) { r.Expiry = t2030.Unix() }), millis: false,
			want: wantWith(func(c *Cookie) { c.Expires = t2030.Truncate(time.Second) })},
		{name: "flags", row: with(func(r *firefoxRow) { r.Secure, r.HTTPOnly, r.SameSite, r.Partitioned = true, true, 1, true }), millis: true,
			want: wantWith(func(c *Cookie) { c.Secure, c.HttpOnly, c.SameSite, c.Partitioned = true, true, jar.SameSiteLax, true })},
		{name: "no update time", row: with(func(r *firefoxRow) { r.UpdateTime, r.LastAccessed = 0, 0 }), millis: true,
			want: wantWith(func(c *Cookie) { c.Updated, c.LastAccess = t2026, t2026 })},
		{name: "own partition", row: with(func(r *firefoxRow) { r.OriginAttributes = pk }), millis: true,
			want: wantWith(func(c *Cookie) { c.Partitioned, c.Partition = true, "(https,example.com)" })},
		{name: "other partition", row: with(func(r *firefoxRow) {
			r.OriginAttributes = "^partitionKey=%28https%2Cother.test%29"
		}), millis: true, skip: skipOtherPartition},
		{name: "container tab", row: with(func(r *firefoxRow) { r.OriginAttributes = "^userContextId=2" }), millis: true, skip: skipOtherPartition},
		{name: "private window", row: with(func(r *firefoxRow) { r.OriginAttributes = "^privateBrowsingId=1" }), millis: true, skip: skipOtherPartition},
		{name: "malformed attributes", row: with(func(r *firefoxRow) { r.OriginAttributes = "userContextId=2" }), millis: true, skip: skipOtherPartition},
		{name: "other domain", row: base, millis: true, filter: domainFilter{"example.org"}, skip: skipOtherDomain},
		{name: "parent domain filter", row: base, millis: true, filter: domainFilter{"example.com"}, want: want},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := tc.row.convert(tc.millis, tc.filter)
			if why != tc.skip {
				t.Fatalf("skip = %d, want %d", why, tc.skip)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestDomainFilter(t *testing.T) {
	for _, tc := range []struct {
		filter   []string
		domain   string
		hostOnly bool
		want     bool
	}{
		{nil, "anything.test", true, true},
		{[]string{"example.com"}, "example.com", true, true},
		{[]string{"example.com"}, "example.com", false, true},
		{[]string{"example.com"}, "app.example.com", true, true},  // a subdomain's cookie
		{[]string{"app.example.com"}, "example.com", false, true}, // a parent's domain cookie is sent
		{[]string{"app.example.com"}, "example.com", true, false}, // a parent's host-only cookie is not
		{[]string{"example.com"}, "badexample.com", true, false},
		{[]string{"example.com"}, "com", false, true}, // sent, were it valid (keepValid drops it)
		{[]string{"example.com"}, "com", true, false},
		{[]string{"a.test", "b.test"}, "b.test", true, true},
		{[]string{"127.0.0.1"}, "127.0.0.1", true, true},
	} {
		f, err := newDomainFilter(tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.match(tc.domain, tc.hostOnly); got != tc.want {
			t.Errorf("filter %v, %s (host-only %v) = %v, want %v", tc.filter, tc.domain, tc.hostOnly, got, tc.want)
		}
	}
}

func TestNormalizeHost(t *testing.T) {
	for in, want := range map[string]string{
		"Example.COM": "example.com", ".example.com": "example.com", "example.com.": "example.com",
		"localhost:8080": "localhost", "[::1]": "::1", "[::1]:8080": "::1", " app.test ": "app.test",
	} {
		if got, err := normalizeHost(in); err != nil || got != want {
			t.Errorf("normalizeHost(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", ".", "http://example.com/", "a b", "x;y"} {
		if got, err := normalizeHost(bad); err == nil {
			t.Errorf("normalizeHost(%q) = %q, want an error", bad, got)
		}
	}
}

func TestPartitionSite(t *testing.T) {
	for in, want := range map[string]string{
		"https://example.com":       "example.com",
		"https://example.com:8443":  "example.com",
		"http://[::1]:8080":         "::1",
		"(https,example.com)":       "example.com",
		"(https,example.com,8443)":  "example.com",
		"(https)":                   "",
		"":                          "",
		"nonce:1234":                "",
		"https://Example.COM/path?": "example.com",
	} {
		if got := partitionSite(in); got != want {
			t.Errorf("partitionSite(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKeepValid(t *testing.T) {
	now := t2026
	c := func(name, domain string, hostOnly bool, updated time.Time, f ...func(*Cookie)) Cookie {
		ck := Cookie{Cookie: jar.Cookie{Name: name, Value: "v-" + updated.Format("15:04"), Domain: domain, Path: "/",
			HostOnly: hostOnly, Persistent: true, Expires: t2030, Created: now.Add(-time.Hour), Updated: updated, LastAccess: updated}}
		for _, fn := range f {
			fn(&ck)
		}
		return ck
	}
	in := []Cookie{
		c("b", "example.com", true, now.Add(-time.Minute)),
		c("a", "example.com", true, now.Add(-2*time.Minute)),
		c("a", "example.com", true, now.Add(-3*time.Minute)), // older duplicate
		c("a", "example.com", false, now.Add(-time.Minute)),  // a domain cookie: another key
		c("old", "example.com", true, now, func(c *Cookie) { c.Expires = now.Add(-time.Second) }),
		c("session", "example.com", true, now, func(c *Cookie) { c.Persistent, c.Expires = false, time.Time{} }),
		c("psl", "com", false, now), // a domain cookie on a public suffix
		c("bad;name", "example.com", true, now),
		c("ctl", "example.com", true, now, func(c *Cookie) { c.Value = "a\x01b" }),
		c("__Host-x", "example.com", false, now, func(c *Cookie) { c.Secure = true }), // __Host- needs host-only
	}
	var sk Skipped
	got := keepValid(in, now, &sk)
	var keys []string
	for _, g := range got {
		keys = append(keys, g.Key().String()+"="+g.Value)
	}
	want := "a@.example.com/=v-11:59 a@example.com/=v-11:58 b@example.com/=v-11:59 session@example.com/=v-12:00"
	if s := strings.Join(keys, " "); s != want {
		t.Errorf("kept %s\nwant %s", s, want)
	}
	if want := (Skipped{Expired: 1, Invalid: 4, Duplicate: 1}); sk != want {
		t.Errorf("skipped %+v, want %+v", sk, want)
	}
}

func TestSkippedString(t *testing.T) {
	if s := (Skipped{}).String(); s != "" {
		t.Errorf("no skips = %q", s)
	}
	s := Skipped{HostCheck: 2, Expired: 1, OtherDomain: 40}
	if got, want := s.String(), "2 failed the host check, 1 expired, 40 are for other domains"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if s.Total() != 43 {
		t.Errorf("Total = %d", s.Total())
	}
}
