package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/limpet-http/limpet/browsercookie"
	"github.com/limpet-http/limpet/internal/redact"
	"github.com/limpet-http/limpet/store"
)

// browserImportHelp documents "session import --from".
const browserImportHelp = `
With --from BROWSER, the cookies come from a browser profile instead of a file, so
that a script can carry on with a login made in the browser (single sign-on, a
second factor, a captcha): chromium, chrome or firefox, on Linux. The profile is
the browser's default one (Chromium's last used, Firefox's default), or the one
--profile names ("Default", "Profile 1", a Firefox profile name) or points to
(a profile folder, a user-data folder, a cookie database). Only the cookies for
the --domain hosts are imported (their own, their parent domains' and their
subdomains'); by default, the session's host (localhost for localhost_8080/app).

The browser may be running: limpet reads a private copy of its database. Chromium
values encrypted with the keyring ("v11") need the desktop keyring unlocked; values
that fail Chromium's host check are skipped and counted. What was imported is
listed with the values masked.

  limpet session import localhost_8080/app --from firefox
  limpet session import example.com/app --from chrome --profile "Profile 1"
  limpet --session=app https://example.com/api/me`

// withBrowserImport adds --from, --profile and --domain to the "session
// import" command: with --from it imports a browser profile's cookies.
func withBrowserImport(cmd *cobra.Command, f *Factory) *cobra.Command {
	io := f.IOStreams
	var from, profile string
	var domains []string
	fileArgs, fileRun := cmd.Args, cmd.RunE
	cmd.Use = "import SESSION {FILE | --from BROWSER}"
	cmd.Short = "Add the cookies of a cookies.txt or HTTPie file, or of a browser profile, to a session"
	cmd.Long += "\n" + browserImportHelp
	cmd.Args = func(c *cobra.Command, args []string) error {
		if from != "" {
			return cobra.ExactArgs(1)(c, args)
		}
		return fileArgs(c, args)
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if from == "" {
			if profile != "" || len(domains) > 0 {
				return errors.New("--profile and --domain go with --from")
			}
			return fileRun(c, args)
		}
		if c.Flags().Changed("format") || c.Flags().Changed("host") {
			return errors.New("--format and --host are for files; --from reads a browser profile")
		}
		return runBrowserImport(c.Context(), io, browserImportOptions{sessions: f.sessions(), session: args[0], from: from, profile: profile, domains: domains})
	}
	cmd.Flags().StringVar(&from, "from", "", "import from a browser profile: chromium, chrome or firefox")
	cmd.Flags().StringVar(&profile, "profile", "", "the browser profile: a name or a path (default: the browser's default profile)")
	cmd.Flags().StringArrayVar(&domains, "domain", nil, "import the cookies for this host (repeatable; default: the session's host)")
	return cmd
}

// browserImportOptions are the arguments of "session import --from".
type browserImportOptions struct {
	session  string
	from     string
	profile  string
	domains  []string
	sessions sessionDir
	// dirs and now are for tests; zero means the user's and time.Now.
	dirs browsercookie.Dirs
	now  time.Time
}

// browserImportTarget resolves the session argument: an existing session
// or file, or a new stored name HOST_PORT/NAME. It returns the file, the
// name to show and the host the name implies ("" for a path).
func browserImportTarget(sd sessionDir, arg string) (sessionFile, string, string, error) {
	if f, name, err := sd.find(arg); err == nil {
		if isSessionPath(arg) {
			return f, name, "", nil
		}
		return f, name, hostOfSession(name), nil
	}
	f, err := sd.importTarget(arg)
	if err != nil {
		return nil, "", "", err
	}
	if isSessionPath(arg) {
		return f, arg, "", nil
	}
	return f, arg, hostOfSession(arg), nil
}

func runBrowserImport(ctx context.Context, io *IOStreams, o browserImportOptions) error {
	b, err := browsercookie.ParseBrowser(o.from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	f, name, host, err := browserImportTarget(o.sessions, o.session)
	if err != nil {
		return err
	}
	domains := o.domains
	if len(domains) == 0 {
		if host == "" {
			return fmt.Errorf("say which cookies to import with --domain (the session %s does not name a host)", name)
		}
		domains = []string{host}
	}
	now := o.now
	if now.IsZero() {
		now = time.Now()
	}
	res, err := browsercookie.Read(ctx, browsercookie.Options{Browser: b, Profile: o.profile, Domains: domains, Dirs: o.dirs, Now: now})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(io.ErrOut, "limpet: warning: %s\n", w)
	}
	from := fmt.Sprintf("%s profile %s", b, res.Profile)
	if len(res.Cookies) == 0 {
		msg := fmt.Sprintf("no cookies for %s in %s", strings.Join(domains, ", "), from)
		if s := res.Skipped.String(); s != "" {
			msg += " (skipped: " + s + ")"
		}
		return errors.New(msg + "; the session is unchanged")
	}
	imported := stamp(res.JarCookies(), now)
	merged, err := f.Save(ctx, store.Snapshot{Cookies: store.CookiesFromJar(imported)})
	if err != nil {
		return err
	}
	printImported(io, res, now)
	fmt.Fprintf(io.ErrOut, "imported %s from %s into session %s; the session holds %s\n",
		cookies(len(res.Cookies)), from, name, cookies(len(merged.Cookies)))
	if s := res.Skipped.String(); s != "" {
		fmt.Fprintf(io.ErrOut, "skipped: %s\n", s)
	}
	return nil
}

// printImported lists the imported cookies, values masked.
func printImported(io *IOStreams, res *browsercookie.Result, now time.Time) {
	tw := tabwriter.NewWriter(io.Out, 0, 4, 3, ' ', 0)
	for _, c := range res.Cookies {
		domain := c.Domain
		if !c.HostOnly {
			domain = "." + domain
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, domain, c.Path, expiry(c.Cookie, now), flags(c.Cookie), redact.Value(c.Value))
	}
	tw.Flush()
}
