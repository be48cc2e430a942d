package cli

import (
	"fmt"
	"io"
	"mime"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
)

func parseDisposition(v string) (string, map[string]string, error) {
	return mime.ParseMediaType(v)
}

// safeBase returns a plain file name (no directories, no dot names, no
// control characters, valid UTF-8), or "".
func safeBase(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == ".." || name == "/" || strings.HasPrefix(name, ".") {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(name, "_"))
}

// newProgressBar draws download progress on a terminal. It draws only from
// the goroutine that writes to it: a bar of unknown size would otherwise
// turn its spinner from a goroutine of its own, which reads the bar's state
// without its lock (a data race with the first Write) and may draw after
// Close.
func newProgressBar(w io.Writer, size int64, name string) *progressbar.ProgressBar {
	return progressbar.NewOptions64(size,
		progressbar.OptionSetSpinnerChangeInterval(0),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(fmt.Sprintf("Downloading to %q", name)),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionShowCount(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
		progressbar.OptionClearOnFinish(),
	)
}
