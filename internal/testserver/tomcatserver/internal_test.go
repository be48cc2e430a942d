package tomcatserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

// Replies as Tomcat 10.1.60's manager writes them (see interop/tomcat/README.md).
const (
	replyExpired = "OK - Session information for application at context path [/examples]\n" +
		"Default maximum session inactive interval is [30] minutes\n" +
		"Inactive for [<1] minutes: [3] sessions\n" +
		"Inactive for [>0] minutes: [3] sessions were expired\n"
	replyNone = "OK - Session information for application at context path [/examples]\n" +
		"Default maximum session inactive interval is [30] minutes\n"
	replyFail = "FAIL - No context exists named [&#47;nope]\n"
)

func TestParseExpireReply(t *testing.T) {
	tests := []struct {
		name    string
		reply   string
		want    int
		wantErr string
	}{
		{name: "three expired", reply: replyExpired, want: 3},
		{name: "none to expire", reply: replyNone, want: 0},
		{name: "crlf line ends", reply: strings.ReplaceAll(replyExpired, "\n", "\r\n"), want: 3},
		{name: "large count", reply: replyNone + "Inactive for [>0] minutes: [12345] sessions were expired\n", want: 12345},
		{name: "unknown context", reply: replyFail, wantErr: "manager: No context exists named [/nope]"},
		{name: "empty", reply: "", wantErr: "want OK or FAIL"},
		{name: "html error page", reply: "<html><body>401</body></html>", wantErr: "want OK or FAIL"},
		{name: "count overflows", reply: replyNone + "Inactive for [>0] minutes: [99999999999999999999999] sessions were expired\n", wantErr: "expired count"},
		{name: "counted twice", reply: replyExpired + "Inactive for [>0] minutes: [1] sessions were expired\n", wantErr: "twice"},
		{name: "histogram line is not a count", reply: replyNone + "Inactive for [<1] minutes: [4] sessions\n", want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseExpireReply(tt.reply)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseExpireReply() = %d, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("parseExpireReply() = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func FuzzParseExpireReply(f *testing.F) {
	for _, s := range []string{replyExpired, replyNone, replyFail, "", "OK - \n[1] sessions were expired", "FAIL - &amp;&#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		n, err := parseExpireReply(reply)
		if err != nil {
			if n != 0 {
				t.Fatalf("error %v with count %d", err, n)
			}
			return
		}
		if n < 0 {
			t.Fatalf("negative count %d", n)
		}
		if !strings.HasPrefix(reply, "OK - ") {
			t.Fatalf("accepted a reply that does not start with OK: %q", reply)
		}
	})
}

// recorder is a testing.TB that records Skipf and Fatalf instead of ending
// the goroutine, so that start's choice between them can be checked.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = true
	r.msg = fmt.Sprintf(format, args...)
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
}

func TestStartWithoutTomcat(t *testing.T) {
	tests := []struct {
		name        string
		interop     string
		wantSkipped bool
	}{
		{name: "skips by default", interop: "", wantSkipped: true},
		{name: "skips for other values", interop: "1", wantSkipped: true},
		{name: "fails when required", interop: "require", wantSkipped: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			srv := start(r, Options{TomcatHome: t.TempDir()}, tt.interop, false)
			if srv != nil {
				t.Fatalf("start returned a server for an empty TomcatHome")
			}
			if r.skipped != tt.wantSkipped || r.failed == tt.wantSkipped {
				t.Fatalf("skipped=%v failed=%v, want skipped=%v", r.skipped, r.failed, tt.wantSkipped)
			}
			if !strings.Contains(r.msg, SetupCommand) || !strings.Contains(r.msg, InteropEnv) {
				t.Fatalf("message %q does not name both %q and %s", r.msg, SetupCommand, InteropEnv)
			}
		})
	}
}

func TestNewWithoutTomcat(t *testing.T) {
	_, err := New(t.Context(), Options{TomcatHome: t.TempDir()})
	if !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("New() error = %v, want ErrNotInstalled", err)
	}
	if !strings.Contains(err.Error(), "catalina.sh is missing") || !strings.Contains(err.Error(), SetupCommand) {
		t.Fatalf("New() error %q does not name the missing file and the set-up command", err)
	}
}

func TestNewThenStop(t *testing.T) {
	srv := start(t, Options{}, os.Getenv(InteropEnv), false)
	if srv == nil {
		return // skipped or failed by start
	}
	resp, err := http.Get(srv.URL + ManagerPath + "/text/list")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("GET /manager/text/list without credentials: status %d, want 401", resp.StatusCode)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("Stop() = %v", err)
	}
	if _, err := os.Stat(srv.Base); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CATALINA_BASE still there after Stop: %v", err)
	}
	if _, err := http.Get(srv.URL + "/"); err == nil {
		t.Errorf("%s still answers after Stop", srv.URL)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("second Stop() = %v", err)
	}
}

func TestNewCancelled(t *testing.T) {
	if err := checkInstalled(defaultHome); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	srv, err := New(ctx, Options{})
	if !errors.Is(err, context.Canceled) || srv != nil {
		t.Fatalf("New(cancelled) = %v, %v; want context.Canceled", srv, err)
	}
}
