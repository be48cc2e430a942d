package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/limpet-http/limpet/internal/redact"
)

// streamTypes are the media types whose bodies are printed line by line
// as they arrive on a terminal, without -S: server-sent events and the
// JSON-lines types.
var streamTypes = map[string]bool{
	"text/event-stream":        true,
	"application/x-ndjson":     true,
	"application/ndjson":       true,
	"application/jsonl":        true,
	"application/x-jsonlines":  true,
	"application/jsonlines":    true,
	"application/json-seq":     true,
	"application/stream+json":  true,
	"application/x-json-lines": true,
}

// isStreamType reports whether a Content-Type is one of streamTypes.
func isStreamType(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return streamTypes[mt]
}

// maxStreamLine bounds a line held to format it: a longer one is passed
// through as it comes.
const maxStreamLine = 1 << 20

// streamBody prints a body line by line as it arrives (-S, and event
// streams and NDJSON on a terminal): each line written as soon as it is
// complete, a JSON line formatted on its own, the field names of
// server-sent events coloured.
func (p *printer) streamBody(contentType string, r io.Reader, mask bool) error {
	contentType, r = p.display(contentType, r)
	mask = mask && !p.secrets
	if !p.format && !p.color && !p.tty && !mask {
		// Nothing to format: the bytes go as they come, lines or not.
		_, err := io.Copy(p.w, r)
		return err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	long := false // in a line too long to format
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) && len(line) < maxStreamLine {
			// Wait for the rest of the line, up to maxStreamLine.
			more, rest, err2 := readLine(br, line)
			line, err = more, err2
			if rest {
				long = true
			}
		}
		if len(line) > 0 {
			if mask {
				// Each line (an event's field, an NDJSON record) is
				// masked as a transcript's body is.
				line = redact.Body(streamLineType(contentType), line)
			}
			if p.tty && isBinary(line) {
				fmt.Fprintln(p.w, binaryNote)
				return nil
			}
			switch {
			case long:
				if _, werr := p.w.Write(line); werr != nil {
					return werr
				}
				long = !bytes.HasSuffix(line, []byte("\n"))
			default:
				if werr := p.streamLine(contentType, line); werr != nil {
					return werr
				}
			}
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil && !errors.Is(err, bufio.ErrBufferFull):
			return err
		}
	}
}

// readLine reads on from a buffer-full line until its end or
// maxStreamLine; rest reports that the line goes on past what is returned.
func readLine(br *bufio.Reader, first []byte) (line []byte, rest bool, err error) {
	buf := append([]byte(nil), first...)
	for len(buf) < maxStreamLine {
		chunk, err := br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return buf, false, err
		}
	}
	return buf, true, nil
}

// streamLine writes one line of a streamed body.
func (p *printer) streamLine(contentType string, line []byte) error {
	text := bytes.TrimRight(line, "\r\n")
	mt, _, _ := mime.ParseMediaType(contentType)
	var out []byte
	switch {
	case mt == "text/event-stream":
		out = p.eventLine(text)
	case len(bytes.TrimSpace(text)) > 0 && p.format:
		if f, ok := p.formatted("application/json", text); ok {
			out = f
		}
	}
	if out == nil {
		_, err := p.w.Write(line)
		return err
	}
	out = append(out, '\n')
	_, err := p.w.Write(out)
	return err
}

// eventLine colours a line of server-sent events: the field name, and the
// data when it is JSON (kept on one line, as events are).
func (p *printer) eventLine(text []byte) []byte {
	if !p.color || len(text) == 0 || text[0] == ':' {
		return nil
	}
	name, value, ok := bytes.Cut(text, []byte(":"))
	if !ok {
		return nil
	}
	var out bytes.Buffer
	writePainted(&out, p.style.eventName, name)
	out.WriteByte(':')
	v := bytes.TrimPrefix(value, []byte(" "))
	if len(v) < len(value) {
		out.WriteByte(' ')
	}
	if string(name) == "data" && looksJSON("application/json", v) {
		out.Write(colorJSON(v, p.style))
	} else {
		out.Write(v)
	}
	return out.Bytes()
}

// streamLineType is the Content-Type a line of a streamed body is masked
// as: NDJSON records are JSON; event-stream fields are free text.
func streamLineType(contentType string) string {
	if strings.Contains(contentType, "ndjson") || strings.Contains(contentType, "jsonl") || strings.Contains(contentType, "json-seq") {
		return "application/json"
	}
	return "text/plain"
}
