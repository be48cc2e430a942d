package items

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error returned by this package wraps one of these
// or is (or wraps) a *JSONError, a *PathError or an error from the
// file-reading function, so that callers can branch with errors.Is and
// errors.As.
var (
	// ErrNoSeparator: an argument in item position contains none of the
	// item separators (':', ';', '==', '=', ':=', '@' and their '@' forms).
	ErrNoSeparator = errors.New("not a request item: no separator such as ':', '==', '=', ':=' or '@'")
	// ErrMissingURL: no positional argument was given.
	ErrMissingURL = errors.New("missing URL")
	// ErrURL: the URL cannot be parsed, has no host or an unsupported scheme.
	ErrURL = errors.New("invalid URL")
	// ErrHeader: a header item has an invalid name or value.
	ErrHeader = errors.New("invalid header")
	// ErrEmptyHeader: text follows the ';' of an empty-header item.
	ErrEmptyHeader = errors.New("to specify an empty header use `Header;`")
	// ErrNotText: an embedded file (=@, :=@, :@, ==@) is not UTF-8 text.
	ErrNotText = errors.New("not a UTF-8 or ASCII-encoded text file")
	// ErrFormValue: a raw JSON item (:= or :=@) holds an array, object or
	// null with --form or --multipart.
	ErrFormValue = errors.New("can't use complex JSON value types with --form/--multipart")
	// ErrFileField: a named file field (field@file) without --form or
	// --multipart.
	ErrFileField = errors.New("invalid file fields (perhaps you meant --form?)")
	// ErrMultipleFiles: more than one @file body.
	ErrMultipleFiles = errors.New("can't read request from multiple files")
	// ErrMixedBody: a raw body (--raw or @file) together with data items,
	// or --raw with --multipart.
	ErrMixedBody = errors.New("request body (from --raw or a file) and request data (key=value) cannot be mixed")
	// ErrBoundary: the multipart boundary is not valid (RFC 2046).
	ErrBoundary = errors.New("invalid multipart boundary")
)

// ArgError reports a problem with one positional argument: a request item,
// the URL or the method. It names the argument as it was given.
type ArgError struct {
	// Arg is the argument exactly as it appeared on the command line.
	Arg string
	// Err says what is wrong; it is never nil.
	Err error
}

// Error returns "items: 'ARG': reason", quoting ARG the way HTTPie does.
func (e *ArgError) Error() string {
	return "items: " + pyRepr(e.Arg) + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ArgError) Unwrap() error { return e.Err }

func argErr(arg string, err error) error { return &ArgError{Arg: arg, Err: err} }

func argErrf(arg string, sentinel error, format string, a ...any) error {
	return &ArgError{Arg: arg, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, a...)...)}
}

// PathErrorKind classifies a nested JSON path error, as HTTPie does.
type PathErrorKind string

// Kinds of nested JSON path errors.
const (
	PathSyntax PathErrorKind = "Syntax" // malformed path, e.g. "a[b"
	PathType   PathErrorKind = "Type"   // e.g. key access on an array
	PathValue  PathErrorKind = "Value"  // e.g. a negative index
)

// PathError is an error in the key of a nested JSON item such as a[b][]=x.
// Start and End delimit the offending part of Key in runes (End > Start),
// or are both -1 when the error concerns the key as a whole.
type PathError struct {
	Kind    PathErrorKind
	Message string // HTTPie's wording, e.g. "Expecting ']'"
	Key     string // the key after item unescaping
	Start   int
	End     int
}

// Error returns e.g. "syntax error in nested JSON key: Expecting ']'".
func (e *PathError) Error() string {
	return strings.ToLower(string(e.Kind)) + " error in nested JSON key: " + e.Message
}

// Highlight returns the key and, under it, carets marking the offending
// part, as HTTPie prints them; "" when the error has no position.
func (e *PathError) Highlight() string {
	if e.Start < 0 {
		return ""
	}
	return e.Key + "\n" + strings.Repeat(" ", e.Start) + strings.Repeat("^", e.End-e.Start)
}

// JSONError is a syntax error in a raw JSON value (field:=json or
// field:=@file), worded as Python's json module words it.
type JSONError struct {
	Message string // e.g. "Expecting value"
	Offset  int    // offset in runes, counted from 0
	Line    int    // 1-based line
	Column  int    // 1-based column, in runes
}

// Error returns e.g. "Expecting value: line 1 column 1 (char 0)".
func (e *JSONError) Error() string {
	return fmt.Sprintf("%s: line %d column %d (char %d)", e.Message, e.Line, e.Column, e.Offset)
}
