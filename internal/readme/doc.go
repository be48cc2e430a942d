// Package readme holds the tests that keep README.md's examples working:
// every Go snippet compiles as it is printed, and every command of the
// command-line quick start runs against a local go-httpbin. It has no
// code of its own.
package readme
