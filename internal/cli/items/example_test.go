package items_test

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/limpet-http/limpet/internal/cli/items"
)

// A command line such as `limpet POST :8080/api/orders item=book qty:=2
// X-Trace:1 tag==new` becomes a request description, then an *http.Request.
func ExampleParse() {
	args := []string{"POST", ":8080/api/orders", "item=book", "qty:=2", "X-Trace:1", "tag==new"}
	req, err := items.Parse(args, items.Options{UserAgent: "limpet/dev"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(req.Method, req.URL)
	for _, h := range req.Header {
		fmt.Printf("%s: %s\n", h.Name, h.Value)
	}
	fmt.Printf("%s body: %s\n", req.BodyKind, req.Body)

	hreq, err := req.HTTPRequest(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := hreq.GetBody() // the body can be replayed
	b, _ := io.ReadAll(body)
	fmt.Println(hreq.Method, hreq.URL.RequestURI(), hreq.ContentLength, string(b) == string(req.Body))
	// Output:
	// POST http://localhost:8080/api/orders?tag=new
	// User-Agent: limpet/dev
	// Accept: application/json, */*;q=0.5
	// Content-Type: application/json
	// X-Trace: 1
	// json body: {"item": "book", "qty": 2}
	// POST /api/orders?tag=new 26 true
}

// --form turns data items into a form; a file field would make it multipart.
func ExampleParse_form() {
	req, err := items.Parse([]string{"example.org/login", "username=alice", "remember:=true"}, items.Options{Mode: items.ModeForm})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(req.Method, req.ContentType())
	fmt.Println(string(req.Body))
	// Output:
	// POST application/x-www-form-urlencoded; charset=utf-8
	// username=alice&remember=true
}

// Errors name the offending item; nested JSON errors can be shown with
// carets under the key, as HTTPie does.
func ExampleParse_error() {
	_, err := items.Parse([]string{":/", "a=1", "a[b]=2"}, items.Options{})
	fmt.Println(err)
	var pe *items.PathError
	if errors.As(err, &pe) {
		fmt.Println(pe.Highlight())
	}
	// Output:
	// items: 'a[b]=2': type error in nested JSON key: Can't perform 'key' based access on 'a' which has a type of 'string' but this operation requires a type of 'object'.
	// a[b]
	//  ^^^
}

func ExampleParseItem() {
	for _, arg := range []string{"Accept:", "q==x=y", "price:=9.5", `a\=b=c`, "cv@cv.pdf;type=application/pdf"} {
		it, _ := items.ParseItem(arg)
		fmt.Printf("%-32s key %-6q sep %-3s value %q\n", arg, it.Key, it.Sep, it.Value)
	}
	// Output:
	// Accept:                          key "Accept" sep :   value ""
	// q==x=y                           key "q"    sep ==  value "x=y"
	// price:=9.5                       key "price" sep :=  value "9.5"
	// a\=b=c                           key "a=b"  sep =   value "c"
	// cv@cv.pdf;type=application/pdf   key "cv"   sep @   value "cv.pdf;type=application/pdf"
}
