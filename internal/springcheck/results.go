// Package springcheck proves limpet's login engine against every cell of the Spring fixture's configuration matrix
// (internal/testserver/springserver, profile "matrix"), through the library and through the command-line tool,
// on both Boot versions.
//
// The checks themselves are the package's tests. For every cell, each column (the library, the CLI) knows only
// the cell's base URL, a user and a password, and, when the base URL's unauthenticated answer does not lead to a
// login page (no redirect to it), the login page if the application has one, else the URL the credentials go to
// (a processing URL, a JSON login endpoint, a token endpoint). It runs:
// log in; GET a protected page; POST a form body and a JSON body behind CSRF; a wrong password; expiry before a
// GET; expiry before a POST with a cached token; concurrent requests after expiry; a second process reusing the
// session; and, on cells that issue bearer tokens, the token's expiry.
//
// Failing checks are expected while the engine is being completed: the tests compare the outcomes with
// testdata/expected.txt (one line per version, cell, check and column: pass or fail). A check expected to pass
// that fails is a regression and fails the test; a check expected to fail that passes is reported (go test -v
// shows it). Run
//
//	go test ./internal/springcheck -update
//
// to rewrite the file and the results table of docs/spring.md from the outcomes (only the outcomes of the checks
// that ran change: -run selects cells, e.g. -run 'TestMatrix/versions/boot4/csrf=session,handler=xor,.*'). Before
// recording a new pass, see it pass in two runs: a check whose outcome depends on timing is a failure. The flag
// -report FILE writes every failed check with its error, one per line.
//
// This file holds what the tests and the table share: results, the expected-results file and the table.
package springcheck

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Columns: the two ways a user reaches the engine.
const (
	Library = "library" // the Go API: a limpet.Session with the login engine as its Authenticator
	CLI     = "cli"     // the limpet command, one process per command
)

// Checks, in the order they run on a cell.
const (
	CheckWrongPassword = "wrong-password" // one login POST, a bad-credentials error, nothing saved
	CheckLogin         = "login"          // the login succeeds
	CheckGet           = "get"            // GET /api/me answers the user
	CheckPostForm      = "post-form"      // a form POST behind CSRF runs once
	CheckPostJSON      = "post-json"      // a JSON POST behind CSRF runs once
	CheckReuse         = "reuse"          // a second process on the saved session: no 401/403, no new login
	CheckExpiryGet     = "expiry-get"     // after the server ended every session: a GET works, one new login
	CheckExpiryPost    = "expiry-post"    // after that, a POST with the cached token runs once, one new login
	CheckConcurrent    = "concurrent"     // after that, concurrent POSTs each run once, one new login
	CheckTokenExpiry   = "token-expiry"   // bearer tokens: no new token while one lives, one after it expired
)

// Checks lists the checks in the order they run and the table shows them.
var Checks = []string{
	CheckWrongPassword, CheckLogin, CheckGet, CheckPostForm, CheckPostJSON, CheckReuse, CheckExpiryGet,
	CheckExpiryPost, CheckConcurrent, CheckTokenExpiry,
}

// Outcomes of a check.
const (
	Pass = "pass"
	Fail = "fail"
)

// Key names one outcome: a check of a cell of a fixture version through a column.
type Key struct {
	Version string // "boot3" or "boot4"
	Cell    string // the cell's name, e.g. "csrf=session,handler=xor,login=default-page,..."
	Check   string // one of Checks
	Column  string // Library or CLI
}

func (k Key) String() string { return k.Version + " " + k.Cell + " " + k.Check + " " + k.Column }

func compareKeys(a, b Key) int {
	return cmp.Or(cmp.Compare(a.Version, b.Version), cmp.Compare(a.Cell, b.Cell),
		cmp.Compare(slices.Index(Checks, a.Check), slices.Index(Checks, b.Check)), cmp.Compare(a.Check, b.Check),
		cmp.Compare(columnOrder(a.Column), columnOrder(b.Column)))
}

func columnOrder(c string) int {
	if c == Library {
		return 0
	}
	return 1
}

// Results maps outcomes (Pass or Fail) by key.
type Results map[Key]string

// ErrFormat reports a malformed line of an expected-results file.
var ErrFormat = errors.New("springcheck: malformed expected-results line")

