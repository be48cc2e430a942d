package limpet

import (
	"net/http"
	"net/url"
)

func newTestRequest(u *url.URL) *http.Request {
	return &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}}
}
