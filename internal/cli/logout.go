package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/cli/items"
	"github.com/limpet-http/limpet/store"
)

// NewCmdLogout returns "limpet logout".
func NewCmdLogout(io *IOStreams) *cobra.Command {
	var session, verify string
	var keep bool
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
			if session == "" {
				return errors.New("logout needs --session=NAME")
			}
			ireq, err := items.Parse(args, items.Options{})
			if err != nil {
				return err
			}
			f, _, err := sessionFile(session, ireq.URL, "")
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			snap, err := f.Load(ctx)
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("no session %q for %s (see limpet session list)", session, ireq.URL.Host)
			}
			if err != nil {
				return sessionLoadError(session, err)
			}
			serverErr := error(nil)
			if snap.Login != nil && snap.Login.Flow != "" {
				serverErr = serverLogout(ctx, f, *snap.Login, session, verify, io)
			}
			if !keep {
				now := time.Now()
				_, err = f.Update(ctx, func(s *store.Snapshot) error {
					for _, c := range s.Cookies {
						s.Tombstones = append(s.Tombstones, store.Tombstone{Key: c.Key(), Deleted: now})
					}
					s.Cookies, s.Tokens, s.CSRF, s.Login = nil, nil, nil, nil
					if s.Auth != nil {
						s.Auth = &store.Auth{Updated: now}
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
			fmt.Fprintf(io.ErrOut, "logged out of session %q\n", session)
			return nil
		},
	}
	cmd.Flags().StringVar(&session, "session", "", "NAME or PATH of the session")
	cmd.Flags().StringVar(&verify, "verify", "yes", "yes, no, or a CA bundle file")
	cmd.Flags().BoolVar(&keep, "keep-local", false, "keep the session's state here (only log out at the server)")
	return cmd
}

// logouter is implemented by Authenticators that can log out at the server.
type logouter interface {
	Logout(ctx context.Context, s *limpet.Session) error
}

func serverLogout(ctx context.Context, st limpet.SessionStore, l store.Login, session, verify string, io *IOStreams) error {
	ra, err := newRecipeAuthenticator(l, session, io)
	if err != nil {
		return err
	}
	lo, ok := ra.current().(logouter)
	if !ok {
		return nil
	}
	o := limpet.Options{Store: st, ManualSave: true, Authenticator: ra, MaxRedirects: limpet.NoRedirects}
	if err := applyNetworkFlags(&o, io, verify, 0); err != nil {
		return err
	}
	s, err := limpet.New(o)
	if err != nil {
		return err
	}
	defer s.Close()
	return lo.Logout(ctx, s)
}
