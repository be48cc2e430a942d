package curlcmd_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
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
	// curl 'http://127.0.0.1:8080/api/items?access_token=%2A%2A%2A%2A' \
	//   -H 'Authorization: Bearer ****.sig' \
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
	// curl http://127.0.0.1:8080/login -H 'Content-Type: application/x-www-form-urlencoded' -H 'User-Agent: inventory/1.0' --compressed --data-binary 'password=%2A%2A%2A%2A&username=alice'
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
