package browsercookie

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"
)

// opts returns Options for a test home.
func opts(b Browser, home string) Options {
	return Options{Browser: b, Dirs: Dirs{Home: home}, Now: t2026, TempDir: home,
		SafeStoragePassword: func(context.Context, Browser) ([]byte, error) { return []byte("pw"), nil }}
}

func row(host, name, value string) chromiumRow {
	r := chromiumRow{HostKey: host, Name: name, Path: "/", ExpiresUTC: toChromium(t2030), Persistent: true, SameSite: -1,
		SourceScheme: 2, CreationUTC: toChromium(t2026.Add(-time.Hour)), LastUpdateUTC: toChromium(t2026.Add(-time.Hour))}
	r.EncryptedValue = encryptChromium("v10", []byte("peanuts"), host, value, true)
	return r
}

func values(cs []Cookie) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.Key().String()+"="+c.Value)
	}
	return strings.Join(s, " ")
}

func TestReadChromium(t *testing.T) {
	home := t.TempDir()
	userData := filepath.Join(home, ".config", "chromium")
	moved := row("app.example.com", "moved", "x")
	moved.HostKey = "evil.test" // its value was encrypted for app.example.com
	v11 := row("app.example.com", "k", "")
	v11.EncryptedValue = encryptChromium("v11", []byte("pw"), v11.HostKey, "from-keyring", true)
	chromiumProfile(t, userData,
		row("app.example.com", "sid", "s1"),
		row(".example.com", "pref", "p1"),
		row("other.test", "x", "o1"),
		moved,
		v11,
	)
	o := opts(Chromium, home)
	o.Domains = []string{"app.example.com", "evil.test"}
	// The keyring is asked while the private copy is open: check it then.
	o.SafeStoragePassword = func(context.Context, Browser) ([]byte, error) {
		dirs, _ := filepath.Glob(filepath.Join(home, "limpet-cookies-*"))
		if len(dirs) != 1 {
			t.Fatalf("private copies: %v", dirs)
		}
		if fi, err := os.Stat(dirs[0]); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("private folder: %v, %v", fi.Mode(), err)
		}
		if fi, err := os.Stat(filepath.Join(dirs[0], "Cookies")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("private copy: %v, %v", fi.Mode(), err)
		}
		return []byte("pw"), nil
	}
	res, err := Read(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := values(res.Cookies), "k@app.example.com/=from-keyring sid@app.example.com/=s1 pref@.example.com/=p1"; got != want {
		t.Errorf("cookies %s\nwant %s", got, want)
	}
	if want := (Skipped{OtherDomain: 1, HostCheck: 1}); res.Skipped != want {
		t.Errorf("skipped %+v, want %+v", res.Skipped, want)
	}
	if res.Schema != 24 || res.Profile.Name != "Default" || res.Database != filepath.Join(userData, "Default", "Cookies") || len(res.Warnings) > 0 {
		t.Errorf("result %+v", res)
	}
	// The private copy is gone.
	if m, _ := filepath.Glob(filepath.Join(home, "limpet-cookies-*")); len(m) > 0 {
		t.Errorf("copies left behind: %v", m)
	}
}

func TestReadChromiumKeyringAskedOnlyWhenNeeded(t *testing.T) {
	home := t.TempDir()
	userData := filepath.Join(home, ".config", "chromium")
	other := row("other.test", "k", "")
	other.EncryptedValue = encryptChromium("v11", []byte("pw"), other.HostKey, "x", true)
	chromiumProfile(t, userData, row("app.test", "sid", "s1"), other)
	o := opts(Chromium, home)
	asked := 0
	o.SafeStoragePassword = func(context.Context, Browser) ([]byte, error) {
		asked++
		return nil, errors.New("locked")
	}
	o.Domains = []string{"app.test"}
	if res, err := Read(context.Background(), o); err != nil || asked != 0 || len(res.Cookies) != 1 {
		t.Fatalf("Read = %v, %v; keyring asked %d times", res, err, asked)
	}
	o.Domains = nil
	_, err := Read(context.Background(), o)
	if !errors.Is(err, ErrKeyring) || asked != 1 {
		t.Fatalf("err = %v (asked %d), want ErrKeyring", err, asked)
	}
	if !strings.Contains(err.Error(), `"Chromium Safe Storage"`) {
		t.Errorf("the error does not name the keyring item: %v", err)
	}
}

