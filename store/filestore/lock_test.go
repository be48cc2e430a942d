package filestore_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
)

// holdLockChild takes the lock file LIMPET_TEST_LOCK, says "locked", and
// holds it until its standard input closes.
func holdLockChild(context.Context) error {
	fl := flock.New(os.Getenv("LIMPET_TEST_LOCK"))
	if err := fl.Lock(); err != nil {
		return err
	}
	os.Stdout.WriteString("locked\n")
	_, _ = io.Copy(io.Discard, os.Stdin)
	return fl.Unlock()
}

// holdLock makes another process hold the lock file until the returned
// function is called (or the test ends).
func holdLock(t *testing.T, lock string) (release func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=holdlock", "LIMPET_TEST_LOCK="+lock)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	released := false
	release = func() {
		if released {
			return
		}
		released = true
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("lock holder: %v\n%s", err, stderr.String())
		}
	}
	t.Cleanup(release)
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "locked\n" {
		release()
		t.Fatalf("lock holder did not start: %q %v\n%s", line, err, stderr.String())
	}
	return release
}

func lockFile(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
}

func pendingFiles(t *testing.T, path string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".pending-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSessionSaveWhileLockedKeepsCookies: a Session whose save cannot take
// the lock because another process holds it says so, naming the lock file,
// and loses none of its cookies: the next process to load the session has
// them, though the first never saved again.
func TestSessionSaveWhileLockedKeepsCookies(t *testing.T) {
	srv := echoServer(t)
	path := filepath.Join(t.TempDir(), "app.json")
	open := func() *limpet.Session {
		s, err := limpet.New(limpet.Options{Store: filestore.Open(path, filestore.Options{}), ManualSave: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1 := open()
	get(t, s1, srv.URL+"/?set=a")
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	release := holdLock(t, lockFile(path))
	s2 := open()
	get(t, s2, srv.URL+"/?set=b")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	err := s2.Save(ctx)
	cancel()
	if err == nil {
		t.Fatal("Save succeeded while another process holds the lock")
	}
	msg := err.Error()
	if !strings.Contains(msg, "another process holds the session file lock") || !strings.Contains(msg, lockFile(path)) ||
		!strings.Contains(msg, "next save") {
		t.Errorf("error %q: want it to say that another process holds the lock, name the lock file and say the save was kept", msg)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %q wraps context.DeadlineExceeded: it would be reported as the request's timeout", msg)
	}
	// s2's process ends here without saving again (as a command-line run
	// whose save failed does); the lock holder goes away.
	release()

	s3 := open()
	defer s3.Close()
	if got := get(t, s3, srv.URL+"/"); got != "a=v-a; b=v-b" {
		t.Fatalf("the next session sends %q: the cookie of the run whose save waited in vain is lost", got)
	}
}

// TestSaveWhileLockedElsewhere: the File operations when another process
// holds the lock: Save keeps its snapshot in a pending file (0600) that Load
// shows and the next Save or Update merges and removes; Update fails
// without keeping anything; Delete and Reset deal with pending files too.
func TestSaveWhileLockedElsewhere(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shop.json")
	f := filestore.Open(path, filestore.Options{})
	if _, err := f.Save(ctx, store.Snapshot{Cookies: []store.Cookie{cookie("a", "1", t0)}}); err != nil {
		t.Fatal(err)
	}
	release := holdLock(t, lockFile(path))

	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		t.Cleanup(cancel)
		return c
	}
	_, err := f.Save(short(), store.Snapshot{Cookies: []store.Cookie{cookie("b", "2", t0)}})
	var le *filestore.LockError
	var fe *filestore.FileError
	if !errors.Is(err, filestore.ErrLocked) || !errors.As(err, &le) || !errors.As(err, &fe) || fe.Op != "save" {
		t.Fatalf("Save while locked: %v", err)
	}
	if le.Lock != lockFile(path) || le.Pending == "" || le.Waited <= 0 {
		t.Fatalf("LockError %+v", le)
	}
	if fi, err := os.Stat(le.Pending); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("pending file %s: %v %v", le.Pending, fi, err)
	}
	canceled, cancel := context.WithCancel(ctx)
	time.AfterFunc(50*time.Millisecond, cancel) // canceled while waiting
	if _, err := f.Update(canceled, func(*store.Snapshot) error { return nil }); !errors.Is(err, filestore.ErrLocked) ||
		!errors.Is(err, context.Canceled) {
		t.Fatalf("Update while locked, canceled: %v", err)
	}
	if p := pendingFiles(t, path); len(p) != 1 {
		t.Fatalf("pending files %v, want only the Save's", p)
	}
	// Any process sees the kept snapshot, before the lock is free.
	got, err := filestore.Open(path, filestore.Options{}).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := names(got); d != "a=1 b=2" {
		t.Fatalf("Load while a save is pending: %q", d)
	}
	release()

	got, err = filestore.Open(path, filestore.Options{}).Save(ctx, store.Snapshot{Cookies: []store.Cookie{cookie("c", "3", t0)}})
	if err != nil {
		t.Fatal(err)
	}
	if d := names(got); d != "a=1 b=2 c=3" {
		t.Fatalf("the next Save returned %q", d)
	}
	if p := pendingFiles(t, path); len(p) != 0 {
		t.Fatalf("pending files left after a save merged them: %v", p)
	}

	t.Run("Delete and Reset", func(t *testing.T) {
		release := holdLock(t, lockFile(path))
		if _, err := f.Save(short(), store.Snapshot{Cookies: []store.Cookie{cookie("d", "4", t0)}}); !errors.Is(err, filestore.ErrLocked) {
			t.Fatalf("Save while locked: %v", err)
		}
		release()
		aside, err := f.Reset(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p := pendingFiles(t, path); len(p) != 0 {
			t.Fatalf("Reset left pending files: %v", p)
		}
		if m, _ := filepath.Glob(aside + ".pending-*"); len(m) != 1 {
			t.Fatalf("Reset did not move the pending file aside: %v", m)
		}
		if _, err := f.Load(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Load after Reset: %v", err)
		}

		release = holdLock(t, lockFile(path))
		if _, err := f.Save(short(), store.Snapshot{Cookies: []store.Cookie{cookie("e", "5", t0)}}); !errors.Is(err, filestore.ErrLocked) {
			t.Fatalf("Save while locked: %v", err)
		}
		release()
		if got, err := f.Load(ctx); err != nil || names(got) != "e=5" {
			t.Fatalf("Load of a session saved only in a pending file: %q %v", names(got), err)
		}
		if err := f.Delete(ctx); err != nil {
			t.Fatal(err)
		}
		if p := pendingFiles(t, path); len(p) != 0 {
			t.Fatalf("Delete left pending files: %v", p)
		}
		if err := f.Delete(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("second Delete: %v", err)
		}
	})
}
