package limpet

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"golang.org/x/net/html/charset"

	"github.com/limpet-http/limpet/internal/redact"
)

// Response is a received response. It embeds the *http.Response, whose Body
// may be read as a stream; the helper methods Bytes, Text and JSON read the
// whole body once, close it, and keep it for later calls.
//
// A Response is not safe for concurrent use. The caller must close it
// (Close, or any helper that reads the body) to release the connection.
type Response struct {
	*http.Response
	// History holds the redirect responses that led to this one, oldest
	// first; their bodies are closed.
	History []*http.Response

	// Recoveries lists the session recoveries (a new login, a refreshed
	// token or CSRF token) made while sending the request, and whether the
	// request was replayed after them. See Authenticator.
	Recoveries []Recovery

	body    []byte
	bodyErr error
	read    bool
}

// withCancel ties a request's timeout to the body: closing the body
// releases it.
func (r *Response) withCancel(cancel context.CancelFunc) *Response {
	if cancel != nil {
		r.Body = &cancelBody{ReadCloser: r.Body, cancel: cancel}
	}
	return r
}

// Bytes reads and returns the whole body, closing it. Later calls return
// the same bytes.
func (r *Response) Bytes() ([]byte, error) {
	if !r.read {
		r.read = true
		r.body, r.bodyErr = io.ReadAll(r.Body)
		if cerr := r.Body.Close(); r.bodyErr == nil && cerr != nil {
			r.bodyErr = cerr
		}
		if r.bodyErr != nil {
			r.bodyErr = fmt.Errorf("limpet: reading body of %s %s: %w", r.Request.Method, redact.URL(r.Request.URL), r.bodyErr)
		}
		r.Body = io.NopCloser(bytes.NewReader(r.body))
	}
	return r.body, r.bodyErr
}

// Text returns the body decoded to UTF-8 using the charset named in the
// Content-Type header (UTF-8 when none is named).
func (r *Response) Text() (string, error) {
	b, err := r.Bytes()
	if err != nil {
		return "", err
	}
	_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	name := params["charset"]
	if name == "" || strings.EqualFold(name, "utf-8") || strings.EqualFold(name, "utf8") {
		return string(b), nil
	}
	enc, _ := charset.Lookup(name)
	if enc == nil {
		return "", fmt.Errorf("limpet: unknown charset %q in Content-Type", name)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return "", fmt.Errorf("limpet: decoding %s body: %w", name, err)
	}
	return string(out), nil
}

// JSON decodes the body as JSON into v.
func (r *Response) JSON(v any) error {
	b, err := r.Bytes()
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("limpet: decoding JSON from %s %s (status %d, Content-Type %q): %w",
			r.Request.Method, redact.URL(r.Request.URL), r.StatusCode, r.Header.Get("Content-Type"), err)
	}
	return nil
}

// Close closes the body; it is safe to call more than once.
func (r *Response) Close() error {
	if r.read {
		return nil
	}
	r.read = true
	r.bodyErr = fmt.Errorf("limpet: body already closed")
	return r.Body.Close()
}

// CheckStatus returns nil for a 2xx status and a *StatusError otherwise.
// The error holds the start of the body; the whole body stays readable.
func (r *Response) CheckStatus() error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	var excerpt []byte
	if r.read {
		excerpt = r.body
	} else {
		head := make([]byte, MaxErrorBody)
		n, _ := io.ReadFull(r.Body, head)
		excerpt = head[:n]
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(excerpt), r.Body), r.Body}
	}
	if len(excerpt) > MaxErrorBody {
		excerpt = excerpt[:MaxErrorBody]
	}
	return &StatusError{
		StatusCode: r.StatusCode,
		Status:     r.Status,
		Method:     r.Request.Method,
		URL:        redact.URL(r.Request.URL),
		Body:       bytes.Clone(excerpt),
		Header:     r.Header,
	}
}

// Peek returns up to the first n bytes of the body without consuming them:
// the body still reads from its start afterwards, and Bytes, Text and JSON
// see the whole of it. An Authenticator's Check uses it to look for a login
// form or an error marker. A read error other than the end of the body is
// returned with the bytes read before it; it is kept for the body's reader.
func (r *Response) Peek(n int) ([]byte, error) {
	if r.read {
		if len(r.body) > n {
			return r.body[:n], r.bodyErr
		}
		return r.body, r.bodyErr
	}
	if r.Body == nil || r.Body == http.NoBody || n <= 0 {
		return nil, nil
	}
	if pb, ok := r.Body.(*peekedBody); ok && (len(pb.head) >= n || pb.err != nil) {
		if len(pb.head) > n {
			return pb.head[:n], nil
		}
		return pb.head, pb.err
	}
	buf := make([]byte, n)
	var head []byte
	var src io.Reader = r.Body
	if pb, ok := r.Body.(*peekedBody); ok {
		head, src = pb.head, pb.rest
		buf = buf[:n-len(head)]
	}
	m, err := io.ReadFull(src, buf)
	head = append(head, buf[:m]...)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = io.EOF
	}
	pb := &peekedBody{head: head, rest: src, closer: r.Body}
	if base, ok := r.Body.(*peekedBody); ok {
		pb.closer = base.closer
	}
	var rerr error
	if err != nil && err != io.EOF {
		pb.err, rerr = err, err
	} else if err == io.EOF {
		pb.err = io.EOF
	}
	pb.Reader = io.MultiReader(bytes.NewReader(head), &errReader{r: src, err: pb.err})
	r.Body = pb
	return head, rerr
}

// peekedBody is a body whose start Peek read.
type peekedBody struct {
	io.Reader           // the start, then the rest
	head      []byte    // what Peek read
	rest      io.Reader // the body after head
	err       error     // io.EOF when head is the whole body, or a read error
	closer    io.Closer // the original body
}

func (b *peekedBody) Close() error { return b.closer.Close() }

// errReader reads r unless err is set: then it returns err (io.EOF for a
// body that ended within the peeked bytes).
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return e.r.Read(p)
}