func TestReadChromiumVersions(t *testing.T) {
	for _, tc := range []struct {
		name                string
		version, compatible int
		wantErr             error
		warn                bool
		hostCheck           bool
	}{
		{name: "24", version: 24, compatible: 24, hostCheck: true},
		{name: "newer but compatible", version: 25, compatible: 24, warn: true, hostCheck: true},
		{name: "too new", version: 26, compatible: 25, wantErr: ErrSchemaTooNew},
		{name: "23: no host prefix", version: 23, compatible: 23},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			r := row("app.test", "sid", "")
			r.EncryptedValue = encryptChromium("v10", []byte("peanuts"), r.HostKey, "s1", tc.hostCheck)
			db := chromiumProfile(t, filepath.Join(home, ".config", "chromium"), r)
			conn, err := sqlite3.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			err = conn.Exec(fmt.Sprintf("UPDATE meta SET value = '%d' WHERE key = 'version'; UPDATE meta SET value = '%d' WHERE key = 'last_compatible_version'", tc.version, tc.compatible))
			conn.Close()
			if err != nil {
				t.Fatal(err)
			}
			res, err := Read(context.Background(), opts(Chromium, home))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), fmt.Sprint(tc.version)) {
					t.Fatalf("err = %v, want %v naming version %d", err, tc.wantErr, tc.version)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := values(res.Cookies); got != "sid@app.test/=s1" {
				t.Errorf("cookies %s", got)
			}
			if (len(res.Warnings) > 0) != tc.warn {
				t.Errorf("warnings %q", res.Warnings)
			}
		})
	}
}

func TestReadNotACookieDB(t *testing.T) {
	home := t.TempDir()
	junk := filepath.Join(home, "Cookies")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not sqlite ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, b := range []Browser{Chromium, Firefox} {
		o := opts(b, home)
		o.Profile = junk
		if _, err := Read(context.Background(), o); !errors.Is(err, ErrNotCookieDB) {
			t.Errorf("%s: err = %v, want ErrNotCookieDB", b, err)
		}
	}
	// An SQLite file of something else.
	other := filepath.Join(home, "other.sqlite")
	createDB(t, other, "CREATE TABLE t(x)").Close()
	for _, b := range []Browser{Chromium, Firefox} {
		o := opts(b, home)
		o.Profile = other
		if _, err := Read(context.Background(), o); !errors.Is(err, ErrNotCookieDB) {
			t.Errorf("%s: err = %v, want ErrNotCookieDB", b, err)
		}
	}
}

// firefoxDB creates a Firefox profile's cookies.sqlite (v17 schema, then
// user_version set to version) with rows and returns it open.
func firefoxDB(t *testing.T, profile string, version int, rows ...firefoxRow) *sqlite3.Conn {
	t.Helper()
	conn := createDB(t, filepath.Join(profile, "cookies.sqlite"), schema(t, "firefox-v17.sql")+fmt.Sprintf("PRAGMA user_version = %d;", version))
	insertFirefox(t, conn, rows...)
	return conn
}

func ffRow(host, name, value string, expiry int64) firefoxRow {
	return firefoxRow{Host: host, Name: name, Value: value, Path: "/", Expiry: expiry, SameSite: 256, SchemeMap: 2,
		CreationTime: t2026.Add(-time.Hour).UnixMicro(), UpdateTime: t2026.Add(-time.Hour).UnixMicro()}
}

func TestReadFirefoxSchemas(t *testing.T) {
	for _, tc := range []struct {
		version int
		expiry  int64
		warn    bool
	}{
		{17, t2030.UnixMilli(), false},
		{16, t2030.UnixMilli(), false},
		{15, t2030.Unix(), false}, // seconds
		{18, t2030.UnixMilli(), true},
	} {
		t.Run(fmt.Sprint(tc.version), func(t *testing.T) {
			home := t.TempDir()
			firefoxDB(t, filepath.Join(home, "p"), tc.version, ffRow("app.test", "sid", "s1", tc.expiry)).Close()
			o := opts(Firefox, home)
			o.Profile = filepath.Join(home, "p")
			res, err := Read(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Cookies) != 1 || !res.Cookies[0].Expires.Equal(t2030.Truncate(time.Second)) && !res.Cookies[0].Expires.Equal(t2030.Truncate(time.Millisecond)) {
				t.Fatalf("cookies %+v", res.Cookies)
			}
			if res.Schema != tc.version || (len(res.Warnings) > 0) != tc.warn {
				t.Errorf("schema %d, warnings %q", res.Schema, res.Warnings)
			}
		})
	}
}

