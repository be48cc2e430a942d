// Package curlcmd turns an *http.Request into the curl command line that
// sends the same request: to reproduce a call outside the program, to
// attach to a bug report, or to hand to someone who does not use limpet.
//
// # Building a command
//
// Build takes the request and the cookies that will be sent with it, and
// reads the body through req.GetBody, so the request can still be sent
// afterwards.
//
// To show exactly what a limpet Session sends, build the command in an
// Options.OnRequest hook: the hook sees each request (each redirect hop
// too) with the session's credentials, CSRF token and cookies applied, so
// the cookies argument is nil:
//
//	OnRequest: []func(*http.Request) error{func(req *http.Request) error {
//		cmd, err := curlcmd.Build(req, nil, curlcmd.Options{})
//		if err == nil {
//			fmt.Fprintln(os.Stderr, cmd.Multiline())
//		}
//		return err
//	}},
//
// A request from Session.NewRequest carries the session's default headers
// and body but not yet its cookies or credentials, which are added as it is
// sent; pass the jar's cookies (s.Jar().Cookies(req.URL)) to Build for it.
//
// Command.String gives one line, Command.Multiline one flag per line with
// backslash continuations, and Command.Args the words for exec.Command.
//
// # What the command holds
//
// The URL comes first, then the method (-X, or --head), the headers (-H,
// sorted by name, one per value), the cookies (-b), --compressed when the
// request does not set Accept-Encoding (net/http then asks for gzip and
// decodes the response, as curl --compressed does) and the body
// (--data-binary). --globoff and --path-as-is are added when the URL needs
// them, so that curl sends brackets, braces and dot segments as they are.
// Headers curl computes itself (Content-Length, Transfer-Encoding) are left
// out, and a body without Content-Type gets an empty -H 'Content-Type:' so
// that curl does not add its form type. The command sends one request:
// add --location to follow redirects. Proxies and TLS settings of the
// session are not part of it.
//
// # Quoting and bodies
//
// Every word is quoted for POSIX shells (sh, dash, bash, ksh, zsh) with
// Quote: single quotes, inside which nothing is expanded. A printable text
// body up to MaxInlineBody bytes goes into the command itself. A body
// that is binary, holds control characters (a multipart body's CRLFs),
// starts with '@' or is longer is piped in from printf, whose format
// writes such bytes as octal escapes, with no $'...' quoting that sh lacks:
//
//	printf '\000\001...' | curl http://127.0.0.1:8080/upload --data-binary @-
//
// With Options.BodyFile the command reads the body from a file instead,
// which Command.WriteBodyFile writes (mode 0600).
//
// # Secrets
//
// By default the command is redacted with limpet's shared rules (package
// internal/redact), the same as its logs, error messages and HAR files:
// credentials in Authorization headers and URLs, "Bearer ..." values in
// any header, cookie values, CSRF and API-key headers, token-like query
// parameters, JWTs, and password, token or PIN fields of form, JSON and
// multipart bodies are masked. A credential is masked whole ("Basic
// ****"), never a part of it or of its Base64; a long cookie value shows a
// fingerprint of itself ("****~3fa2c1") to tell sessions apart. A redacted
// command still runs, but sends the masks. Options.IncludeSecrets gives the
// real values; read its warning first.
package curlcmd
