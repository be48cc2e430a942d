package browsercookie

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"
)

// toChromium converts a time to Chromium's µs since 1601.
func toChromium(t time.Time) int64 { return t.UnixMicro() + chromiumEpoch }

// schema reads a CREATE script from testdata.
func schema(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// createDB creates the database path from a script and returns it open.
func createDB(tb testing.TB, path, script string) *sqlite3.Conn {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		tb.Fatal(err)
	}
	conn, err := sqlite3.OpenFlags(path, sqlite3.OPEN_READWRITE|sqlite3.OPEN_CREATE)
	if err != nil {
		tb.Fatal(err)
	}
	if err := conn.Exec(script); err != nil {
		conn.Close()
		tb.Fatal(err)
	}
	return conn
}

// insertChromium adds rows to a Chromium cookies table.
func insertChromium(tb testing.TB, conn *sqlite3.Conn, rows ...chromiumRow) {
	tb.Helper()
	stmt, _, err := conn.Prepare(`INSERT INTO cookies (creation_utc, host_key, top_frame_site_key, name, value,
		encrypted_value, path, expires_utc, is_secure, is_httponly, last_access_utc, has_expires, is_persistent,
		priority, samesite, source_scheme, source_port, last_update_utc, source_type, has_cross_site_ancestor)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 443, ?, 0, 0)`)
	if err != nil {
		tb.Fatal(err)
	}
	defer stmt.Close()
	if err := conn.Exec("BEGIN"); err != nil {
		tb.Fatal(err)
	}
	for _, r := range rows {
		stmt.BindInt64(1, r.CreationUTC)
		stmt.BindText(2, r.HostKey)
		stmt.BindText(3, r.TopFrameSiteKey)
		stmt.BindText(4, r.Name)
		stmt.BindText(5, r.Value)
		stmt.BindBlob(6, append([]byte{}, r.EncryptedValue...))
		stmt.BindText(7, r.Path)
		stmt.BindInt64(8, r.ExpiresUTC)
		stmt.BindBool(9, r.Secure)
		stmt.BindBool(10, r.HTTPOnly)
		stmt.BindInt64(11, r.LastAccessUTC)
		stmt.BindBool(12, r.Persistent)
		stmt.BindBool(13, r.Persistent)
		stmt.BindInt64(14, r.SameSite)
		stmt.BindInt64(15, r.SourceScheme)
		stmt.BindInt64(16, r.LastUpdateUTC)
		if err := stmt.Exec(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := conn.Exec("COMMIT"); err != nil {
		tb.Fatal(err)
	}
}

// insertFirefox adds rows to a Firefox moz_cookies table.
func insertFirefox(tb testing.TB, conn *sqlite3.Conn, rows ...firefoxRow) {
	tb.Helper()
	stmt, _, err := conn.Prepare(`INSERT INTO moz_cookies (originAttributes, name, value, host, path, expiry,
		lastAccessed, creationTime, isSecure, isHttpOnly, sameSite, schemeMap, isPartitionedAttributeSet, updateTime)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		tb.Fatal(err)
	}
	defer stmt.Close()
	for _, r := range rows {
		stmt.BindText(1, r.OriginAttributes)
		stmt.BindText(2, r.Name)
		stmt.BindText(3, r.Value)
		stmt.BindText(4, r.Host)
		stmt.BindText(5, r.Path)
		stmt.BindInt64(6, r.Expiry)
		stmt.BindInt64(7, r.LastAccessed)
		stmt.BindInt64(8, r.CreationTime)
		stmt.BindBool(9, r.Secure)
		stmt.BindBool(10, r.HTTPOnly)
		stmt.BindInt64(11, r.SameSite)
		stmt.BindInt64(12, r.SchemeMap)
		stmt.BindBool(13, r.Partitioned)
		stmt.BindInt64(14, r.UpdateTime)
		if err := stmt.Exec(); err != nil {
			tb.Fatal(err)
		}
	}
}

// chromiumProfile writes a Chromium profile folder dir/Default with the
// rows in its Cookies database (v24 schema) and returns the database path.
func chromiumProfile(tb testing.TB, userData string, rows ...chromiumRow) string {
	tb.Helper()
	db := filepath.Join(userData, "Default", "Cookies")
	conn := createDB(tb, db, schema(tb, "chromium-v24.sql"))
	defer conn.Close()
	insertChromium(tb, conn, rows...)
	return db
}
