// Package items turns the positional arguments of an HTTPie-style command
// line, [METHOD] URL [ITEM ...], into a request description that the
// limpet CLI can send, print or export.
//
// It implements HTTPie 3.2's request-item syntax and defaults, and is
// tested against the real HTTPie binary. It is pure code: the only I/O is
// reading the files that @file items name, through Options.ReadFile.
//
// # Building a request
//
// Parse takes the arguments left after flag parsing and Options for the
// flags that change their meaning (--form, --multipart, --json, --raw,
// --default-scheme, --boundary):
//
//	req, err := items.Parse([]string{"POST", ":8080/api/orders", "item=book", "qty:=2"}, items.Options{})
//	// req.Method == "POST", req.URL.String() == "http://localhost:8080/api/orders"
//	// req.Body == `{"item": "book", "qty": 2}`, Content-Type application/json
//	hreq, err := req.HTTPRequest(ctx)
//
// The Request keeps the ordered header list (unset headers included),
// the body bytes and, for multipart bodies, the parts, so that --offline
// output, --curl and HAR export need not parse the body again.
// Request.HTTPRequest returns an *http.Request whose GetBody replays the
// body.
//
// # Request items
//
//	Name:Value        header; "Name:" unsets a default header, "Name;" sends it empty
//	Name:@file        header value from a file (trailing newlines removed)
//	name==value       query parameter (name==@file reads the value from a file)
//	field=value       data field: a JSON string, or a form field with --form
//	field=@file       data field read from a UTF-8 text file
//	field:=json       raw JSON value (field:=@file.json reads it from a file)
//	field@file        file upload with --form/--multipart; field@file;type=mime sets its type
//	@file             without --form: the file is the whole body
//
// ParseItem splits one item: the separator that starts earliest wins, and of
// those starting at the same place the longest; a backslash makes a
// separator character literal ("a\=b=c" is field "a=b").
//
// In JSON mode, data item keys are nested JSON paths: a[b]=1 gives
// {"a": {"b": "1"}}, a[]=x appends, a[2]=y sets an index (padding with
// null), []=x at the top level makes the body an array, and a[\1]=x uses
// "1" as an object key. Mixing types gives a *PathError worded as HTTPie's.
//
// # Method and URL
//
// With no method, GET is used, or POST when there is data. A first argument
// made of letters only is a method; otherwise it is the URL. URLs without a
// scheme get http:// (Options.DefaultScheme), and ":3000/x", ":/x" and ":"
// mean localhost.
//
// # Differences from HTTPie
//
// The package never reads standard input: the limpet command gives it to
// "@-" items through Options.ReadFile, which receives "-". Where HTTPie has
// a bug or leaks a Python detail, limpet differs on purpose: numbers in raw
// JSON are sent as typed (HTTPie re-prints 1e3 as 1000.0); NaN and Infinity
// are rejected; raw JSON booleans in forms are "true"/"false" (not "True");
// raw JSON fields are kept in multipart bodies (HTTPie drops them); nested
// paths into a raw JSON object or through a null are kept (HTTPie loses
// them or the whole body); a ;type= on an @file body is honoured; header
// names must be HTTP tokens; only http and https URLs are accepted; array
// indexes are limited to 65536, and the nulls they pad arrays with to
// 1,048,576 per request. The interop test lists each of these.
//
// # Errors
//
// Errors name the offending argument (*ArgError) and wrap a sentinel such as
// ErrNoSeparator or ErrFileField, a *PathError (with Highlight for the caret
// display), a *JSONError, or the error of Options.ReadFile.
//
// # Concurrency
//
// Parse and ParseItem are safe to call from several goroutines; they call
// Options.ReadFile and Options.TypeByExtension from the calling goroutine
// only. A Request is a plain value: see Request.
package items
