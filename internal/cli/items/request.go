package items

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// BodyKind says where a request body comes from.
type BodyKind int

// Body kinds.
const (
	BodyNone      BodyKind = iota // no body
	BodyJSON                      // data items serialised as JSON
	BodyForm                      // data items form-urlencoded (--form)
	BodyMultipart                 // multipart/form-data (--multipart, or --form with a file)
	BodyRaw                       // the --raw argument
	BodyFile                      // a single @file item
)

// String returns "none", "json", "form", "multipart", "raw" or "file".
func (k BodyKind) String() string {
	switch k {
	case BodyJSON:
		return "json"
	case BodyForm:
		return "form"
	case BodyMultipart:
		return "multipart"
	case BodyRaw:
		return "raw"
	case BodyFile:
		return "file"
	}
	return "none"
}

// Request describes the request a command line asks for: everything the
// CLI needs to send it, print it (--offline, --print=HB), export it
// (--curl, HAR) or store its headers in a session.
//
// A Request is a plain value. HTTPRequest does not modify it, so one
// Request may be turned into requests from several goroutines as long as
// nobody mutates it meanwhile.
type Request struct {
	// Method is upper case, e.g. "GET".
	Method string
	// URL is absolute (http or https) with the query items appended.
	URL *url.URL
	// Header holds the headers in order: the defaults HTTPie sets
	// (User-Agent when Options.UserAgent is set, Accept, Content-Type),
	// then Options.SessionHeaders and the header items merging into them
	// by name, repeated names kept. Unset headers are included with Unset
	// set. Transport-level headers (Host unless given, Content-Length,
	// Accept-Encoding, Connection) are not included.
	Header []Header
	// ItemHeaders are the headers given as items alone, merged as HTTPie
	// merges them (a later "Name:" unsets earlier values, a later value
	// replaces an unset), before defaults and session headers. A session
	// stores these.
	ItemHeaders []Header
	// Body is the complete body, nil when there is none.
	Body []byte
	// BodyKind says what Body holds.
	BodyKind BodyKind
	// Parts are the parts of a multipart body, in the order they appear
	// in Body; nil for other kinds.
	Parts []Part
	// Boundary is the multipart boundary; "" for other kinds.
	Boundary string
}

// Get returns the value of the first header of that name (matched case
// insensitively) that is not unset.
func (r *Request) Get(name string) (string, bool) {
	for _, h := range r.Header {
		if strings.EqualFold(h.Name, name) && !h.Unset {
			return h.Value, true
		}
	}
	return "", false
}

// ContentType returns the Content-Type that will be sent, or "".
func (r *Request) ContentType() string {
	ct, _ := r.Get("Content-Type")
	return ct
}

// HTTPRequest returns an *http.Request for r, bound to ctx. Its body can
// be read again through GetBody (for redirects and retries). Header names
// are canonicalised; a Host header sets the request's Host field; an unset
// User-Agent is sent as none at all (net/http leaves out an empty
// User-Agent, so "User-Agent;" is not sent either). net/http sets
// Content-Length itself from the body.
func (r *Request) HTTPRequest(ctx context.Context) (*http.Request, error) {
	if r.URL == nil {
		return nil, fmt.Errorf("items: %w: request has no URL", ErrURL)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("items: %w", err)
	}
	u := *r.URL
	if u.User != nil {
		user := *u.User
		u.User = &user
	}
	req.URL = &u
	hostSet := false
	for _, h := range r.Header {
		name := http.CanonicalHeaderKey(h.Name)
		switch {
		case name == "Host":
			if !h.Unset && !hostSet {
				req.Host, hostSet = h.Value, true
			}
		case h.Unset:
			if name == "User-Agent" {
				req.Header[name] = []string{""}
			}
		default:
			req.Header[name] = append(req.Header[name], h.Value)
		}
	}
	body := r.Body
	req.GetBody = func() (io.ReadCloser, error) {
		if len(body) == 0 {
			return http.NoBody, nil
		}
		return io.NopCloser(bytes.NewReader(body)), nil
	}
	req.Body, _ = req.GetBody()
	req.ContentLength = int64(len(body))
	return req, nil
}
