package frameworks

import (
	"strings"
	"testing"
)

func TestParseUsers(t *testing.T) {
	users, err := parseUsers("# comment\n\nalice alice@example.com pass word&=1\nbob bob@example.com x\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []User{{"alice", "alice@example.com", "pass word&=1"}, {"bob", "bob@example.com", "x"}}
	if len(users) != len(want) || users[0] != want[0] || users[1] != want[1] {
		t.Fatalf("parseUsers = %+v, want %+v", users, want)
	}
	for _, bad := range []string{"", "# only a comment\n", "alice alice@example.com\n", "alice  pw\n"} {
		if _, err := parseUsers(bad); err == nil {
			t.Errorf("parseUsers(%q) succeeded, want an error", bad)
		}
	}
}

func TestUserLogin(t *testing.T) {
	u := User{Name: "alice", Email: "alice@example.com"}
	for _, app := range Apps() {
		want := u.Name
		if app == Rails || app == Laravel {
			want = u.Email
		}
		if got := u.Login(app); got != want {
			t.Errorf("Login(%s) = %q, want %q", app, got, want)
		}
		if LoginPath(app) == "" {
			t.Errorf("LoginPath(%s) is empty", app)
		}
	}
}

// FuzzParseUsers: the users file parser never panics, and every user it returns has all three fields.
func FuzzParseUsers(f *testing.F) {
	f.Add("alice alice@example.com s3cret pass&word=1\n")
	f.Add("# c\nbob b x y z\n\n")
	f.Add("a b\n")
	f.Fuzz(func(t *testing.T, text string) {
		users, err := parseUsers(text)
		if err != nil {
			return
		}
		for _, u := range users {
			if u.Name == "" || u.Email == "" || u.Password == "" || strings.Contains(u.Name, " ") {
				t.Fatalf("parseUsers(%q) returned %+v", text, u)
			}
		}
	})
}
