// Command limpet-s is limpet with https as the default scheme, as HTTPie's
// https is to http: "limpet-s example.org/api" requests
// https://example.org/api. A link to limpet named limpet-s does the same.
package main

import (
	"os"

	"github.com/limpet-http/limpet/internal/cli"
)

func main() { os.Exit(cli.MainHTTPS()) }
