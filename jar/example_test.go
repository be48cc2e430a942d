package jar_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/limpet-http/limpet/jar"
)

// A jar stores the raw Set-Cookie lines of a response and writes the Cookie
// header of the next request; Explain tells why a cookie is not sent.
func Example() {
	j := jar.New(jar.Options{
		Clock: func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) },
	})
	login, _ := url.Parse("http://localhost:8080/app/login")
	j.SetCookieHeaders(login, []string{
		"JSESSIONID=6F1C2A9E0B; Path=/app; HttpOnly",
		"XSRF-TOKEN=4b1d-77aa; Path=/",
		"remember-me=dXNlcjox; Max-Age=1209600; Path=/; HttpOnly; Secure",
		"legacy_sso=1; Path=/sso",
	})

	orders, _ := url.Parse("http://localhost:8080/app/orders")
	fmt.Println("Cookie:", j.CookieHeader(orders))

	for _, d := range j.Explain(orders) {
		fmt.Println(d)
	}
	// Output:
	// Cookie: JSESSIONID=6F1C2A9E0B; XSRF-TOKEN=4b1d-77aa; remember-me=dXNlcjox
	// JSESSIONID: sent
	// XSRF-TOKEN: sent
	// remember-me: sent
	// legacy_sso: not sent: Path=/sso does not match /app/orders
}

// A *jar.Jar is an http.CookieJar, so any *http.Client can use it.
func ExampleJar_Cookies() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			w.Header().Add("Set-Cookie", "SESSION=abc123; Path=/; HttpOnly; SameSite=Lax")
			return
		}
		fmt.Fprintf(w, "server got Cookie: %s", r.Header.Get("Cookie"))
	}))
	defer srv.Close()

	client := &http.Client{Jar: jar.New(jar.Options{})}
	if resp, err := client.Get(srv.URL + "/login"); err == nil {
		resp.Body.Close()
	}
	resp, err := client.Get(srv.URL + "/api/me")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output:
	// server got Cookie: SESSION=abc123
}

// Snapshot and Restore save a jar and load it back exactly, session
// cookies, creation times and host-only flags included.
func ExampleJar_Restore() {
	clock := func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }
	j := jar.New(jar.Options{Clock: clock})
	u, _ := url.Parse("https://shop.example.com/")
	j.SetCookieHeaders(u, []string{"sid=1; Secure; HttpOnly", "lang=en; Domain=example.com; Max-Age=3600"})

	saved, _ := json.Marshal(j.Snapshot()) // what a store writes to disk

	var loaded []jar.Cookie
	if err := json.Unmarshal(saved, &loaded); err != nil {
		fmt.Println(err)
		return
	}
	again := jar.New(jar.Options{Clock: clock})
	if err := again.Restore(loaded); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range again.All() {
		fmt.Printf("%s=%s domain=%s host-only=%v persistent=%v created=%s\n",
			c.Name, c.Value, c.Domain, c.HostOnly, c.Persistent, c.Created.Format(time.RFC3339))
	}
	fmt.Println(again.CookieHeader(u))
	// Output:
	// lang=en domain=example.com host-only=false persistent=true created=2025-06-01T12:00:00Z
	// sid=1 domain=shop.example.com host-only=true persistent=false created=2025-06-01T12:00:00Z
	// sid=1; lang=en
}

// OnChange hears about every change, for example to save the jar.
func ExampleOptions_onChange() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	j := jar.New(jar.Options{
		Clock: func() time.Time { return now },
		OnChange: func(c jar.Change) {
			fmt.Println(c.Kind, c.Cookie.Key())
		},
	})
	u, _ := url.Parse("http://localhost:8080/")
	j.SetCookieHeaders(u, []string{"XSRF-TOKEN=t1; Path=/"})
	j.SetCookieHeaders(u, []string{"XSRF-TOKEN=; Max-Age=0; Path=/", "JSESSIONID=s2; Path=/"})
	// Output:
	// set XSRF-TOKEN@localhost/
	// deleted XSRF-TOKEN@localhost/
	// set JSESSIONID@localhost/
}
