package tomcatserver_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/tomcatserver"
)

func TestExpireSessionsCounts(t *testing.T) {
	srv := tomcatserver.Start(t)
	ctx := t.Context()
	contextPath := tomcatserver.CookieExamplesPath
	// Start from an empty context, whatever earlier tests left.
	if _, err := srv.ExpireSessions(ctx, contextPath); err != nil {
		t.Fatal(err)
	}
	for want := range 4 {
		var browsers []*browser
		for range want {
			b := newBrowser(t)
			if p := b.get(srv.URL + contextPath + tomcatserver.ProtectedPage); p.status != http.StatusOK || p.sessionCookie() == nil {
				t.Fatalf("GET protected page: status %d, cookie %v", p.status, p.sessionCookie())
			}
			browsers = append(browsers, b)
		}
		n, err := srv.ExpireSessions(ctx, contextPath)
		if err != nil || n != want {
			t.Fatalf("ExpireSessions after %d new sessions = %d, %v", want, n, err)
		}
		// Each of those sessions is gone: the next request gets a new one.
		for _, b := range browsers {
			if p := b.get(srv.URL + contextPath + tomcatserver.ProtectedPage); p.sessionCookie() == nil {
				t.Fatal("expired session was still accepted")
			}
		}
		if _, err := srv.ExpireSessions(ctx, contextPath); err != nil {
			t.Fatal(err)
		}
	}
}

func TestExpireSessionsErrors(t *testing.T) {
	srv := tomcatserver.Start(t)
	tests := []struct {
		name, contextPath, wantErr string
	}{
		{name: "unknown context", contextPath: "/nope", wantErr: "No context exists named [/nope]"},
		{name: "no leading slash", contextPath: "examples", wantErr: "does not start with /"},
		{name: "empty", contextPath: "", wantErr: "does not start with /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := srv.ExpireSessions(t.Context(), tt.contextPath)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "tomcatserver: ") {
				t.Fatalf("ExpireSessions(%q) = %d, %v; want an error containing %q", tt.contextPath, n, err, tt.wantErr)
			}
		})
	}
}

func TestSharedServer(t *testing.T) {
	a := tomcatserver.Start(t)
	b := tomcatserver.Start(t)
	if a != b {
		t.Fatalf("Start under Run returned two servers: %s and %s", a.URL, b.URL)
	}
	if !strings.HasPrefix(a.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q is not on 127.0.0.1", a.URL)
	}
}
