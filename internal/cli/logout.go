package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli/items"
	"github.com/limpet-http/limpet/internal/legacystate"
	"github.com/limpet-http/limpet/internal/sessionauth"
	"github.com/limpet-http/limpet/store"
)

// LogoutOptions are the flags of "limpet logout".
type LogoutOptions struct {
	IO         *IOStreams
	Sessions   sessionDir
	NewSession func(limpet.Options) (*limpet.Session, error)
	Getenv     func(string) string
	Now        func() time.Time

	URL       string
	Session   string
	Verify    string
	KeepLocal bool
}

// NewCmdLogout returns "limpet logout"; runF, when not nil, runs instead
// of the command (for tests).
func NewCmdLogout(f *Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{IO: f.IOStreams, Sessions: f.sessions(), NewSession: f.NewSession, Getenv: f.Getenv, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "logout --session=NAME URL",
		Short: "Log out at the server and forget the session's login",
		Long: `Log out at the server (Spring Security: POST /logout with the CSRF token) and clear
the session's cookies, tokens, CSRF token and login recipe, so that it does not
log in again by itself.`,
		Args:          wantArgs("URL"),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.URL = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runLogout(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Session, "session", "", "NAME or PATH of the session")
	cmd.Flags().StringVar(&opts.Verify, "verify", "yes", "yes, no, or a CA bundle file")
	cmd.Flags().BoolVar(&opts.KeepLocal, "keep-local", false, "keep the session's state here (only log out at the server)")
	completeFlagValues(cmd, "verify", "yes", "no")
	_ = cmd.RegisterFlagCompletionFunc("session", completeSessionFlag(f))
	return cmd
}

func runLogout(ctx context.Context, opts *LogoutOptions) error {
	session := opts.Session
	if session == "" {
		return errors.New("logout needs --session=NAME")
	}
	ireq, err := items.Parse([]string{opts.URL}, items.Options{})
	if err != nil {
		return err
	}
	f, _, err := opts.Sessions.file(session, ireq.URL, "")
	if err != nil {
		return err
	}
	snap, err := f.Load(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no session %q for %s (see limpet session list)", session, ireq.URL.Host)
	}
	if err != nil {
		return sessionLoadError(session, err)
	}
	serverErr := error(nil)
	if l, legacy := sessionRecipe(snap); l != nil && l.Flow != "" {
		serverErr = serverLogout(ctx, opts, f, *l, legacy)
	}
	if !opts.KeepLocal {
		now := opts.Now()
		_, err = f.Update(ctx, func(s *store.Snapshot) error {
			for _, c := range s.Cookies {
				s.Tombstones = append(s.Tombstones, store.Tombstone{Key: c.Key(), Deleted: now})
			}
			s.Cookies = nil
			// The pieces' state goes (the login recipe, what the
			// login learned, tokens, the -a settings), with removal
			// records so that a process still holding it does not
			// bring it back; and so do the members of an earlier
			// release's file that kept it.
			loaded := s.Clone()
			for owner := range loaded.State {
				if !strings.HasPrefix(owner, "limpet/") { // the Session's own (its login generation) stays
					s.RemoveState(owner, now)
				}
			}
			if _, _, ok := sessionauth.Load(loaded); ok {
				sessionauth.Remove(s, loaded, now)
			}
			for _, m := range []string{legacystate.MemberAuth, legacystate.MemberLogin, legacystate.MemberCSRF, legacystate.MemberTokens} {
				delete(s.Extra, m)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if serverErr != nil {
		return fmt.Errorf("logged out locally; the server's logout failed: %w", serverErr)
	}
	fmt.Fprintf(opts.IO.ErrOut, "logged out of session %q\n", session)
	return nil
}

// logouter is implemented by Authenticators that can log out at the server.
type logouter interface {
	Logout(ctx context.Context, s *limpet.Session) error
}

func serverLogout(ctx context.Context, opts *LogoutOptions, st limpet.SessionStore, l recipe, legacy bool) error {
	ra, err := newRecipeAuthenticator(l, legacy, opts.Session, opts.IO, opts.Getenv)
	if err != nil {
		return err
	}
	lo, ok := ra.current().(logouter)
	if !ok {
		return nil
	}
	o := limpet.Options{Store: st, ManualSave: true, Authenticator: ra, MaxRedirects: limpet.NoRedirects}
	if err := applyNetworkFlags(&o, opts.IO, opts.Verify, 0); err != nil {
		return err
	}
	s, err := opts.NewSession(o)
	if err != nil {
		return err
	}
	defer s.Close()
	return lo.Logout(ctx, s)
}
