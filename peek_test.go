package limpet_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
)

func TestResponsePeekLeavesTheBody(t *testing.T) {
	body := strings.Repeat("0123456789", 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body) }))
	defer srv.Close()
	s := newSession(t, limpet.Options{})
	for _, n := range []int{1, 10, 999, 1000, 5000} {
		resp, err := s.Get(context.Background(), srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		head, err := resp.Peek(n)
		if err != nil || string(head) != body[:min(n, len(body))] {
			t.Fatalf("Peek(%d) = %d bytes, %v", n, len(head), err)
		}
		again, _ := resp.Peek(n / 2)
		if string(again) != body[:min(n/2, len(body))] {
			t.Fatalf("second Peek(%d) = %q", n/2, again)
		}
		if more, _ := resp.Peek(n + 3); string(more) != body[:min(n+3, len(body))] {
			t.Fatalf("longer Peek(%d) = %d bytes", n+3, len(more))
		}
		text, err := resp.Text()
		if err != nil || text != body {
			t.Fatalf("after Peek(%d), Text = %d bytes, %v", n, len(text), err)
		}
	}
}
