package browsercookie

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Dirs are the folders under which browsers keep their profiles.
type Dirs struct {
	// Home is the user's home folder.
	Home string
	// ConfigHome is $XDG_CONFIG_HOME ("" means Home/.config).
	ConfigHome string
}

// DefaultDirs returns the current user's folders: $HOME and
// $XDG_CONFIG_HOME.
func DefaultDirs() Dirs {
	home, _ := os.UserHomeDir()
	return Dirs{Home: home, ConfigHome: os.Getenv("XDG_CONFIG_HOME")}
}

func (d Dirs) config() string {
	if d.ConfigHome != "" {
		return d.ConfigHome
	}
	return filepath.Join(d.Home, ".config")
}

// Profile is one browser profile.
type Profile struct {
	// Browser is the profile's browser.
	Browser Browser
	// Name is the profile's name: Chromium's folder name ("Default",
	// "Profile 1"), Firefox's Name= in profiles.ini.
	Name string
	// DisplayName is Chromium's name for people ("Person 1", "Work"); ""
	// for Firefox.
	DisplayName string
	// Dir is the profile folder.
	Dir string
	// Default marks the profile Read takes when Options.Profile is empty:
	// Chromium's last used profile, Firefox's default.
	Default bool
}

// String names the profile for messages: "Profile 1 (Work) in DIR".
func (p Profile) String() string {
	s := p.Name
	if p.DisplayName != "" && p.DisplayName != p.Name {
		s += " (" + p.DisplayName + ")"
	}
	return s + " in " + p.Dir
}

// ProfileNotFoundError reports a profile that does not exist, with the
// profiles that do.
type ProfileNotFoundError struct {
	Browser Browser
	// Want is the profile asked for; "" when the browser has no profile.
	Want string
	// Found are the browser's profiles.
	Found []Profile
	// Searched are the folders looked in.
	Searched []string
}

// Error lists what was found or where it was looked for.
func (e *ProfileNotFoundError) Error() string {
	var b strings.Builder
	if e.Want == "" {
		fmt.Fprintf(&b, "browsercookie: no %s profile found", e.Browser)
	} else {
		fmt.Fprintf(&b, "browsercookie: no %s profile %q", e.Browser, e.Want)
	}
	if len(e.Found) > 0 {
		b.WriteString("; found: ")
		for i, p := range e.Found {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(p.String())
		}
	} else if len(e.Searched) > 0 {
		fmt.Fprintf(&b, " (looked in %s; give the profile folder's path)", strings.Join(e.Searched, ", "))
	}
	return b.String()
}

// Unwrap returns ErrProfileNotFound.
func (e *ProfileNotFoundError) Unwrap() error { return ErrProfileNotFound }

// roots returns the folders where b keeps its profiles on Linux: the
// distribution package's, then Snap's and Flatpak's.
func roots(b Browser, d Dirs) []string {
	switch b {
	case Chromium:
		return []string{
			filepath.Join(d.config(), "chromium"),
			filepath.Join(d.Home, "snap", "chromium", "common", "chromium"),
			filepath.Join(d.Home, ".var", "app", "org.chromium.Chromium", "config", "chromium"),
		}
	case Chrome:
		return []string{
			filepath.Join(d.config(), "google-chrome"),
			filepath.Join(d.Home, ".var", "app", "com.google.Chrome", "config", "google-chrome"),
		}
	case Firefox:
		return []string{
			filepath.Join(d.Home, ".mozilla", "firefox"),
			filepath.Join(d.config(), "mozilla", "firefox"),
			filepath.Join(d.Home, "snap", "firefox", "common", ".mozilla", "firefox"),
			filepath.Join(d.Home, ".var", "app", "org.mozilla.firefox", ".mozilla", "firefox"),
		}
	}
	return nil
}

// FindProfiles returns the profiles of b found under d, the default one
// marked, in the order the browser lists them. Folders that do not exist
// or cannot be read are passed over.
func FindProfiles(b Browser, d Dirs) []Profile {
	var out []Profile
	for _, root := range roots(b, d) {
		if b == Firefox {
			out = append(out, firefoxProfiles(root)...)
		} else {
			out = append(out, chromiumProfiles(b, root)...)
		}
	}
	// One default: the first root's.
	seen := false
	for i := range out {
		if out[i].Default && seen {
			out[i].Default = false
		}
		seen = seen || out[i].Default
	}
	return out
}

