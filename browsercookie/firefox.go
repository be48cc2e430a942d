package browsercookie

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3"

	"github.com/limpet-http/limpet/jar"
)

// FirefoxNewestSchema is the newest Firefox cookie database schema
// (user_version) this package was checked against (Firefox ESR 153 writes
// 17). A newer one is read, with a warning, when it still has the columns
// read; otherwise Read fails with ErrSchemaTooNew.
const FirefoxNewestSchema = 17

// firefoxMillisSchema is the first schema whose expiry is in milliseconds
// (seconds before).
const firefoxMillisSchema = 16

// firefoxColumns are the columns read from moz_cookies, in the order of
// firefoxRow's fields (see chromiumColumns for the notation).
var firefoxColumns = []string{
	"host", "name", "value", "path", "expiry", "issecure", "ishttponly",
	"samesite=0", "rawsamesite=-1", "schememap=0", "originattributes=''", "ispartitionedattributeset=0",
	"creationtime=0", "lastaccessed=0", "updatetime=0",
}

// firefoxRow is one row of Firefox's moz_cookies table.
type firefoxRow struct {
	Host        string // ".example.com" (domain cookie) or "example.com"
	Name, Value string
	Path        string
	Expiry      int64 // ms since the Unix epoch from schema 16, s before
	Secure      bool
	HTTPOnly    bool
	// SameSite: 0 None, 1 Lax, 2 Strict, 256 unset (Firefox 1xx).
	SameSite int64
	// RawSameSite is the attribute as received, in the schemas that had
	// the column (0 None or unset, 1 Lax, 2 Strict); -1 without it.
	RawSameSite      int64
	SchemeMap        int64 // bits: 1 http, 2 https, 4 file
	OriginAttributes string
	Partitioned      bool
	CreationTime     int64 // µs since the Unix epoch
	LastAccessed     int64 // µs
	UpdateTime       int64 // µs
}

// firefoxUnset is the sameSite value Firefox stores for a cookie without
// the attribute.
const firefoxUnset = 256

// firefoxSameSite maps sameSite (or rawSameSite where the schema has it:
// the attribute as sent, 0 meaning absent or None, which Firefox did not
// tell apart; it is imported as unspecified).
func firefoxSameSite(sameSite, raw int64) jar.SameSite {
	v := sameSite
	if raw >= 0 {
		if raw == 0 {
			return jar.SameSiteDefault
		}
		v = raw
	}
	switch v {
	case 0:
		return jar.SameSiteNone
	case 1:
		return jar.SameSiteLax
	case 2:
		return jar.SameSiteStrict
	case firefoxUnset:
		return jar.SameSiteDefault
	}
	return jar.SameSiteDefault // unknown
}

// firefoxScheme maps schemeMap.
func firefoxScheme(v int64) Scheme {
	return Scheme(v) & (SchemeHTTP | SchemeHTTPS)
}

// firefoxExpiry converts expiry, in ms (millis) or seconds since the Unix
// epoch, capped at year 9999.
func firefoxExpiry(v int64, millis bool) time.Time {
	limit := maxTime.Unix()
	if millis {
		if v/1000 > limit {
			return maxTime
		}
		return time.UnixMilli(v).UTC()
	}
	if v > limit {
		return maxTime
	}
	return time.Unix(v, 0).UTC()
}

// microTime converts µs since the Unix epoch (0 or less: no time).
func microTime(us int64) time.Time {
	if us <= 0 {
		return time.Time{}
	}
	return clampTime(time.UnixMicro(us).UTC())
}

// originAttributes parses Firefox's originAttributes suffix
// ("^userContextId=2&partitionKey=%28https%2Cexample.com%29").
func originAttributes(s string) (url.Values, bool) {
	if s == "" {
		return nil, true
	}
	if !strings.HasPrefix(s, "^") {
		return nil, false
	}
	v, err := url.ParseQuery(s[1:])
	return v, err == nil
}

// firefoxPartition tells which rows are imported by their
// originAttributes: none, or only a partitionKey of the cookie's own site.
// Cookies of container tabs (userContextId), private windows
// (privateBrowsingId) and other contexts are not.
func firefoxPartition(attrs, domain string) (partition string, ok bool) {
	v, valid := originAttributes(attrs)
	if !valid {
		return "", false
	}
	for k := range v {
		if k != "partitionKey" {
			return "", false
		}
	}
	pk := v.Get("partitionKey")
	if pk == "" {
		return "", true
	}
	return pk, ownPartition(pk, domain)
}

