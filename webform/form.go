package webform

import (
	"strings"

	"github.com/limpet-http/limpet/internal/htmlform"
)

// pickForm returns the login form of a page: among the forms with a
// password field (passField, when set: a field of that name), the one
// with a single password field (a sign-up form asks for it twice) and a
// user name field, preferring one whose id or action says login or sign
// in; else the first with a password field.
func pickForm(p *htmlform.Page, passField string) (htmlform.Form, bool) {
	best, bestScore := htmlform.Form{}, -1
	for _, f := range p.Forms {
		n := 0
		for _, in := range f.Inputs {
			if in.Type == "password" && (passField == "" || in.Name == passField) {
				n++
			}
		}
		if n == 0 {
			continue
		}
		score := 0
		if n == 1 {
			score += 4
		}
		if _, ok := userField(f); ok {
			score += 2
		}
		hint := strings.ToLower(f.ID + " " + f.Action)
		if strings.Contains(hint, "login") || strings.Contains(hint, "log-in") || strings.Contains(hint, "sign_in") ||
			strings.Contains(hint, "signin") || strings.Contains(hint, "sign-in") || strings.Contains(hint, "session") ||
			strings.Contains(hint, "authenticate") {
			score++
		}
		if score > bestScore {
			best, bestScore = f, score
		}
	}
	return best, bestScore >= 0
}

// userField finds the user name field of a login form: an input whose
// autocomplete says username (or email); else the last text or email
// input before the password field; else one whose name says user, login,
// email or mail.
func userField(f htmlform.Form) (string, bool) {
	for _, in := range f.Inputs {
		if in.Type == "hidden" || in.Type == "password" {
			continue
		}
		for _, tok := range strings.Fields(in.Autocomplete) {
			if tok == "username" || tok == "email" {
				return in.Name, true
			}
		}
	}
	last := ""
	for _, in := range f.Inputs {
		if in.Type == "password" {
			break
		}
		if textual(in.Type) {
			last = in.Name
		}
	}
	if last != "" {
		return last, true
	}
	for _, in := range f.Inputs {
		n := strings.ToLower(in.Name)
		if textual(in.Type) && (strings.Contains(n, "user") || strings.Contains(n, "login") || strings.Contains(n, "mail")) {
			return in.Name, true
		}
	}
	return "", false
}

func textual(typ string) bool {
	switch typ {
	case "text", "email", "tel", "":
		return true
	}
	return false
}
