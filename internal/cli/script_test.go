package cli_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/limpet-http/limpet/internal/cli"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"limpet": func() { os.Exit(cli.Main()) },
	})
}

// testHandler is httpbin plus a few endpoints the scripts need.
func testHandler() http.Handler {
	mux := http.NewServeMux()
	bin := httpbin.New()
	mux.Handle("/", bin)
	secretEndpoints(mux)
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/file.bin", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="../../report.bin"`)
		b := make([]byte, 100000)
		for i := range b {
			b[i] = byte(i)
		}
		w.Write(b)
	})
	mux.HandleFunc("/slow-download", func(w http.ResponseWriter, r *http.Request) {
		// 1 MB in 20 chunks over about 4 s: long enough to see a progress bar.
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", "1000000")
		chunk := make([]byte, 50000)
		for i := 0; i < 20; i++ {
			w.Write(chunk)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "F00DCAFEF00DCAFE1234", Path: "/", HttpOnly: true})
		http.SetCookie(w, &http.Cookie{Name: "remember-me", Value: "cmVtZW1iZXI=", Path: "/", MaxAge: 3600})
		fmt.Fprintln(w, "welcome")
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		var names []string
		for _, c := range r.Cookies() {
			names = append(names, c.Name+"="+c.Value)
		}
		fmt.Fprintln(w, strings.Join(names, "; "))
	})
	return mux
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			srv := httptest.NewServer(testHandler())
			env.Defer(srv.Close)
			env.Setenv("SRV", srv.URL)
			env.Setenv("DEADPORT", deadPort())
			env.Setenv("PORT", srv.URL[strings.LastIndexByte(srv.URL, ':')+1:])
			env.Setenv("LIMPET_CONFIG_DIR", env.WorkDir+"/config")
			env.Setenv("NO_COLOR", "")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"noleak": noleak,
			// mode FILE PERM checks a file's permission bits.
			"mode": func(ts *testscript.TestScript, neg bool, args []string) {
				fi, err := os.Stat(ts.MkAbs(args[0]))
				ts.Check(err)
				got := fmt.Sprintf("%04o", fi.Mode().Perm())
				if (got == args[1]) == neg {
					ts.Fatalf("mode of %s is %s", args[0], got)
				}
			},
		},
	})
}

var _ = context.Background
