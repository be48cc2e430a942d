// Command server is the loopback server of limpet's comparison benchmarks.
// It runs in a process of its own, so that the allocations the clients
// report are theirs alone. It prints its base URL on standard output and
// serves until killed.
//
// Routes:
//
//	/login        sets the session cookie JSESSIONID (204)
//	/api/me       {"name":"alice"} with the session cookie, else 401
//	/api/items    {"items":[...]} with the session cookie, else 401; with an
//	              Authorization header, the bearer token must be valid too
//	/api/token    answers {"token":...,"expires_in":3600} and sets the session
//	              cookie (a token login endpoint)
//	/api/once     like /api/items, but a bearer token is good for one answer:
//	              the next request is refused as a client whose session
//	              expired is (re-login timing)
//	/api/rotate   sets one of 50 rotating cookies on every response (churn)
//	/fleet/token  a token login for many processes sharing one session:
//	              counts the logins (GET /fleet/logins tells how many)
//	/fleet/items  like /api/items, with the current fleet token only
//	/fleet/expire (POST) refuses every token handed out so far, as a
//	              server that forgot its sessions does
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
)

const (
	sessionID = "6F1C2A9E0B6F1C2A9E0B"
	// bearer is the first token /api/token hands out.
	bearer    = "Bearer tok-0-" + sessionID
	itemsBody = `{"items":[{"id":1,"name":"apple"},{"id":2,"name":"pear"},{"id":3,"name":"plum"}]}`
)

func main() {
	addr := "127.0.0.1:0"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
	fmt.Println("http://" + ln.Addr().String())
	if err := http.Serve(ln, handler()); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func hasSession(r *http.Request) bool {
	c, err := r.Cookie("JSESSIONID")
	return err == nil && c.Value == sessionID
}

// validToken accepts every token /api/token handed out (whatever its
// number): /api/items does not expire them.
func validToken(auth string) bool {
	return strings.HasPrefix(auth, "Bearer tok-") && strings.HasSuffix(auth, "-"+sessionID)
}

func setSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: sessionID, Path: "/", HttpOnly: true})
}

func handler() http.Handler {
	var n atomic.Int64
	// gen numbers the token /api/token hands out and /api/once accepts;
	// /api/once moves it on after each answer.
	var gen atomic.Int64
	// fleet numbers the tokens of /fleet/token; logins counts them.
	var fleet, logins atomic.Int64
	fleetToken := func() string { return fmt.Sprintf("ftok-%d-%s", fleet.Load(), sessionID) }
	mux := http.NewServeMux()
	mux.HandleFunc("/fleet/token", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		io.Copy(io.Discard, r.Body)
		logins.Add(1)
		setSession(w)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":%q,"expires_in":3600}`, fleetToken())
	})
	mux.HandleFunc("/fleet/items", func(w http.ResponseWriter, r *http.Request) {
		if !hasSession(r) || r.Header.Get("Authorization") != "Bearer "+fleetToken() {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, itemsBody)
	})
	mux.HandleFunc("/fleet/expire", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		fleet.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/fleet/logins", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, logins.Load())
	})
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		setSession(w)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/api/me", func(w http.ResponseWriter, r *http.Request) {
		if !hasSession(r) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"name":"alice"}`)
	})
	mux.HandleFunc("/api/items", func(w http.ResponseWriter, r *http.Request) {
		if a := r.Header.Get("Authorization"); !hasSession(r) || a != "" && !validToken(a) {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, itemsBody)
	})
	mux.HandleFunc("/api/token", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		io.Copy(io.Discard, r.Body)
		setSession(w)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":"tok-%d-6F1C2A9E0B6F1C2A9E0B","expires_in":3600}`, gen.Load())
	})
	mux.HandleFunc("/api/once", func(w http.ResponseWriter, r *http.Request) {
		g := gen.Load()
		if !hasSession(r) || r.Header.Get("Authorization") != fmt.Sprintf("Bearer tok-%d-6F1C2A9E0B6F1C2A9E0B", g) || !gen.CompareAndSwap(g, g+1) {
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, itemsBody)
	})
	mux.HandleFunc("/api/rotate", func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		http.SetCookie(w, &http.Cookie{Name: "rot" + strconv.FormatInt(i%50, 10), Value: strconv.FormatInt(i, 10), Path: "/"})
		io.WriteString(w, "ok")
	})
	return mux
}
