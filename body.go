package limpet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Body is a request body. Every Body can be sent more than once (for
// redirects that keep the body, retries and re-login replays): each call to
// open returns a fresh reader of the same bytes.
//
// Bodies are built by JSON, Form, Multipart, Bytes and Reader. A Body is
// encoded when the request is built, so an encoding error is returned before
// anything is sent.
type Body interface {
	// prepare encodes the body and returns how to open it, its content
	// type, and its length (-1 if unknown).
	prepare() (open func() (io.ReadCloser, error), contentType string, length int64, err error)
}

// JSON returns a Body holding v encoded as JSON (Content-Type
// application/json).
func JSON(v any) Body { return jsonBody{v} }

type jsonBody struct{ v any }

func (b jsonBody) prepare() (func() (io.ReadCloser, error), string, int64, error) {
	data, err := json.Marshal(b.v)
	if err != nil {
		return nil, "", 0, fmt.Errorf("limpet: encoding JSON body: %w", err)
	}
	return bytesBody{data, "application/json"}.prepare()
}

// Form returns a Body holding url-encoded form fields (Content-Type
// application/x-www-form-urlencoded), as an HTML form or Spring Security's
// form login expects.
func Form(values url.Values) Body {
	return bytesBody{[]byte(values.Encode()), "application/x-www-form-urlencoded"}
}

// Bytes returns a Body holding data with the given Content-Type ("" sends
// none).
func Bytes(data []byte, contentType string) Body { return bytesBody{data, contentType} }

type bytesBody struct {
	data        []byte
	contentType string
}

func (b bytesBody) prepare() (func() (io.ReadCloser, error), string, int64, error) {
	data := b.data
	return func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, b.contentType, int64(len(data)), nil
}

// Reader returns a Body read from r with the given Content-Type. To be sent
// again, an io.ReadSeeker is rewound to where it stood; any other reader is
// read into memory when the request is built.
func Reader(r io.Reader, contentType string) Body { return readerBody{r, contentType} }

type readerBody struct {
	r           io.Reader
	contentType string
}

func (b readerBody) prepare() (func() (io.ReadCloser, error), string, int64, error) {
	if rs, ok := b.r.(io.ReadSeeker); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			end, err := rs.Seek(0, io.SeekEnd)
			if err == nil {
				if _, err := rs.Seek(start, io.SeekStart); err == nil {
					return func() (io.ReadCloser, error) {
						if _, err := rs.Seek(start, io.SeekStart); err != nil {
							return nil, fmt.Errorf("limpet: rewinding body: %w", err)
						}
						return io.NopCloser(io.LimitReader(rs, end-start)), nil
					}, b.contentType, end - start, nil
				}
			}
		}
	}
	data, err := io.ReadAll(b.r)
	if err != nil {
		return nil, "", 0, fmt.Errorf("limpet: reading body: %w", err)
	}
	return bytesBody{data, b.contentType}.prepare()
}

// Part is one part of a multipart/form-data body: a field (Value) or a file
// (Path or Content).
type Part struct {
	// Name is the form field name.
	Name string
	// Value is the field's value, for a plain field.
	Value string
	// Path names a file to upload; it is opened each time the body is sent,
	// so large files are streamed, not held in memory.
	Path string
	// Content is a file's content, when it is not read from Path.
	Content []byte
	// FileName is the file name sent; it defaults to the base of Path.
	FileName string
	// ContentType is the part's type; files default to
	// application/octet-stream.
	ContentType string
}

func (p Part) isFile() bool { return p.Path != "" || p.Content != nil || p.FileName != "" }

// Multipart returns a multipart/form-data Body of the given parts, in order.
func Multipart(parts ...Part) Body { return multipartBody{parts: parts} }

type multipartBody struct {
	parts    []Part
	boundary string // fixed boundary, for tests and reproducible output
}

// MultipartWithBoundary is Multipart with a fixed boundary, for
// reproducible bodies.
func MultipartWithBoundary(boundary string, parts ...Part) Body {
	return multipartBody{parts: parts, boundary: boundary}
}

func (b multipartBody) prepare() (func() (io.ReadCloser, error), string, int64, error) {
	for _, p := range b.parts {
		if p.Path != "" {
			f, err := os.Open(p.Path)
			if err != nil {
				return nil, "", 0, fmt.Errorf("limpet: multipart part %q: %w", p.Name, err)
			}
			f.Close()
		}
	}
	boundary := b.boundary
	if boundary == "" {
		boundary = multipart.NewWriter(io.Discard).Boundary()
	}
	probe := multipart.NewWriter(io.Discard)
	if err := probe.SetBoundary(boundary); err != nil {
		return nil, "", 0, fmt.Errorf("limpet: multipart boundary: %w", err)
	}
	ctype := probe.FormDataContentType()
	open := func() (io.ReadCloser, error) {
		return &lazyPipe{write: func(w io.Writer) error { return b.write(w, boundary) }}, nil
	}
	return open, ctype, -1, nil
}

// lazyPipe is a body encoded by a goroutine as it is read. The goroutine
// starts with the first Read, so that a body that is never sent (a request
// built and dropped, a replay that was not needed) leaves nothing behind;
// Close stops it.
type lazyPipe struct {
	write func(io.Writer) error

	mu     sync.Mutex
	r      *io.PipeReader // nil until the first Read
	closed bool
}

func (p *lazyPipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return 0, io.ErrClosedPipe
	}
	if p.r == nil {
		pr, pw := io.Pipe()
		p.r = pr
		go func() { pw.CloseWithError(p.write(pw)) }()
	}
	r := p.r
	p.mu.Unlock()
	return r.Read(b)
}

func (p *lazyPipe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.r != nil {
		return p.r.Close() // the writer's next Write fails, and it ends
	}
	return nil
}

// write encodes the parts; it runs in the goroutine feeding the pipe and
// ends when the body is written or the reader is closed.
func (b multipartBody) write(w io.Writer, boundary string) error {
	mw := multipart.NewWriter(w)
	if err := mw.SetBoundary(boundary); err != nil {
		return err
	}
	for _, p := range b.parts {
		if !p.isFile() {
			if err := mw.WriteField(p.Name, p.Value); err != nil {
				return err
			}
			continue
		}
		name := p.FileName
		if name == "" && p.Path != "" {
			name = filepath.Base(p.Path)
		}
		ctype := p.ContentType
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, escapeQuotes(p.Name), escapeQuotes(name)))
		h.Set("Content-Type", ctype)
		pw, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		if p.Path != "" {
			f, err := os.Open(p.Path)
			if err != nil {
				return fmt.Errorf("limpet: multipart part %q: %w", p.Name, err)
			}
			_, err = io.Copy(pw, f)
			f.Close()
			if err != nil {
				return err
			}
		} else if _, err := pw.Write(p.Content); err != nil {
			return err
		}
	}
	return mw.Close()
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"")

func escapeQuotes(s string) string { return quoteEscaper.Replace(s) }
