package items

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"
)

var benchArgs = []string{"POST", ":8080/api/orders", "item=book", "qty:=2", "tags[]=a", "tags[]=b", "X-Trace:1", "page==2"}

// stdlibPeer builds the same request by hand with encoding/json, net/url
// and net/http: the floor a parser cannot beat.
func stdlibPeer() (*http.Request, error) {
	body, err := json.Marshal(map[string]any{"item": "book", "qty": 2, "tags": []string{"a", "b"}})
	if err != nil {
		return nil, err
	}
	q := url.Values{"page": {"2"}}
	req, err := http.NewRequestWithContext(context.Background(), "POST", "http://localhost:8080/api/orders?"+q.Encode(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", JSONAccept)
	req.Header.Set("Content-Type", JSONContentType)
	req.Header.Set("X-Trace", "1")
	return req, nil
}

func limpetParse() (*http.Request, error) {
	r, err := Parse(benchArgs, Options{})
	if err != nil {
		return nil, err
	}
	return r.HTTPRequest(context.Background())
}

// BenchmarkParse measures Parse + HTTPRequest for a typical command line
// against building the same request by hand, alternating the two in each
// iteration so that both see the same machine load. It reports the time
// of each and the ratio (metric "x-stdlib").
func BenchmarkParse(b *testing.B) {
	var ours, peer time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := limpetParse(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := stdlibPeer(); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		ours += t1.Sub(t0)
		peer += t2.Sub(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(ours.Nanoseconds())/n, "limpet-ns/op")
	b.ReportMetric(float64(peer.Nanoseconds())/n, "stdlib-ns/op")
	b.ReportMetric(float64(ours)/float64(peer), "x-stdlib")
}
