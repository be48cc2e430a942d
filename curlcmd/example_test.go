package curlcmd_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/curlcmd"
)

// Show a request as a curl command, secrets masked.
func ExampleBuild() {
	req, err := http.NewRequest("POST", "http://127.0.0.1:8080/api/items?access_token=abc123",
		strings.NewReader(`{"name":"book","qty":2}`))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig")

	cmd, err := curlcmd.Build(req, []*http.Cookie{{Name: "JSESSIONID", Value: "F00DCAFE"}}, curlcmd.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cmd.Multiline())
	// Output:
	// curl 'http://127.0.0.1:8080/api/items?access_token=****' \
	//   -H 'Authorization: Bearer ****' \
	//   -H 'Content-Type: application/json' \
	//   -b 'JSESSIONID=****' \
	//   --compressed \
	//   --data-binary '{"name":"book","qty":2}'
}

// Build the command for a request a limpet Session would send: NewRequest
// applies the session's defaults, and the jar gives the cookies it adds.
func ExampleBuild_session() {
	s, err := limpet.New(limpet.Options{BaseURL: "http://127.0.0.1:8080", UserAgent: "inventory/1.0"})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	req, err := s.NewRequest(context.Background(), &limpet.Request{
		Method: "POST",
		URL:    "/login",
		Body:   limpet.Form(url.Values{"username": {"alice"}, "password": {"s3cret"}}),
	})
	if err != nil {
		log.Fatal(err)
	}
	cmd, err := curlcmd.Build(req, s.Jar().Cookies(req.URL), curlcmd.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cmd)
	// Output:
	// curl http://127.0.0.1:8080/login -H 'Content-Type: application/x-www-form-urlencoded' -H 'User-Agent: inventory/1.0' --compressed --data-binary 'password=****&username=alice'
}

// Print the command for every request a Session sends, as it is sent: an
// OnRequest hook sees it with the session's credentials and cookies
// applied, once per redirect hop.
func ExampleBuild_onRequest() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "SESSION", Value: "0123456789abcdef", Path: "/"})
			http.Redirect(w, r, "/home", http.StatusSeeOther)
			return
		}
		io.WriteString(w, "welcome")
	}))
	defer srv.Close()

	printCurl := func(req *http.Request) error {
		cmd, err := curlcmd.Build(req, nil, curlcmd.Options{})
		if err != nil {
			return err
		}
		fmt.Println(cmd)
		return nil
	}
	s, err := limpet.New(limpet.Options{
		BaseURL:   "http://api.test",
		UserAgent: "inventory/1.0",
		Auth:      limpet.BasicAuth("alice", "s3cret"),
		OnRequest: []func(*http.Request) error{printCurl},
		// Reach the test server under a stable name.
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	resp, err := s.Post(context.Background(), "/login", nil)
	if err != nil {
		log.Fatal(err)
	}
	resp.Close()
	// Output:
	// curl http://api.test/login -X POST -H 'Authorization: Basic ****' -H 'User-Agent: inventory/1.0' --compressed
	// curl http://api.test/home -H 'Authorization: Basic ****' -H 'User-Agent: inventory/1.0' -b 'SESSION=****~9f9f51' --compressed
}

// A binary body is piped in from printf, with octal escapes.
func ExampleCommand_String() {
	req, err := http.NewRequest("PUT", "http://127.0.0.1:8080/blob", strings.NewReader("\x00\x01 50%\n"))
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	cmd, err := curlcmd.Build(req, nil, curlcmd.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cmd)
	fmt.Printf("%q\n", cmd.Args)
	// Output:
	// printf '\000\001 50%%\n' | curl http://127.0.0.1:8080/blob -X PUT -H 'Content-Type: application/octet-stream' --compressed --data-binary @-
	// ["curl" "http://127.0.0.1:8080/blob" "-X" "PUT" "-H" "Content-Type: application/octet-stream" "--compressed" "--data-binary" "@-"]
}

// Quote makes any string one shell word.
func ExampleQuote() {
	fmt.Println(curlcmd.Quote("plain-word"))
	fmt.Println(curlcmd.Quote("it's $HOME"))
	fmt.Println(curlcmd.Quote(""))
	// Output:
	// plain-word
	// 'it'\''s $HOME'
	// ''
}
