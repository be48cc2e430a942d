// Package frameworkcheck holds the framework proofs of the generic form
// login: its tests log in to real Django, Flask, Express, Rails and
// Laravel applications and through Keycloak single sign-on
// (internal/testserver/frameworks), through the library (webform) and the
// limpet command, given only a URL, a user and a password. docs/frameworks.md
// records what they check.
package frameworkcheck
