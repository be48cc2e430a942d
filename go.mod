module github.com/limpet-http/limpet

go 1.26.8

require (
	github.com/gofrs/flock v0.13.2 // indirect
	github.com/mccutchen/go-httpbin/v2 v2.26.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/oauth2 v0.38.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/term v0.48.0 // indirect
)
