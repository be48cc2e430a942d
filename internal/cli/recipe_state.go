package cli

import (
	"encoding/json"

	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/login"
	"github.com/limpet-http/limpet/store"
)

// recipe is a login recipe in the command line's vocabulary: the URL the
// user logged in at, the flow, the user, where the password comes from
// (and the password itself with --save-password), and the flow's
// parameters. Earlier releases kept it in the session file's "login"
// member, in this layout.
type recipe = legacystate.Login

// recipeOwner is the key of the command line's login recipe in
// store.Snapshot.State.
const recipeOwner = "cli"

// recipeVersion is the layout version of the saved recipe.
const recipeVersion = 1

// savedRecipe is a recipe as saved under recipeOwner; the password goes in
// the entry's Secret (recipeSecret), which the stores drop unless the
// session keeps passwords.
type savedRecipe struct {
	URL          string            `json:"url,omitempty"`
	Flow         string            `json:"flow"`
	User         string            `json:"user,omitempty"`
	PasswordFrom string            `json:"password_from,omitempty"`
	Params       map[string]string `json:"params,omitempty"`
}

type recipeSecret struct {
	Password string `json:"password"`
}

// sessionRecipe returns the login recipe a session keeps: the command
// line's (its State entry, or an earlier release's "login" member, legacy
// then true), else the one a program saved with login.Auto, converted. It
// returns nil when the session keeps none.
func sessionRecipe(snap store.Snapshot) (l *recipe, legacy bool) {
	if st, ok := snap.LookupState(recipeOwner); ok {
		var saved savedRecipe
		if st.Version != recipeVersion || json.Unmarshal(st.Data, &saved) != nil {
			return nil, false
		}
		l = &recipe{URL: saved.URL, Flow: saved.Flow, User: saved.User, PasswordFrom: saved.PasswordFrom, Params: saved.Params,
			Updated: legacystate.Time{Time: st.Updated}}
		var sec recipeSecret
		if st.Secret != nil && json.Unmarshal(st.Secret, &sec) == nil {
			l.Password = sec.Password
		}
		return l, false
	}
	if _, removed := snap.State[recipeOwner]; removed {
		return nil, false
	}
	if old, ok := legacystate.LoginOf(snap); ok && old.Flow != "" {
		return &old, true
	}
	r, at, ok := login.SavedRecipe(snap)
	if !ok {
		return nil, false
	}
	c := login.ToLogin(r)
	c.Updated = legacystate.Time{Time: at}
	return &c, false
}

// saveRecipe adds l to s, a snapshot about to be saved: under recipeOwner,
// with the password in the Secret when the session keeps it, and, for a
// flow the login package knows, as the login package's recipe too, so that
// a program (login.Auto) goes on with the session without finding out.
// legacy removes the "login" member l came from.
func saveRecipe(s *store.Snapshot, l recipe, legacy bool) {
	saved := savedRecipe{URL: l.URL, Flow: l.Flow, User: l.User, PasswordFrom: l.PasswordFrom, Params: l.Params}
	if s.SetState(recipeOwner, recipeVersion, l.Updated.Time, saved) != nil {
		return
	}
	if l.PasswordFrom == fromStored && l.Password != "" {
		_ = s.SetSecret(recipeOwner, recipeSecret{Password: l.Password}) // a struct of a string always encodes
	}
	if r, ok := login.FromLogin(l); ok {
		_ = login.SaveRecipe(s, r, l.Updated.Time)
	}
	if legacy {
		legacystate.Remove(s, legacystate.MemberLogin)
	}
}