// ParseResults reads an expected-results file: one line "VERSION CELL CHECK COLUMN pass|fail" per outcome, blank
// lines and lines beginning with # ignored.
func ParseResults(r io.Reader) (Results, error) {
	res := Results{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 5 || (f[4] != Pass && f[4] != Fail) || (f[3] != Library && f[3] != CLI) {
			return nil, fmt.Errorf("%w %d: %q", ErrFormat, n, line)
		}
		k := Key{Version: f[0], Cell: f[1], Check: f[2], Column: f[3]}
		if _, dup := res[k]; dup {
			return nil, fmt.Errorf("%w %d: %s listed twice", ErrFormat, n, k)
		}
		res[k] = f[4]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("springcheck: reading expected results: %w", err)
	}
	return res, nil
}

// Keys returns the keys in table order: version, cell, check order, column.
func (r Results) Keys() []Key {
	keys := make([]Key, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}

// Format writes the results as ParseResults reads them, sorted.
func (r Results) Format() []byte {
	var b bytes.Buffer
	b.WriteString("# Outcomes of internal/springcheck: VERSION CELL CHECK COLUMN pass|fail.\n")
	b.WriteString("# Written by: go test ./internal/springcheck -update\n")
	for _, k := range r.Keys() {
		b.WriteString(k.String() + " " + r[k] + "\n")
	}
	return b.Bytes()
}

// Totals counts passed and all outcomes of a version and column.
func (r Results) Totals(version, column string) (passed, all int) {
	for k, v := range r {
		if k.Version == version && k.Column == column {
			all++
			if v == Pass {
				passed++
			}
		}
	}
	return passed, all
}

// Table markers in docs/spring.md.
const (
	TableBegin = "<!-- matrix:begin -->"
	TableEnd   = "<!-- matrix:end -->"
)

// Table renders the results as Markdown: a legend and totals, then one table per version with a row per cell and
// a column per check, each entry giving the library's outcome then the CLI's.
func (r Results) Table() string {
	var b strings.Builder
	var versions []string
	cells := map[string][]string{}
	for _, k := range r.Keys() {
		if !slices.Contains(versions, k.Version) {
			versions = append(versions, k.Version)
		}
		if !slices.Contains(cells[k.Version], k.Cell) {
			cells[k.Version] = append(cells[k.Version], k.Cell)
		}
	}
	b.WriteString("Each entry is the library's outcome, then the command-line tool's: ✓ passed, ✗ failed, " +
		"· does not apply. Both know the base URL, the user and the password; where the base URL does not " +
		"redirect to a login page, also the login page, or without one the URL the credentials go to. Written by " +
		"`go test ./internal/springcheck -update` from the outcomes recorded in " +
		"`internal/springcheck/testdata/expected.txt`.\n\n")
	b.WriteString("| version | library | CLI |\n|---|---|---|\n")
	for _, v := range versions {
		lp, la := r.Totals(v, Library)
		cp, ca := r.Totals(v, CLI)
		fmt.Fprintf(&b, "| %s | %d/%d | %d/%d |\n", v, lp, la, cp, ca)
	}
	for _, v := range versions {
		fmt.Fprintf(&b, "\n%s:\n\n| cell |", v)
		for _, c := range Checks {
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n|---|")
		for range Checks {
			b.WriteString(":-:|")
		}
		b.WriteString("\n")
		for _, cell := range cells[v] {
			b.WriteString("| `" + cell + "` |")
			for _, c := range Checks {
				lib, cli := Key{v, cell, c, Library}, Key{v, cell, c, CLI}
				if _, ok := r[lib]; !ok {
					if _, ok := r[cli]; !ok {
						b.WriteString(" · |") // the check does not apply to the cell
						continue
					}
				}
				b.WriteString(" " + r.mark(lib) + r.mark(cli) + " |")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func (r Results) mark(k Key) string {
	switch r[k] {
	case Pass:
		return "✓"
	case Fail:
		return "✗"
	default:
		return "·"
	}
}

// ErrNoMarkers reports a document without the table markers.
var ErrNoMarkers = errors.New("springcheck: the document has no " + TableBegin + " ... " + TableEnd + " markers")

// ReplaceTable returns doc with the text between TableBegin and TableEnd replaced by table.
func ReplaceTable(doc []byte, table string) ([]byte, error) {
	before, rest, ok := bytes.Cut(doc, []byte(TableBegin))
	if !ok {
		return nil, ErrNoMarkers
	}
	_, after, ok := bytes.Cut(rest, []byte(TableEnd))
	if !ok {
		return nil, ErrNoMarkers
	}
	var b bytes.Buffer
	b.Write(before)
	b.WriteString(TableBegin + "\n")
	b.WriteString(table)
	b.WriteString(TableEnd)
	b.Write(after)
	return b.Bytes(), nil
}
