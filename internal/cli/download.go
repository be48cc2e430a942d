package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/limpet-http/limpet"
)

// download saves the body to --output, or a name from the response, with a
// progress bar on a terminal. The body goes to a temporary file first and
// takes its name only when complete; -d never replaces a file (it adds
// -1, -2 ... as HTTPie does), -o replaces one but never writes through a
// symbolic link.
func (o *RequestOptions) download(ctx context.Context, resp *limpet.Response) error {
	if resp.StatusCode >= 300 {
		return &exitError{code: ExitError, err: fmt.Errorf("download: HTTP %s; nothing saved", resp.Status)}
	}
	name, overwrite := o.Output, true
	if name == "" {
		name, overwrite = downloadName(resp.Response), false
	}
	var bar io.Closer
	copyBody := func(w io.Writer) (int64, error) {
		if o.IO.IsStderrTTY() {
			pb := newProgressBar(o.IO.ErrOut, resp.ContentLength, name)
			w = io.MultiWriter(w, pb)
			bar = pb
		}
		n, err := io.Copy(w, resp.Body)
		if bar != nil {
			bar.Close()
		}
		if err == nil && resp.ContentLength > 0 && n != resp.ContentLength {
			err = fmt.Errorf("incomplete: got %d of %d bytes", n, resp.ContentLength)
		}
		return n, err
	}
	saved, n, err := saveFile(name, overwrite, copyBody)
	if err != nil {
		return fmt.Errorf("download: %w; nothing saved", err)
	}
	fmt.Fprintf(o.IO.ErrOut, "Done. %d bytes saved to %q\n", n, saved)
	return nil
}

// saveFile writes a new file through write and names it name once write
// has succeeded: a failed or interrupted write leaves nothing under name.
// The file is created 0600 in name's directory, never through a symbolic
// link. With overwrite, it replaces what name holds (a link is replaced,
// not followed), and a name that is a device or a pipe (/dev/null,
// /dev/stdout) is written to directly. Without overwrite, an existing name
// is kept and the file is saved as name-1, name-2 ..., as HTTPie does; the
// name used is returned.
func saveFile(name string, overwrite bool, write func(io.Writer) (int64, error)) (string, int64, error) {
	if overwrite {
		if fi, err := os.Stat(name); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
			f, err := os.OpenFile(name, os.O_WRONLY, 0)
			if err != nil {
				return "", 0, err
			}
			n, err := write(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			return name, n, err
		}
	}
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, ".limpet-*.part") // 0600, O_EXCL
	if err != nil {
		return "", 0, err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	n, err := write(tmp)
	if err != nil {
		return "", n, err
	}
	if err := tmp.Close(); err != nil {
		return "", n, err
	}
	if overwrite {
		if fi, err := os.Lstat(name); err == nil && fi.IsDir() {
			return "", n, fmt.Errorf("%s is a directory", name)
		}
		if err := os.Rename(tmp.Name(), name); err != nil {
			return "", n, err
		}
		done = true
		return name, n, nil
	}
	for i := 0; ; i++ {
		try := name
		if i > 0 {
			try = fmt.Sprintf("%s-%d", name, i)
		}
		err := claim(tmp.Name(), try)
		if err == nil {
			done = true
			return try, n, nil
		}
		if !errors.Is(err, fs.ErrExist) || i >= 1000 {
			return "", n, err
		}
	}
}

// saveBytes writes b to the file name as saveFile does with overwrite.
func saveBytes(name string, b []byte) error {
	_, _, err := saveFile(name, true, func(w io.Writer) (int64, error) {
		n, err := w.Write(b)
		return int64(n), err
	})
	return err
}

// claim gives the file at tmp the name name, only if nothing (not even a
// dangling link) has that name: a hard link where the file system has
// them, else an exclusive create that the rename then replaces.
func claim(tmp, name string) error {
	err := os.Link(tmp, name)
	if err == nil {
		return os.Remove(tmp)
	}
	if errors.Is(err, fs.ErrExist) {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	f.Close()
	return os.Rename(tmp, name)
}

// downloadName picks a file name from Content-Disposition or the URL, as
// HTTPie does, never a path.
func downloadName(resp *http.Response) string {
	if cd := resp.Header.Get("Content-Disposition"); cd != "" {
		if _, params, err := parseDisposition(cd); err == nil {
			if fn := safeBase(params["filename"]); fn != "" {
				return fn
			}
		}
	}
	p := resp.Request.URL.Path
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	if fn := safeBase(p[strings.LastIndexByte(p, '/')+1:]); fn != "" {
		return fn
	}
	return "index"
}