// chromiumLocalState is the part of Chromium's "Local State" file that
// lists profiles.
type chromiumLocalState struct {
	Profile struct {
		InfoCache map[string]struct {
			Name string `json:"name"`
		} `json:"info_cache"`
		LastUsed string `json:"last_used"`
	} `json:"profile"`
}

// parseLocalState reads the profile folders, their display names and the
// last used one from a "Local State" file.
func parseLocalState(data []byte) (names map[string]string, lastUsed string, err error) {
	var ls chromiumLocalState
	if err := json.Unmarshal(data, &ls); err != nil {
		return nil, "", fmt.Errorf("browsercookie: Local State: %w", err)
	}
	names = make(map[string]string, len(ls.Profile.InfoCache))
	for dir, info := range ls.Profile.InfoCache {
		if validProfileDir(dir) {
			names[dir] = info.Name
		}
	}
	if !validProfileDir(ls.Profile.LastUsed) {
		lastUsed = ""
	} else {
		lastUsed = ls.Profile.LastUsed
	}
	return names, lastUsed, nil
}

// validProfileDir accepts a profile folder name that stays inside its
// user-data folder.
func validProfileDir(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/\\\x00")
}

// chromiumProfiles lists the profiles of a Chromium user-data folder that
// have a cookie database.
func chromiumProfiles(b Browser, root string) []Profile {
	names := map[string]string{}
	lastUsed := ""
	if data, err := os.ReadFile(filepath.Join(root, "Local State")); err == nil {
		if n, lu, err := parseLocalState(data); err == nil {
			names, lastUsed = n, lu
		}
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var out []Profile
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if chromiumDB(dir) == "" {
			continue
		}
		out = append(out, Profile{Browser: b, Name: e.Name(), DisplayName: names[e.Name()], Dir: dir})
	}
	slices.SortStableFunc(out, func(a, b Profile) int { return profileOrder(a.Name) - profileOrder(b.Name) })
	def := -1
	for i, p := range out {
		if p.Name == lastUsed {
			def = i
		}
		if def < 0 && p.Name == "Default" {
			def = i
		}
	}
	if def < 0 && len(out) > 0 {
		def = 0
	}
	if def >= 0 {
		out[def].Default = true
	}
	return out
}

// profileOrder puts "Default" first.
func profileOrder(name string) int {
	if name == "Default" {
		return 0
	}
	return 1
}

