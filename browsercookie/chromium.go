package browsercookie

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/limpet-http/limpet/jar"
)

// ChromiumNewestSchema is the newest Chromium cookie database version this
// package was checked against (Chromium 156 writes 24). A newer database
// is read when its last_compatible_version says that code for version 24
// can read it, with a warning; otherwise Read fails with ErrSchemaTooNew.
const ChromiumNewestSchema = 24

// chromiumColumns are the columns read from the cookies table, in the
// order of chromiumRow's fields. "a|b" takes the first that exists;
// "=v" is the value for a schema without the column.
var chromiumColumns = []string{
	"host_key", "name", "value", "encrypted_value=x''", "path", "expires_utc",
	"is_secure|secure=0", "is_httponly|httponly=0", "samesite=-1", "is_persistent|persistent=1",
	"source_scheme=0", "top_frame_site_key=''",
	"creation_utc=0", "last_access_utc=0", "last_update_utc=0",
}

// chromiumRow is one row of Chromium's cookies table.
type chromiumRow struct {
	HostKey         string // ".example.com" (domain cookie) or "example.com"
	Name, Value     string // Value is used when EncryptedValue is empty
	EncryptedValue  []byte
	Path            string
	ExpiresUTC      int64 // µs since 1601-01-01 UTC; 0 for session cookies
	Secure          bool
	HTTPOnly        bool
	SameSite        int64 // -1 unspecified, 0 None, 1 Lax, 2 Strict
	Persistent      bool
	SourceScheme    int64 // 0 unset, 1 non-secure, 2 secure
	TopFrameSiteKey string
	CreationUTC     int64
	LastAccessUTC   int64
	LastUpdateUTC   int64
}

// skip is why a row is not imported; skipNone keeps it.
type skip int

const (
	skipNone skip = iota
	skipOtherDomain
	skipHostCheck
	skipUndecryptable
	skipOtherPartition
)

func (s skip) count(sk *Skipped) {
	switch s {
	case skipOtherDomain:
		sk.OtherDomain++
	case skipHostCheck:
		sk.HostCheck++
	case skipUndecryptable:
		sk.Undecryptable++
	case skipOtherPartition:
		sk.OtherPartition++
	}
}

// chromiumEpoch is Chromium's time origin, 1601-01-01 UTC, as µs before
// the Unix epoch.
const chromiumEpoch = 11644473600 * 1_000_000

// chromiumTime converts Chromium's µs since 1601 (0 or less: no time).
func chromiumTime(us int64) time.Time {
	if us <= 0 {
		return time.Time{}
	}
	return clampTime(time.UnixMicro(us - chromiumEpoch).UTC())
}

// chromiumSameSite maps the samesite column.
func chromiumSameSite(v int64) jar.SameSite {
	switch v {
	case 0:
		return jar.SameSiteNone
	case 1:
		return jar.SameSiteLax
	case 2:
		return jar.SameSiteStrict
	}
	return jar.SameSiteDefault // -1: unspecified
}

// chromiumScheme maps source_scheme.
func chromiumScheme(v int64) Scheme {
	switch v {
	case 1:
		return SchemeHTTP
	case 2:
		return SchemeHTTPS
	}
	return 0
}

// convert turns a row into a cookie, decrypting its value. It returns why
// the row is skipped, or an error (the keyring's) that stops the import.
// The cookie's storage-model checks (name, value, domain...) are left to
// keepValid.
func (r chromiumRow) convert(dec *decrypter, filter domainFilter) (Cookie, skip, error) {
	domain, hostOnly := hostKey(r.HostKey)
	if !filter.match(domain, hostOnly) {
		return Cookie{}, skipOtherDomain, nil
	}
	if r.TopFrameSiteKey != "" && !ownPartition(r.TopFrameSiteKey, domain) {
		return Cookie{}, skipOtherPartition, nil
	}
	value := r.Value
	if len(r.EncryptedValue) > 0 {
		v, err := dec.decrypt(r.HostKey, r.EncryptedValue)
		switch {
		case errors.Is(err, errHostCheck):
			return Cookie{}, skipHostCheck, nil
		case errors.Is(err, errUndecryptable):
			return Cookie{}, skipUndecryptable, nil
		case err != nil:
			return Cookie{}, skipNone, err
		}
		value = v
	}
	c := Cookie{
		Cookie: jar.Cookie{
			Name:        r.Name,
			Value:       value,
			Domain:      domain,
			Path:        r.Path,
			HostOnly:    hostOnly,
			Secure:      r.Secure,
			HttpOnly:    r.HTTPOnly,
			SameSite:    chromiumSameSite(r.SameSite),
			Partitioned: r.TopFrameSiteKey != "",
			Created:     chromiumTime(r.CreationUTC),
			LastAccess:  chromiumTime(r.LastAccessUTC),
			Updated:     chromiumTime(r.LastUpdateUTC),
		},
		SourceScheme: chromiumScheme(r.SourceScheme),
		Partition:    r.TopFrameSiteKey,
	}
	if r.Persistent && r.ExpiresUTC > 0 {
		c.Persistent, c.Expires = true, chromiumTime(r.ExpiresUTC)
	}
	if c.Updated.IsZero() {
		c.Updated = c.Created
	}
	if c.LastAccess.IsZero() {
		c.LastAccess = c.Updated
	}
	return c, skipNone, nil
}

