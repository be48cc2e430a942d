package tomcat_test

import (
	"encoding/json"
	"testing"

	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/tomcat"
)

// The recipe an earlier release kept in the "login" member is replaced by
// the State entry at the next save; the command line's recipe (it says
// where the password comes from) is left for the command line.
func TestStateReplacesTheLoginMember(t *testing.T) {
	for _, tt := range []struct {
		member string
		remove bool
	}{
		{`{"url": "/p", "flow": "tomcat-form", "user": "tomcat", "params": {"action": "j_security_check"}}`, true},
		{`{"url": "/p", "flow": "tomcat-form", "user": "tomcat", "password_from": "prompt"}`, false},
		{`{"url": "/p", "flow": "spring-form", "user": "tomcat"}`, false},
	} {
		loaded := store.Snapshot{Extra: map[string]json.RawMessage{"login": json.RawMessage(tt.member)}}
		a := tomcat.FormLogin("tomcat", "secret", tomcat.Options{Probe: "/p"})
		a.LoadState(loaded)
		var mine store.Snapshot
		a.SaveState(&mine)
		st, ok := mine.LookupState(tomcat.StateOwner)
		if !ok || st.Secret != nil || string(st.Data) != `{"probe":"/p","user":"tomcat","user_field":"j_username","password_field":"j_password","action":"j_security_check","cookie":"JSESSIONID"}` {
			t.Errorf("state %+v", st)
		}
		merged := store.Merge(loaded, mine, store.MergeOptions{})
		if removed := merged.Extra["login"] == nil; removed != tt.remove {
			t.Errorf("%s: removed %v, want %v", tt.member, removed, tt.remove)
		}
	}
}
