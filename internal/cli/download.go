package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli/items"
)

// prepareDownload adds what a download asks of the server: the body as
// stored (Accept-Encoding: identity, as HTTPie, so that sizes and offsets
// are the file's), and with -c the Range from the size of the file to
// resume. It returns that size.
func (o *RequestOptions) prepareDownload(ireq *items.Request) (int64, error) {
	if o.Continue && o.Output == "" {
		return 0, errors.New("-c/--continue needs -o FILE: the file to resume")
	}
	if !o.downloading() || o.Offline || o.Curl {
		return 0, nil
	}
	if !mentions(ireq, "Accept-Encoding") {
		ireq.Header = append(ireq.Header, items.Header{Name: "Accept-Encoding", Value: "identity"})
	}
	if !o.Continue || mentions(ireq, "Range") {
		return 0, nil
	}
	fi, err := os.Lstat(o.Output)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("download: %w", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return 0, fmt.Errorf("download: %s is a symbolic link; limpet does not write through links", o.Output)
	case !fi.Mode().IsRegular() || fi.Size() == 0:
		return 0, nil
	}
	ireq.Header = append(ireq.Header, items.Header{Name: "Range", Value: fmt.Sprintf("bytes=%d-", fi.Size())})
	return fi.Size(), nil
}

// mentions reports whether the request has, or unsets, a header.
func mentions(ireq *items.Request, name string) bool {
	for _, h := range ireq.Header {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// download saves the body to --output, or a name from the response, with a
// progress bar on a terminal. The body goes to a temporary file first and
// takes its name only when complete; -d never replaces a file (it adds
// -1, -2 ... as HTTPie does), -o replaces one but never writes through a
// symbolic link. With -d and standard output not a terminal, the body goes
// there, as in HTTPie. With -c the file is resumed from resume, in place.
func (o *RequestOptions) download(ctx context.Context, resp *limpet.Response, resume int64) error {
	if o.Continue {
		if done, err := o.resumed(resp, resume); done || err != nil {
			return err
		}
	}
	if resp.StatusCode >= 300 {
		return &exitError{code: ExitError, err: fmt.Errorf("download: HTTP %s; nothing saved", resp.Status)}
	}
	name, overwrite := o.Output, true
	if name == "" {
		name, overwrite = downloadName(resp.Response), false
	}
	copyBody := o.bodyCopier(resp, name, 0)
	if o.Output == "" && !o.IO.IsStdoutTTY() {
		n, err := copyBody(o.IO.Out)
		if err != nil {
			return fmt.Errorf("download: %w", err)
		}
		fmt.Fprintf(o.infoOut(), "Done. %d bytes written to standard output\n", n)
		return nil
	}
	if o.Continue {
		return o.appendTo(name, copyBody, 0)
	}
	saved, n, err := saveFile(name, overwrite, copyBody)
	if err != nil {
		return fmt.Errorf("download: %w; nothing saved", err)
	}
	fmt.Fprintf(o.infoOut(), "Done. %d bytes saved to %q\n", n, saved)
	return nil
}

// bodyCopier returns a function that copies the body, with a progress bar
// on a terminal, and checks that it is complete. from is where a resumed
// download starts.
func (o *RequestOptions) bodyCopier(resp *limpet.Response, name string, from int64) func(io.Writer) (int64, error) {
	return func(w io.Writer) (int64, error) {
		var bar io.Closer
		if o.IO.IsStderrTTY() && o.Quiet == 0 {
			size := resp.ContentLength
			if size >= 0 {
				size += from
			}
			pb := newProgressBar(o.IO.ErrOut, size, name)
			if from > 0 {
				pb.Set64(from)
			}
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
}

// resumed handles the answer to a -c request that asked for the rest of a
// file: 206 appends it, 416 with the file's size means that it is
// complete. done is false when the download is to start afresh.
func (o *RequestOptions) resumed(resp *limpet.Response, from int64) (done bool, err error) {
	if from == 0 {
		return false, nil
	}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		start, _, ok := contentRange(resp.Header.Get("Content-Range"))
		if !ok || start != from {
			return true, fmt.Errorf("download: the server sent bytes from %q, not from %d; %s is left as it is", resp.Header.Get("Content-Range"), from, o.Output)
		}
		return true, o.appendTo(o.Output, o.bodyCopier(resp, o.Output, from), from)
	case http.StatusRequestedRangeNotSatisfiable:
		if _, total, ok := contentRange(resp.Header.Get("Content-Range")); ok && total == from {
			fmt.Fprintf(o.infoOut(), "%s is complete (%d bytes); nothing to resume\n", o.Output, from)
			return true, nil
		}
		return true, &exitError{code: ExitError, err: fmt.Errorf("download: the server cannot resume %s at byte %d (HTTP %s); remove the file to start afresh", o.Output, from, resp.Status)}
	}
	return false, nil // the whole body again: start afresh
}

// appendTo writes a -c download into name itself, so that what came is
// kept for the next -c: appended at from, or from the start. It never
// writes through a link.
func (o *RequestOptions) appendTo(name string, copyBody func(io.Writer) (int64, error), from int64) error {
	f, err := openNoFollow(name, from > 0)
	if err != nil {
		return fmt.Errorf("download: %w", err)
	}
	n, err := copyBody(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("download: %w; %d bytes of it are in %s: run the same command again to resume", err, from+n, name)
	}
	if from > 0 {
		fmt.Fprintf(o.infoOut(), "Done. resumed at byte %d; %d bytes saved to %q\n", from, from+n, name)
	} else {
		fmt.Fprintf(o.infoOut(), "Done. %d bytes saved to %q\n", n, name)
	}
	return nil
}

// openNoFollow opens name for writing without following a symbolic link:
// for appending to the regular file that is there, or truncated (created
// 0600 when missing).
func openNoFollow(name string, appendTo bool) (*os.File, error) {
	before, err := os.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	case err != nil:
		return nil, err
	case !before.Mode().IsRegular():
		return nil, fmt.Errorf("%s is not a regular file (a link, a directory or a device); limpet does not resume into it", name)
	}
	flag := os.O_WRONLY | os.O_TRUNC
	if appendTo {
		flag = os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(name, flag, 0)
	if err != nil {
		return nil, err
	}
	// The name may have been swapped for a link between Lstat and Open.
	if after, err := f.Stat(); err != nil || !os.SameFile(before, after) {
		f.Close()
		return nil, fmt.Errorf("%s changed while it was opened; try again", name)
	}
	return f, nil
}

// contentRange parses "bytes START-END/TOTAL" and "bytes */TOTAL" (START
// is -1 then); TOTAL is -1 when unknown ("*").
func contentRange(v string) (start, total int64, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(v), "bytes ")
	if !found {
		return 0, 0, false
	}
	span, size, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	total = -1
	if size != "*" {
		n, err := strconv.ParseInt(size, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, false
		}
		total = n
	}
	if span == "*" {
		return -1, total, true
	}
	first, _, found := strings.Cut(span, "-")
	n, err := strconv.ParseInt(first, 10, 64)
	if !found || err != nil || n < 0 {
		return 0, 0, false
	}
	return n, total, true
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

// downloadName picks a file name as HTTPie does, never a path: the
// filename of Content-Disposition, else the last segment of the URL's path
// ("index" when empty) with an extension from Content-Type when it has
// none ("png" becomes "png.png"), trimmed to fit a file system's names.
func downloadName(resp *http.Response) string {
	if cd := resp.Header.Get("Content-Disposition"); cd != "" {
		if _, params, err := parseDisposition(cd); err == nil {
			if fn := safeBase(params["filename"]); fn != "" {
				return trimName(fn)
			}
		}
	}
	p := strings.TrimRight(resp.Request.URL.Path, "/")
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	fn := safeBase(p[strings.LastIndexByte(p, '/')+1:])
	if fn == "" {
		fn = "index"
	}
	if !strings.Contains(fn, ".") {
		fn += extensionFor(resp.Header.Get("Content-Type"))
	}
	return trimName(fn)
}

// extensions are the extensions HTTPie (Python's mimetypes) gives the
// common media types; application/xml is ".xml", where Python says ".xsl".
var extensions = map[string]string{
	"application/gzip":         ".gz",
	"application/javascript":   ".js",
	"application/json":         ".json",
	"application/octet-stream": ".bin",
	"application/pdf":          ".pdf",
	"application/wasm":         ".wasm",
	"application/x-tar":        ".tar",
	"application/xml":          ".xml",
	"application/zip":          ".zip",
	"audio/mpeg":               ".mp3",
	"image/gif":                ".gif",
	"image/jpeg":               ".jpg",
	"image/png":                ".png",
	"image/svg+xml":            ".svg",
	"image/webp":               ".webp",
	"image/x-icon":             ".ico",
	"text/css":                 ".css",
	"text/csv":                 ".csv",
	"text/html":                ".html",
	"text/javascript":          ".js",
	"text/markdown":            ".md",
	"text/plain":               ".txt",
	"text/xml":                 ".xml",
	"video/mp4":                ".mp4",
}

// extensionFor returns the file extension for a Content-Type, or "".
func extensionFor(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	if ext, ok := extensions[mt]; ok {
		return ext
	}
	if exts, _ := mime.ExtensionsByType(mt); len(exts) == 1 {
		return exts[0]
	}
	return ""
}

// maxName leaves room for a -N suffix in a file system's 255-byte names.
const maxName = 240

// trimName shortens a name that is too long, keeping its extension.
func trimName(name string) string {
	if len(name) <= maxName {
		return name
	}
	ext := filepath.Ext(name)
	if len(ext) > 16 {
		ext = ""
	}
	stem := name[:maxName-len(ext)]
	for !utf8.ValidString(stem) && len(stem) > 0 {
		stem = stem[:len(stem)-1]
	}
	return stem + ext
}
