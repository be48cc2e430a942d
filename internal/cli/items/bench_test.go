package items

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
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
// and reports its cost relative to building the same request by hand
// (metric "x-stdlib"), both measured in the same run.
func BenchmarkParse(b *testing.B) {
	run := func(f func() (*http.Request, error)) testing.BenchmarkResult {
		return testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	peer := run(stdlibPeer)
	ours := run(limpetParse)
	b.ReportMetric(float64(ours.NsPerOp()), "limpet-ns/op")
	b.ReportMetric(float64(peer.NsPerOp()), "stdlib-ns/op")
	b.ReportMetric(float64(ours.NsPerOp())/float64(peer.NsPerOp()), "x-stdlib")
	b.ReportMetric(float64(ours.AllocsPerOp()), "limpet-allocs/op")
	for b.Loop() {
	}
}