// chromiumMeta reads the version and last_compatible_version of the meta
// table.
func chromiumMeta(ctx context.Context, conn *sqlite3.Conn) (version, compatible int, err error) {
	cols, err := columns(ctx, conn, "meta")
	if err != nil {
		return 0, 0, err
	}
	if !cols["key"] || !cols["value"] {
		return 0, 0, fmt.Errorf("%w: no meta table", ErrNotCookieDB)
	}
	err = query(ctx, conn, "SELECT key, value FROM meta WHERE key IN ('version', 'last_compatible_version')", func(s *sqlite3.Stmt) error {
		n, err := strconv.Atoi(s.ColumnText(1))
		if err != nil {
			return fmt.Errorf("%w: meta %s is %q", ErrNotCookieDB, s.ColumnText(0), s.ColumnText(1))
		}
		if s.ColumnText(0) == "version" {
			version = n
		} else {
			compatible = n
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	if version == 0 {
		return 0, 0, fmt.Errorf("%w: no version in the meta table", ErrNotCookieDB)
	}
	if compatible == 0 {
		compatible = version
	}
	return version, compatible, nil
}

// readChromium reads the cookies of a Chromium cookie database.
func readChromium(ctx context.Context, db string, o Options, filter domainFilter, res *Result) ([]Cookie, error) {
	lookup := o.SafeStoragePassword
	if lookup == nil {
		lookup = secretServicePassword
	}
	var out []Cookie
	err := withCopy(ctx, db, o.TempDir, func(conn *sqlite3.Conn) error {
		out, res.Skipped = nil, Skipped{}
		version, compatible, err := chromiumMeta(ctx, conn)
		if err != nil {
			return err
		}
		res.Schema = version
		res.Warnings = nil
		if compatible > ChromiumNewestSchema {
			return fmt.Errorf("%w: %s cookie database version %d can be read only by code for version %d or later; this limpet reads up to version %d (update limpet)",
				ErrSchemaTooNew, o.Browser, version, compatible, ChromiumNewestSchema)
		}
		if version > ChromiumNewestSchema {
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s cookie database version %d is newer than %d, the newest this limpet was checked against; it says it can be read as version %d",
				o.Browser, version, ChromiumNewestSchema, compatible))
		}
		cols, err := columns(ctx, conn, "cookies")
		if err != nil {
			return err
		}
		if cols == nil {
			return fmt.Errorf("%w: %s has no cookies table", ErrNotCookieDB, db)
		}
		list, err := selectList(cols, chromiumColumns)
		if err != nil {
			return fmt.Errorf("%w: %s cookie database version %d: %s", ErrSchemaTooNew, o.Browser, version, err)
		}
		dec := newDecrypter(version, func() ([]byte, error) {
			pw, err := lookup(ctx, o.Browser)
			if err != nil {
				return nil, keyringError(o.Browser, err)
			}
			return pw, nil
		})
		if len(filter) == 0 {
			out = make([]Cookie, 0, rowCount(ctx, conn, "cookies"))
		}
		return query(ctx, conn, "SELECT "+list+" FROM cookies", func(s *sqlite3.Stmt) error {
			row := chromiumRow{
				HostKey:         s.ColumnText(0),
				Name:            s.ColumnText(1),
				Value:           s.ColumnText(2),
				EncryptedValue:  s.ColumnRawBlob(3),
				Path:            s.ColumnText(4),
				ExpiresUTC:      s.ColumnInt64(5),
				Secure:          s.ColumnInt64(6) != 0,
				HTTPOnly:        s.ColumnInt64(7) != 0,
				SameSite:        s.ColumnInt64(8),
				Persistent:      s.ColumnInt64(9) != 0,
				SourceScheme:    s.ColumnInt64(10),
				TopFrameSiteKey: s.ColumnText(11),
				CreationUTC:     s.ColumnInt64(12),
				LastAccessUTC:   s.ColumnInt64(13),
				LastUpdateUTC:   s.ColumnInt64(14),
			}
			c, why, err := row.convert(dec, filter)
			if err != nil {
				return err
			}
			if why != skipNone {
				why.count(&res.Skipped)
				return nil
			}
			out = append(out, c)
			return nil
		})
	})
	return out, err
}
