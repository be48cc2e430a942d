package cli

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"net/http"

	"github.com/limpet-http/limpet/internal/cli/items"
)

// encodeBody compresses the body with -x, as HTTPie does: Deflate (zlib),
// Content-Encoding: deflate, only when that makes it smaller unless -xx.
func (o *RequestOptions) encodeBody(ireq *items.Request) error {
	if o.Compress == 0 || len(ireq.Body) == 0 {
		return nil
	}
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(ireq.Body); err != nil {
		return fmt.Errorf("compressing the body: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compressing the body: %w", err)
	}
	if o.Compress < 2 && buf.Len() >= len(ireq.Body) {
		return nil
	}
	ireq.Body = buf.Bytes()
	ireq.Header = append(ireq.Header, items.Header{Name: "Content-Encoding", Value: "deflate"})
	return nil
}

// httpRequest makes the request to send, chunked with --chunked.
func (o *RequestOptions) httpRequest(ctx context.Context, ireq *items.Request) (*http.Request, error) {
	req, err := ireq.HTTPRequest(ctx)
	if err != nil {
		return nil, err
	}
	if o.Chunked && req.ContentLength > 0 {
		req.ContentLength = -1
		req.TransferEncoding = []string{"chunked"}
		req.Header.Set("Transfer-Encoding", "chunked") // shown by -v; net/http writes its own
	}
	return req, nil
}
