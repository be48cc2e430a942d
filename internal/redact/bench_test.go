package redact

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// jsonDoc is a token endpoint's answer in a list of 1,000 records
// (about 100 kB).
func jsonDoc() []byte {
	var b strings.Builder
	b.WriteString(`{"access_token":"at-Ht4Mw8Qs2Fz6","refresh_token":"rt-Jc5Nv1Bx7Ld3","items":[`)
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d","price":%d.5,"tags":["a","b"],"owner":{"user":"alice","session_id":"s%d"}}`, i, i, i, i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func BenchmarkBodyJSON(b *testing.B) {
	doc := jsonDoc()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		Body("application/json", doc)
	}
}

func BenchmarkHeader(b *testing.B) {
	h := http.Header{
		"Authorization": {"Basic YWxpY2U6c2VjcmV0"},
		"Cookie":        {"JSESSIONID=F00DCAFEF00DCAFE1234; theme=dark"},
		"Accept":        {"application/json"},
		"User-Agent":    {"limpet/0.1.0"},
		"Content-Type":  {"application/json; charset=utf-8"},
		"X-Request-Id":  {"0a1b2c3d"},
	}
	for b.Loop() {
		Header(h)
	}
}

func BenchmarkURL(b *testing.B) {
	u, _ := url.Parse("http://alice:pw@localhost:8080/api/items;jsessionid=F00DCAFEF00DCAFE1234?page=2&access_token=Xk9Qz2Vb7Wm4&sort=name")
	for b.Loop() {
		URL(u)
	}
}

func BenchmarkTextError(b *testing.B) {
	msg := `Get "http://127.0.0.1:8080/api/items?page=2&access_token=Xk9Qz2Vb7Wm4": dial tcp 127.0.0.1:8080: connect: connection refused`
	for b.Loop() {
		Text(msg)
	}
}
