package tomcat_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/tomcat"
)

// Logging in to Tomcat's examples application. The tests run the same
// against a real Tomcat (TestFormLogin and the others).
func ExampleFormLogin() {
	a := tomcat.FormLogin("tomcat", "tomcat", tomcat.Options{
		Probe:     "/examples/jsp/security/protected/index.jsp",
		LogoutURL: "/examples/jsp/security/protected/index.jsp?logoff=true",
	})
	s, err := limpet.New(limpet.Options{BaseURL: "http://127.0.0.1:8080", Authenticator: a})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ctx := context.Background()
	// Logs in on the login page, then sends the POST, once.
	resp, err := s.Post(ctx, "/examples/jsp/security/protected/index.jsp",
		limpet.Form(url.Values{"dataName": {"k"}, "dataValue": {"v"}}))
	if err != nil {
		panic(err)
	}
	defer resp.Close()
	for _, r := range resp.Recoveries {
		fmt.Println("logged in again:", r.Verdict.Reason, "replayed:", r.Replayed)
	}
	if err := a.Logout(ctx, s); err != nil {
		panic(err)
	}
}

// The manager's HTML interface needs the session's CSRF nonce on every
// request but its entry points.
func ExampleManagerCSRF() {
	s, err := limpet.New(limpet.Options{
		BaseURL:       "http://127.0.0.1:8080",
		Auth:          limpet.BasicAuth("admin", "admin-pw"),
		Authenticator: tomcat.ManagerCSRF(tomcat.NonceOptions{}),
	})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	resp, err := s.Post(context.Background(), "/manager/html/expire?path=/examples", nil)
	if err != nil {
		panic(err)
	}
	defer resp.Close()
	fmt.Println(resp.Status)
}

func ExampleLoginForm() {
	page := []byte(`<form method="POST" action='j_security_check;jsessionid=F7' >
  <input type="text" name="j_username"><input type="password" name="j_password"></form>`)
	f, ok := tomcat.LoginForm(page, tomcat.DefaultAction)
	fmt.Println(ok, f.Method, f.Action)
	// Output: true POST j_security_check;jsessionid=F7
}

func ExampleExtractNonce() {
	page := []byte(`<form method="post" action="&#47;manager&#47;html&#47;stop?path=&#47;examples&amp;org.apache.catalina.filters.CSRF_NONCE=30AB11223344556677889900AABBCCDD">`)
	nonce, ok := tomcat.ExtractNonce(page, tomcat.NonceParam)
	fmt.Println(nonce, ok)
	// Output: 30AB11223344556677889900AABBCCDD true
}