// chromiumDB returns the cookie database of a Chromium profile folder:
// Network/Cookies (Chromium 96 and later) or Cookies; "" when neither
// exists.
func chromiumDB(dir string) string {
	for _, p := range []string{filepath.Join(dir, "Network", "Cookies"), filepath.Join(dir, "Cookies")} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// iniProfile is one [ProfileN] or [Install...] section of profiles.ini.
type iniSection struct {
	name string
	keys map[string]string
}

// parseINI reads the sections of an INI file such as Firefox's
// profiles.ini. Lines outside a section and malformed lines are ignored.
func parseINI(data []byte) []iniSection {
	var out []iniSection
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == ';' || line[0] == '#':
		case line[0] == '[' && line[len(line)-1] == ']':
			out = append(out, iniSection{name: line[1 : len(line)-1], keys: map[string]string{}})
		case len(out) > 0:
			if k, v, ok := strings.Cut(line, "="); ok {
				out[len(out)-1].keys[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

// firefoxProfilesIni returns the profiles named in a profiles.ini of the
// folder root, in their order, with the default marked: the profile of an
// [Install...] section (the one the installed Firefox uses), else the one
// with Default=1, else the first.
func firefoxProfilesIni(data []byte, root string) []Profile {
	var out []Profile
	installDefault := ""
	for _, s := range parseINI(data) {
		if strings.HasPrefix(s.name, "Install") && installDefault == "" {
			installDefault = s.keys["Default"]
		}
	}
	def := -1
	for _, s := range parseINI(data) {
		if !strings.HasPrefix(s.name, "Profile") || s.keys["Path"] == "" {
			continue
		}
		path := s.keys["Path"]
		dir := path
		if s.keys["IsRelative"] != "0" {
			if filepath.IsAbs(path) || !filepath.IsLocal(filepath.FromSlash(path)) {
				continue
			}
			dir = filepath.Join(root, filepath.FromSlash(path))
		}
		name := s.keys["Name"]
		if name == "" {
			name = filepath.Base(dir)
		}
		if path == installDefault {
			def = len(out)
		} else if s.keys["Default"] == "1" && installDefault == "" && def < 0 {
			def = len(out)
		}
		out = append(out, Profile{Browser: Firefox, Name: name, Dir: dir})
	}
	if def < 0 && len(out) > 0 {
		def = 0
	}
	if def >= 0 {
		out[def].Default = true
	}
	return out
}

// firefoxProfiles lists the profiles of a Firefox profiles folder that
// have a cookie database.
func firefoxProfiles(root string) []Profile {
	data, err := os.ReadFile(filepath.Join(root, "profiles.ini"))
	if err != nil {
		return nil
	}
	var out []Profile
	defLost := false
	for _, p := range firefoxProfilesIni(data, root) {
		if !isFile(filepath.Join(p.Dir, "cookies.sqlite")) {
			defLost = defLost || p.Default
			continue
		}
		out = append(out, p)
	}
	if defLost && len(out) > 0 {
		out[0].Default = true
	}
	return out
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// looksLikePath tells a path from a profile name.
func looksLikePath(s string) bool {
	return strings.ContainsRune(s, os.PathSeparator) || strings.ContainsRune(s, '/') || s == "." || s == ".." ||
		strings.HasPrefix(s, "~")
}

// resolveProfile finds the profile Options.Profile names and its cookie
// database.
func resolveProfile(b Browser, want string, d Dirs) (Profile, string, error) {
	if looksLikePath(want) {
		return profileAtPath(b, want, d)
	}
	found := FindProfiles(b, d)
	for _, p := range found {
		if want == "" && p.Default || want != "" && (p.Name == want || p.DisplayName == want || filepath.Base(p.Dir) == want) {
			return p, cookieDB(b, p.Dir), nil
		}
	}
	if want != "" {
		for _, p := range found { // a name in another case
			if strings.EqualFold(p.Name, want) || strings.EqualFold(p.DisplayName, want) {
				return p, cookieDB(b, p.Dir), nil
			}
		}
	}
	return Profile{}, "", &ProfileNotFoundError{Browser: b, Want: want, Found: found, Searched: roots(b, d)}
}

func cookieDB(b Browser, dir string) string {
	if b == Firefox {
		return filepath.Join(dir, "cookies.sqlite")
	}
	return chromiumDB(dir)
}

// profileAtPath takes a path to a cookie database, a profile folder, a
// Chromium user-data folder or a Firefox profiles folder.
func profileAtPath(b Browser, path string, d Dirs) (Profile, string, error) {
	if strings.HasPrefix(path, "~/") && d.Home != "" {
		path = filepath.Join(d.Home, path[2:])
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Profile{}, "", fmt.Errorf("browsercookie: profile %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Profile{}, "", &ProfileNotFoundError{Browser: b, Want: path, Found: FindProfiles(b, d)}
		}
		return Profile{}, "", fmt.Errorf("browsercookie: profile %s: %w", path, err)
	}
	if fi.Mode().IsRegular() {
		dir := filepath.Dir(abs)
		if b != Firefox && filepath.Base(dir) == "Network" {
			dir = filepath.Dir(dir)
		}
		return Profile{Browser: b, Name: filepath.Base(dir), Dir: dir}, abs, nil
	}
	if db := cookieDB(b, abs); db != "" && isFile(db) {
		return Profile{Browser: b, Name: filepath.Base(abs), Dir: abs}, db, nil
	}
	// A folder of profiles: take its default.
	var ps []Profile
	if b == Firefox {
		ps = firefoxProfiles(abs)
	} else {
		ps = chromiumProfiles(b, abs)
	}
	for _, p := range ps {
		if p.Default {
			return p, cookieDB(b, p.Dir), nil
		}
	}
	what := "Cookies or Network/Cookies"
	if b == Firefox {
		what = "cookies.sqlite"
	}
	return Profile{}, "", fmt.Errorf("%w: %s has no %s and no %s profile (found: %s)", ErrProfileNotFound, abs, what, b, listProfiles(FindProfiles(b, d)))
}

func listProfiles(ps []Profile) string {
	if len(ps) == 0 {
		return "none"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}
