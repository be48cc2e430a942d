package spring_test

import (
	"testing"
	"time"

	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
)

// TestSaveStateKeepsTheProcessingURL: a process that restored a login recipe with a processing URL of its own
// (loginPage("/signin").loginProcessingUrl("/auth")) and did not log in saves the recipe with that processing URL,
// not the login page: the next process posts the credentials there.
func TestSaveStateKeepsTheProcessingURL(t *testing.T) {
	a := spring.FormLogin("user", "password", spring.Options{LoginPage: "http://127.0.0.1:8080/signin",
		LoginURL: "http://127.0.0.1:8080/auth"})
	a.LoadState(withSpringState(t, savedSpring{Login: &savedLogin{URL: "http://127.0.0.1:8080/auth", Flow: spring.FlowForm, User: "user",
		Params: map[string]string{"login-page": "http://127.0.0.1:8080/signin"}, Updated: time.Now()}}))
	var snap store.Snapshot
	a.SaveState(&snap)
	l := springState(t, snap).Login
	if l == nil {
		t.Fatal("no login recipe saved")
	}
	if l.URL != "http://127.0.0.1:8080/auth" {
		t.Fatalf("saved login URL %q, want the processing URL http://127.0.0.1:8080/auth", l.URL)
	}
}
