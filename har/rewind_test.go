package har

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// rewinder reads part of the body, then rewinds it with GetBody and sends
// the request through a real transport, as net/http's Transport does when
// it resends a request on a new connection (which no loopback server can
// make it do on demand).
type rewinder struct {
	partial int64
	next    http.RoundTripper
}

func (r rewinder) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, err := io.CopyN(io.Discard, req.Body, r.partial); err != nil {
		return nil, err
	}
	req.Body.Close()
	body, err := req.GetBody()
	if err != nil {
		return nil, err
	}
	again := req.Clone(req.Context())
	again.Body = body
	return r.next.RoundTrip(again)
}

func TestRewoundRequestBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, n)
	}))
	defer srv.Close()
	body := strings.Repeat("0123456789", 100)
	tests := []struct {
		name    string
		partial int64
	}{
		{"rewound after a part", 300},
		{"rewound after all of it", int64(len(body))},
		{"rewound before reading", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := New(Options{})
			c := &http.Client{Transport: rec.Middleware()(rewinder{partial: tc.partial, next: &http.Transport{}})}
			resp, err := c.Post(srv.URL, "text/plain", bytes.NewReader([]byte(body)))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(got) != fmt.Sprint(len(body)) {
				t.Fatalf("server read %s bytes", got)
			}
			e := rec.HAR().Log.Entries[0]
			if e.Request.BodySize != int64(len(body)) || e.Request.PostData.Text != body || e.Request.PostData.Comment != "" {
				t.Errorf("bodySize %d, text %d bytes, comment %q; want the body once", e.Request.BodySize, len(e.Request.PostData.Text), e.Request.PostData.Comment)
			}
		})
	}
}