// convert turns a row into a cookie; millis says expiry is in ms.
func (r firefoxRow) convert(millis bool, filter domainFilter) (Cookie, skip) {
	domain, hostOnly := hostKey(r.Host)
	if !filter.match(domain, hostOnly) {
		return Cookie{}, skipOtherDomain
	}
	partition, ok := firefoxPartition(r.OriginAttributes, domain)
	if !ok {
		return Cookie{}, skipOtherPartition
	}
	c := Cookie{
		Cookie: jar.Cookie{
			Name:        r.Name,
			Value:       r.Value,
			Domain:      domain,
			Path:        r.Path,
			HostOnly:    hostOnly,
			Persistent:  true, // Firefox does not write session cookies
			Expires:     firefoxExpiry(r.Expiry, millis),
			Secure:      r.Secure,
			HttpOnly:    r.HTTPOnly,
			SameSite:    firefoxSameSite(r.SameSite, r.RawSameSite),
			Partitioned: r.Partitioned || partition != "",
			Created:     microTime(r.CreationTime),
			LastAccess:  microTime(r.LastAccessed),
			Updated:     microTime(r.UpdateTime),
		},
		SourceScheme: firefoxScheme(r.SchemeMap),
		Partition:    partition,
	}
	if c.Updated.IsZero() {
		c.Updated = c.Created
	}
	if c.LastAccess.IsZero() {
		c.LastAccess = c.Updated
	}
	return c, skipNone
}

// readFirefox reads the cookies of a Firefox cookies.sqlite.
func readFirefox(ctx context.Context, db string, o Options, filter domainFilter, res *Result) ([]Cookie, error) {
	var out []Cookie
	err := withCopy(ctx, db, o.TempDir, func(conn *sqlite3.Conn) error {
		out, res.Skipped, res.Warnings = nil, Skipped{}, nil
		var version int64
		if err := query(ctx, conn, "PRAGMA user_version", func(s *sqlite3.Stmt) error {
			version = s.ColumnInt64(0)
			return nil
		}); err != nil {
			return err
		}
		if version > math.MaxInt32 || version < 0 {
			return fmt.Errorf("%w: user_version %d", ErrNotCookieDB, version)
		}
		res.Schema = int(version)
		cols, err := columns(ctx, conn, "moz_cookies")
		if err != nil {
			return err
		}
		if cols == nil {
			return fmt.Errorf("%w: %s has no moz_cookies table", ErrNotCookieDB, db)
		}
		list, err := selectList(cols, firefoxColumns)
		if err != nil {
			if version > FirefoxNewestSchema {
				return fmt.Errorf("%w: Firefox cookie database schema %d (this limpet reads up to %d): %s", ErrSchemaTooNew, version, FirefoxNewestSchema, err)
			}
			return fmt.Errorf("%w: Firefox cookie database schema %d: %s", ErrNotCookieDB, version, err)
		}
		if version > FirefoxNewestSchema {
			res.Warnings = append(res.Warnings, fmt.Sprintf("Firefox cookie database schema %d is newer than %d, the newest this limpet was checked against; read as schema %d",
				version, FirefoxNewestSchema, FirefoxNewestSchema))
		}
		millis := version >= firefoxMillisSchema
		if len(filter) == 0 {
			out = make([]Cookie, 0, rowCount(ctx, conn, "moz_cookies"))
		}
		return query(ctx, conn, "SELECT "+list+" FROM moz_cookies", func(s *sqlite3.Stmt) error {
			row := firefoxRow{
				Host:             s.ColumnText(0),
				Name:             s.ColumnText(1),
				Value:            s.ColumnText(2),
				Path:             s.ColumnText(3),
				Expiry:           s.ColumnInt64(4),
				Secure:           s.ColumnInt64(5) != 0,
				HTTPOnly:         s.ColumnInt64(6) != 0,
				SameSite:         s.ColumnInt64(7),
				RawSameSite:      s.ColumnInt64(8),
				SchemeMap:        s.ColumnInt64(9),
				OriginAttributes: s.ColumnText(10),
				Partitioned:      s.ColumnInt64(11) != 0,
				CreationTime:     s.ColumnInt64(12),
				LastAccessed:     s.ColumnInt64(13),
				UpdateTime:       s.ColumnInt64(14),
			}
			c, why := row.convert(millis, filter)
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
