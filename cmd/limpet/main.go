// Command limpet sends HTTP requests with HTTPie's syntax and keeps named
// sessions (cookies, logins, CSRF tokens) that many runs can share. Run
// "limpet --help" for the details.
package main

import (
	"os"

	"github.com/limpet-http/limpet/internal/cli"
)

func main() { os.Exit(cli.Main()) }