func TestReadFirefoxSchemaTooNew(t *testing.T) {
	home := t.TempDir()
	conn := createDB(t, filepath.Join(home, "p", "cookies.sqlite"),
		"CREATE TABLE moz_cookies (id INTEGER PRIMARY KEY, name TEXT, value TEXT, host TEXT, path TEXT, expiryTime INTEGER, isSecure INTEGER, isHttpOnly INTEGER); PRAGMA user_version = 19;")
	conn.Close()
	o := opts(Firefox, home)
	o.Profile = filepath.Join(home, "p")
	_, err := Read(context.Background(), o)
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "schema 19") || !strings.Contains(err.Error(), "expiry") {
		t.Fatalf("err = %v, want ErrSchemaTooNew naming schema 19 and the column", err)
	}
}

// TestReadFirefoxWAL reads a database that a writer holds open, in WAL
// mode with exclusive locking as Firefox does, whose last rows are only in
// the write-ahead log.
func TestReadFirefoxWAL(t *testing.T) {
	home := t.TempDir()
	prof := filepath.Join(home, "p")
	conn := firefoxDB(t, prof, 17, ffRow("app.test", "old", "o1", t2030.UnixMilli()))
	defer conn.Close()
	if err := conn.Exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; PRAGMA locking_mode = EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	insertFirefox(t, conn, ffRow("app.test", "sid", "in-the-wal", t2030.UnixMilli()))
	if fi, err := os.Stat(filepath.Join(prof, "cookies.sqlite-wal")); err != nil || fi.Size() == 0 {
		t.Fatalf("no WAL: %v", err)
	}
	// The file itself is locked.
	if direct, err := sqlite3.OpenFlags(filepath.Join(prof, "cookies.sqlite"), sqlite3.OPEN_READONLY); err == nil {
		err = direct.Exec("SELECT count(*) FROM moz_cookies")
		direct.Close()
		if !errors.Is(err, sqlite3.BUSY) {
			t.Fatalf("reading the locked file directly: %v, want SQLITE_BUSY", err)
		}
	}
	o := opts(Firefox, home)
	o.Profile = prof
	res, err := Read(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := values(res.Cookies), "old@app.test/=o1 sid@app.test/=in-the-wal"; got != want {
		t.Errorf("cookies %s, want %s", got, want)
	}
	// The browser's files are untouched: the WAL still holds the row.
	if fi, err := os.Stat(filepath.Join(prof, "cookies.sqlite-wal")); err != nil || fi.Size() == 0 {
		t.Errorf("WAL after the read: %v", err)
	}
}

func TestFindProfilesChromium(t *testing.T) {
	home := t.TempDir()
	userData := filepath.Join(home, ".config", "chromium")
	chromiumProfile(t, userData, row("a.test", "sid", "default"))
	// Profile 1 keeps its cookies under Network/, as Chromium 96+ does.
	p1 := filepath.Join(userData, "Profile 1", "Network", "Cookies")
	conn := createDB(t, p1, schema(t, "chromium-v24.sql"))
	insertChromium(t, conn, row("a.test", "sid", "work"))
	conn.Close()
	os.MkdirAll(filepath.Join(userData, "Profile 2"), 0o700) // no cookies: not listed
	localState := `{"profile": {"info_cache": {"Default": {"name": "Person 1"}, "Profile 1": {"name": "Work"}}, "last_used": "Profile 1"}}`
	if err := os.WriteFile(filepath.Join(userData, "Local State"), []byte(localState), 0o600); err != nil {
		t.Fatal(err)
	}
	ps := FindProfiles(Chromium, Dirs{Home: home})
	var got []string
	for _, p := range ps {
		got = append(got, fmt.Sprintf("%s/%s/%v", p.Name, p.DisplayName, p.Default))
	}
	if s := strings.Join(got, " "); s != "Default/Person 1/false Profile 1/Work/true" {
		t.Fatalf("profiles %s", s)
	}
	for _, tc := range []struct{ profile, want string }{
		{"", "work"}, // last used
		{"Default", "default"},
		{"Person 1", "default"},
		{"work", "work"}, // display name, another case
		{filepath.Join(userData, "Default"), "default"},
		{userData, "work"}, // a user-data folder: its last used profile
		{filepath.Join(userData, "Default", "Cookies"), "default"},
		{p1, "work"},
	} {
		o := opts(Chromium, home)
		o.Profile = tc.profile
		res, err := Read(context.Background(), o)
		if err != nil {
			t.Errorf("profile %q: %v", tc.profile, err)
			continue
		}
		if got := values(res.Cookies); got != "sid@a.test/="+tc.want {
			t.Errorf("profile %q: %s", tc.profile, got)
		}
	}
	o := opts(Chromium, home)
	o.Profile = "Personal"
	_, err := Read(context.Background(), o)
	var pnf *ProfileNotFoundError
	if !errors.As(err, &pnf) || !errors.Is(err, ErrProfileNotFound) || len(pnf.Found) != 2 ||
		!strings.Contains(err.Error(), "Profile 1 (Work) in ") {
		t.Errorf("err = %v, want a ProfileNotFoundError listing both", err)
	}
	// Chrome's folder is empty.
	_, err = Read(context.Background(), opts(Chrome, home))
	if !errors.As(err, &pnf) || !strings.Contains(err.Error(), filepath.Join(home, ".config", "google-chrome")) {
		t.Errorf("err = %v, want a ProfileNotFoundError naming where it looked", err)
	}
}

func TestFindProfilesFirefox(t *testing.T) {
	home := t.TempDir()
	root := filepath.Join(home, ".mozilla", "firefox")
	firefoxDB(t, filepath.Join(root, "aaaa.default"), 17, ffRow("a.test", "sid", "old", t2030.UnixMilli())).Close()
	firefoxDB(t, filepath.Join(root, "bbbb.default-release"), 17, ffRow("a.test", "sid", "release", t2030.UnixMilli())).Close()
	// Newer Firefox releases keep profiles under XDG_CONFIG_HOME.
	xdg := filepath.Join(home, "xdg")
	firefoxDB(t, filepath.Join(xdg, "mozilla", "firefox", "cccc.work"), 17, ffRow("a.test", "sid", "xdg", t2030.UnixMilli())).Close()
	ini := `[Profile1]
Name=default
IsRelative=1
Path=aaaa.default
Default=1

[Profile0]
Name=default-release
IsRelative=1
Path=bbbb.default-release

[Profile2]
Name=escape
IsRelative=1
Path=../../../etc

[General]
StartWithLastProfile=1
Version=2

[Install4F96D1932A9F858E]
Default=bbbb.default-release
Locked=1
`
	if err := os.WriteFile(filepath.Join(root, "profiles.ini"), []byte(ini), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(xdg, "mozilla", "firefox", "profiles.ini"), []byte("[Profile0]\nName=work\nIsRelative=1\nPath=cccc.work\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := Dirs{Home: home, ConfigHome: xdg}
	var got []string
	for _, p := range FindProfiles(Firefox, d) {
		got = append(got, fmt.Sprintf("%s/%v", p.Name, p.Default))
	}
	if s := strings.Join(got, " "); s != "default/false default-release/true work/false" {
		t.Fatalf("profiles %s", s)
	}
	for _, tc := range []struct{ profile, want string }{
		{"", "release"}, // the install's default wins over Default=1
		{"default", "old"},
		{"work", "xdg"},
		{"aaaa.default", "old"},
		{root, "release"},
		{filepath.Join(root, "aaaa.default"), "old"},
	} {
		o := opts(Firefox, home)
		o.Dirs, o.Profile = d, tc.profile
		res, err := Read(context.Background(), o)
		if err != nil {
			t.Errorf("profile %q: %v", tc.profile, err)
			continue
		}
		if got := values(res.Cookies); got != "sid@a.test/="+tc.want {
			t.Errorf("profile %q: %s", tc.profile, got)
		}
	}
	o := opts(Firefox, home)
	o.Dirs, o.Profile = d, "nope"
	if _, err := Read(context.Background(), o); !errors.Is(err, ErrProfileNotFound) ||
		!strings.Contains(err.Error(), "default-release in "+filepath.Join(root, "bbbb.default-release")) {
		t.Errorf("err = %v, want ErrProfileNotFound listing the profiles", err)
	}
	o.Profile = filepath.Join(home, "missing")
	if _, err := Read(context.Background(), o); !errors.Is(err, ErrProfileNotFound) {
		t.Errorf("err = %v, want ErrProfileNotFound", err)
	}
}

func TestReadOptions(t *testing.T) {
	if _, err := Read(context.Background(), Options{}); err == nil {
		t.Error("no browser: no error")
	}
	if _, err := Read(context.Background(), Options{Browser: "safari"}); err == nil {
		t.Error("unknown browser: no error")
	}
	if _, err := Read(context.Background(), Options{Browser: Firefox, Domains: []string{"http://x/"}}); err == nil {
		t.Error("bad domain: no error")
	}
	for in, want := range map[string]Browser{"Chromium": Chromium, "google-chrome": Chrome, "firefox-esr": Firefox} {
		if b, err := ParseBrowser(in); b != want || err != nil {
			t.Errorf("ParseBrowser(%q) = %q, %v", in, b, err)
		}
	}
}

func TestReadCancelled(t *testing.T) {
	home := t.TempDir()
	chromiumProfile(t, filepath.Join(home, ".config", "chromium"), row("a.test", "sid", "x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Read(ctx, opts(Chromium, home)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
