package spring_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/spring"
)

// TestBadConfiguration: options that cannot work give a clear error at the first login, before anything is sent.
func TestBadConfiguration(t *testing.T) {
	tests := []struct {
		name    string
		base    string // the Session's BaseURL
		o       spring.Options
		wantErr string
	}{
		{"relative login page without a base URL", "", spring.Options{}, "the Session has no BaseURL"},
		{"unparsable login page", "http://127.0.0.1:1", spring.Options{LoginPage: "http://[::1"}, "invalid LoginPage"},
		{"unparsable probe", "http://127.0.0.1:1", spring.Options{Probe: "%zz"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sent := 0
			s, err := limpet.New(limpet.Options{BaseURL: tt.base, OnRequest: []func(*http.Request) error{
				func(*http.Request) error { sent++; return errors.New("nothing may be sent") }}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, a := range []*spring.Authenticator{spring.FormLogin("u", "p", tt.o), spring.Basic("u", "p", tt.o), spring.CSRF(tt.o)} {
				err := a.Recover(context.Background(), s, limpet.Verdict{Kind: limpet.NoSession})
				if err == nil || !strings.HasPrefix(err.Error(), "spring: ") || tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("%s: Login = %v, want an error saying %q", a, err, tt.wantErr)
				}
			}
			if tt.wantErr != "" && sent != 0 {
				t.Errorf("%d requests sent", sent)
			}
		})
	}
}
