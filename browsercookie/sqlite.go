package browsercookie

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ncruces/go-sqlite3"
)

// A running browser holds its cookie database locked (Chromium in
// exclusive mode, Firefox too) and Firefox keeps recent changes in the
// write-ahead log, "cookies.sqlite-wal", until it checkpoints. Reading the
// file in place would fail or miss those rows, and opening it could disturb
// the browser. So every read works on a private copy of the database and
// its journal or WAL, made in a new folder that only the user can enter;
// SQLite, opening the copy, replays the WAL or rolls back an unfinished
// transaction, as the browser would on its next start.

// copyAttempts bounds the retries when a copy caught the browser in the
// middle of a write (a checkpoint that rewrote the file as it was copied).
const copyAttempts = 3

// withCopy copies the database db and its companions to a private temporary
// folder under tempDir, opens the copy and calls read with it. It retries
// with a fresh copy when SQLite finds the copy corrupt. The copy is removed
// before withCopy returns.
func withCopy(ctx context.Context, db, tempDir string, read func(*sqlite3.Conn) error) error {
	var err error
	for range copyAttempts {
		if err = copyAndRead(ctx, db, tempDir, read); !isCorrupt(err) {
			return err
		}
	}
	return err
}

func copyAndRead(ctx context.Context, db, tempDir string, read func(*sqlite3.Conn) error) error {
	dir, err := os.MkdirTemp(tempDir, "limpet-cookies-") // mode 0700
	if err != nil {
		return fmt.Errorf("browsercookie: private copy: %w", err)
	}
	defer os.RemoveAll(dir)
	dst := filepath.Join(dir, filepath.Base(db))
	if err := copyFile(db, dst); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%w: %s does not exist", ErrProfileNotFound, db)
		}
		return fmt.Errorf("browsercookie: copy %s: %w", db, err)
	}
	for _, suffix := range []string{"-wal", "-journal"} {
		if err := copyFile(db+suffix, dst+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("browsercookie: copy %s: %w", db+suffix, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Read-write, so that SQLite can replay the WAL (it writes the -shm
	// index beside the copy) or roll back a hot journal; the browser's own
	// files are never opened by SQLite.
	conn, err := sqlite3.OpenFlags(dst, sqlite3.OPEN_READWRITE|sqlite3.OPEN_NOFOLLOW|sqlite3.OPEN_EXRESCODE)
	if err != nil {
		return fmt.Errorf("browsercookie: open %s: %w", db, err)
	}
	defer conn.Close()
	if err := conn.Exec("PRAGMA query_only = 1"); err != nil {
		return fmt.Errorf("browsercookie: %s: %w", db, classify(err))
	}
	err = read(conn)
	if err != nil && !strings.HasPrefix(err.Error(), "browsercookie: ") && ctx.Err() == nil {
		err = fmt.Errorf("browsercookie: %s: %w", db, err)
	}
	return err
}

// copyFile copies src to a new file dst that only the user can read.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// isCorrupt reports whether err says the copy is damaged.
func isCorrupt(err error) bool {
	return errors.Is(err, sqlite3.CORRUPT)
}

// classify turns SQLite's "not a database" into ErrNotCookieDB.
func classify(err error) error {
	if errors.Is(err, sqlite3.NOTADB) {
		return fmt.Errorf("%w: %w", ErrNotCookieDB, err)
	}
	return err
}

// query runs sql and calls row for each result row.
func query(ctx context.Context, conn *sqlite3.Conn, sql string, row func(*sqlite3.Stmt) error) error {
	stmt, _, err := conn.Prepare(sql)
	if err != nil {
		return classify(err)
	}
	defer stmt.Close()
	for n := 0; stmt.Step(); n++ {
		if n%512 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := row(stmt); err != nil {
			return err
		}
	}
	return classify(stmt.Err())
}

// rowCount returns the number of rows of table, 0 if it cannot tell.
func rowCount(ctx context.Context, conn *sqlite3.Conn, table string) int {
	n := 0
	query(ctx, conn, "SELECT count(*) FROM "+table, func(s *sqlite3.Stmt) error {
		n = int(s.ColumnInt64(0))
		return nil
	})
	return n
}

// columns returns the column names of table, nil when there is no such
// table.
func columns(ctx context.Context, conn *sqlite3.Conn, table string) (map[string]bool, error) {
	cols := map[string]bool{}
	err := query(ctx, conn, "SELECT name FROM pragma_table_info('"+table+"')", func(s *sqlite3.Stmt) error {
		cols[strings.ToLower(s.ColumnText(0))] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, nil
	}
	return cols, nil
}

// selectList builds the select list of want: each entry is a column name,
// or alternatives "a|b" (the first that exists), with a default SQL value
// after "=" for a column the schema lacks ("samesite=-1"). It returns an
// error naming a required column (no default) that is missing.
func selectList(cols map[string]bool, want []string) (string, error) {
	parts := make([]string, len(want))
	for i, w := range want {
		names, def, hasDef := strings.Cut(w, "=")
		found := ""
		for _, n := range strings.Split(names, "|") {
			if cols[n] {
				found = n
				break
			}
		}
		switch {
		case found != "":
			parts[i] = `"` + found + `"`
		case hasDef:
			parts[i] = def
		default:
			return "", fmt.Errorf("no column %s", strings.Split(names, "|")[0])
		}
	}
	return strings.Join(parts, ", "), nil
}
