package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/limpet-http/limpet/format/cookiestxt"
	"github.com/limpet-http/limpet/format/httpiesession"
	"github.com/limpet-http/limpet/internal/cli/items"
	"github.com/limpet-http/limpet/internal/redact"
	"github.com/limpet-http/limpet/internal/sessionauth"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/token"
)

// NewCmdSession returns "limpet session": list, show, delete, reset,
// export and import.
func NewCmdSession(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "session",
		Short: "List, show, delete, export and import stored sessions",
		Long: `Sessions live in $LIMPET_CONFIG_DIR, else $XDG_CONFIG_HOME/limpet, else ~/.config/limpet,
under sessions/HOST_PORT/NAME.json (files 0600). A SESSION argument is a stored name
("app" when unique, or "localhost_8080/app" as session list shows it), or a path to
a session file: a path starts with ./, ../, / or ~/, or has a / and ends in .json.
The same forms work with --session.`,
		SilenceUsage: true,
	}
	cmd.AddCommand(NewCmdSessionList(f, nil), NewCmdSessionShow(f, nil), NewCmdSessionDelete(f, nil),
		NewCmdSessionReset(f, nil), NewCmdSessionExport(f, nil), withBrowserImport(NewCmdSessionImport(f, nil), f))
	return cmd
}

// SessionListOptions are the options of "limpet session list".
type SessionListOptions struct {
	IO       *IOStreams
	Sessions sessionDir
}

// NewCmdSessionList returns "limpet session list"; runF, when not nil,
// runs instead of the command (for tests).
func NewCmdSessionList(f *Factory, runF func(*SessionListOptions) error) *cobra.Command {
	opts := &SessionListOptions{IO: f.IOStreams, Sessions: f.sessions()}
	return &cobra.Command{
		Use:   "list",
		Short: "List stored sessions",
		Args:  wantArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return runSessionList(cmd.Context(), opts)
		},
	}
}

func runSessionList(ctx context.Context, opts *SessionListOptions) error {
	st, err := opts.Sessions.store()
	if err != nil {
		return err
	}
	names, err := st.List(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 3, ' ', 0)
	for _, n := range names {
		f, err := st.file(n)
		if err != nil {
			fmt.Fprintf(tw, "%s\t(unreadable: %s)\n", n, message(err))
			continue
		}
		snap, err := f.Load(ctx)
		if err != nil {
			fmt.Fprintf(tw, "%s\t(unreadable: %s)\n", n, message(err))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\tupdated %s\n", n, cookies(len(snap.Cookies)), snap.Meta.Updated.Local().Format(time.DateTime))
	}
	return tw.Flush()
}

// SessionShowOptions are the options of "limpet session show".
type SessionShowOptions struct {
	IO       *IOStreams
	Sessions sessionDir
	Now      func() time.Time

	Session     string
	ShowSecrets bool
}

// NewCmdSessionShow returns "limpet session show"; runF, when not nil,
// runs instead of the command (for tests).
func NewCmdSessionShow(f *Factory, runF func(*SessionShowOptions) error) *cobra.Command {
	opts := &SessionShowOptions{IO: f.IOStreams, Sessions: f.sessions(), Now: f.Now}
	cmd := &cobra.Command{
		Use:               "show SESSION",
		Short:             "Show a session's cookies, headers and login, secrets masked",
		Args:              wantArgs("SESSION"),
		ValidArgsFunction: completeSessionArg(f, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Session = args[0]
			if runF != nil {
				return runF(opts)
			}
			snap, err := loadSession(cmd.Context(), opts.Sessions, opts.Session)
			if err != nil {
				return err
			}
			showSession(opts.IO.Out, snap, opts.ShowSecrets, opts.Now())
			return nil
		},
	}
	cmd.Flags().BoolVar(&opts.ShowSecrets, "show-secrets", false, "show cookie values and tokens")
	return cmd
}

// loadSession reads the session a command names (see sessionDir.find).
func loadSession(ctx context.Context, sd sessionDir, arg string) (store.Snapshot, error) {
	f, name, err := sd.find(arg)
	if err != nil {
		return store.Snapshot{}, err
	}
	snap, err := f.Load(ctx)
	if err != nil {
		return store.Snapshot{}, sessionLoadError(name, err)
	}
	return snap, nil
}

// showSession prints a session for people, masking secrets: cookie values
// and tokens show a fingerprint that tells them apart ("****~3fa2c1", see
// package internal/redact), CSRF tokens and credentials nothing.
func showSession(w io.Writer, snap store.Snapshot, secrets bool, now time.Time) {
	id := func(s string) string {
		if secrets {
			return s
		}
		return redact.Identifier(s)
	}
	mask := func(s string) string {
		if secrets {
			return s
		}
		return redact.Value(s)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 3, ' ', 0)
	cookies := snap.JarCookies()
	sort.Slice(cookies, func(i, j int) bool {
		a, b := cookies[i], cookies[j]
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Name < b.Name
	})
	for _, c := range cookies {
		domain := c.Domain
		if !c.HostOnly {
			domain = "." + domain
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, domain, c.Path, expiry(c, now), flags(c), id(c.Value))
	}
	tw.Flush()
	if snap.Headers != nil && len(snap.Headers.List) > 0 {
		fmt.Fprintln(w, "\nheaders:")
		for _, h := range snap.Headers.List {
			v := h.Value
			if !secrets {
				v = redact.HeaderValue(h.Name, v)
			}
			fmt.Fprintf(w, "  %s: %s\n", h.Name, v)
		}
	}
	if a, _, ok := sessionauth.Load(snap); ok {
		fmt.Fprintf(w, "\nauth: %s %s", a.Kind, a.User)
		if a.PasswordFrom != "" {
			fmt.Fprintf(w, " (password from %s)", a.PasswordFrom)
		}
		if a.Token != "" {
			fmt.Fprintf(w, " token %s", id(a.Token))
		}
		fmt.Fprintln(w)
	}
	if l, _ := sessionRecipe(snap); l != nil {
		u := l.URL
		if !secrets {
			u = redact.URLString(u)
		}
		fmt.Fprintf(w, "\nlogin: %s at %s as %s", displayFlow(l.Flow), u, l.User)
		if l.PasswordFrom != "" {
			fmt.Fprintf(w, " (password from %s)", l.PasswordFrom)
		}
		fmt.Fprintln(w)
	}
	toks := token.SavedTokens(snap)
	for _, name := range slices.Sorted(maps.Keys(toks)) {
		t := toks[name]
		exp := "no expiry"
		if !t.Expiry.IsZero() {
			exp = "expires " + t.Expiry.Local().Format(time.DateTime)
		}
		fmt.Fprintf(w, "token %s: %s %s, %s", name, t.TokenType, id(t.AccessToken), exp)
		if t.RefreshToken != "" {
			fmt.Fprint(w, ", refresh token held")
		}
		fmt.Fprintln(w)
	}
	if v, _, source, ok := spring.SavedCSRF(snap); ok {
		fmt.Fprintf(w, "csrf: %s from %s\n", mask(v), source)
	}
}

func expiry(c jar.Cookie, now time.Time) string {
	if !c.Persistent {
		return "session"
	}
	d := c.Expires.Sub(now)
	if d <= 0 {
		return "expired"
	}
	days := int(d / (24 * time.Hour))
	hours := int(d%(24*time.Hour)) / int(time.Hour)
	if days > 0 {
		return fmt.Sprintf("%dd %dh", days, hours)
	}
	return d.Truncate(time.Minute).String()
}

func flags(c jar.Cookie) string {
	var f []string
	if c.HttpOnly {
		f = append(f, "HttpOnly")
	}
	if c.Secure {
		f = append(f, "Secure")
	}
	if s := c.SameSite.String(); s != "" {
		f = append(f, "SameSite="+s)
	}
	if len(f) == 0 {
		return "-"
	}
	return strings.Join(f, " ")
}

// SessionDeleteOptions are the options of "limpet session delete" and
// "limpet session reset".
type SessionDeleteOptions struct {
	IO       *IOStreams
	Sessions sessionDir

	Session string
}

// NewCmdSessionDelete returns "limpet session delete"; runF, when not
// nil, runs instead of the command (for tests).
func NewCmdSessionDelete(f *Factory, runF func(*SessionDeleteOptions) error) *cobra.Command {
	opts := &SessionDeleteOptions{IO: f.IOStreams, Sessions: f.sessions()}
	return &cobra.Command{
		Use:               "delete SESSION",
		Short:             "Delete a stored session",
		Args:              wantArgs("SESSION"),
		ValidArgsFunction: completeSessionArg(f, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Session = args[0]
			if runF != nil {
				return runF(opts)
			}
			file, name, err := opts.Sessions.find(opts.Session)
			if err != nil {
				return err
			}
			if err := file.Delete(cmd.Context()); err != nil {
				return err
			}
			fmt.Fprintf(opts.IO.ErrOut, "deleted session %s\n", name)
			return nil
		},
	}
}

// NewCmdSessionReset returns "limpet session reset"; runF, when not nil,
// runs instead of the command (for tests).
func NewCmdSessionReset(f *Factory, runF func(*SessionDeleteOptions) error) *cobra.Command {
	opts := &SessionDeleteOptions{IO: f.IOStreams, Sessions: f.sessions()}
	return &cobra.Command{
		Use:               "reset SESSION",
		Short:             "Start a session afresh, keeping an unreadable file aside",
		Args:              wantArgs("SESSION"),
		ValidArgsFunction: completeSessionArg(f, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Session = args[0]
			if runF != nil {
				return runF(opts)
			}
			file, name, err := opts.Sessions.find(opts.Session)
			if err != nil {
				return err
			}
			fs, ok := file.(fileSession)
			if !ok {
				return fmt.Errorf("session %s is not a file: reset moves a file aside; use limpet session delete %s", name, name)
			}
			kept, err := fs.Reset(cmd.Context())
			if err != nil {
				return err
			}
			if kept != "" {
				fmt.Fprintf(opts.IO.ErrOut, "reset session %s; the old file is kept as %s\n", name, kept)
			} else {
				fmt.Fprintf(opts.IO.ErrOut, "reset session %s\n", name)
			}
			return nil
		},
	}
}

// SessionExportOptions are the options of "limpet session export".
type SessionExportOptions struct {
	IO       *IOStreams
	Sessions sessionDir

	Session     string
	Format      string
	Output      string
	Credentials bool
}

// NewCmdSessionExport returns "limpet session export"; runF, when not
// nil, runs instead of the command (for tests).
func NewCmdSessionExport(f *Factory, runF func(*SessionExportOptions) error) *cobra.Command {
	opts := &SessionExportOptions{IO: f.IOStreams, Sessions: f.sessions()}
	cmd := &cobra.Command{
		Use:               "export SESSION",
		Short:             "Write a session's cookies as cookies.txt (curl, wget) or an HTTPie session file",
		Args:              wantArgs("SESSION"),
		ValidArgsFunction: completeSessionArg(f, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Session = args[0]
			if runF != nil {
				return runF(opts)
			}
			return runSessionExport(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "cookies", "cookies (Netscape cookies.txt) or httpie")
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write to this file (0600) instead of stdout")
	cmd.Flags().BoolVar(&opts.Credentials, "with-credentials", false, "write stored credentials or tokens into an HTTPie export (HTTPie keeps them in plain text)")
	completeFlagValues(cmd, "format", "cookies\tNetscape cookies.txt, for curl -b and wget", "httpie\tan HTTPie session file")
	return cmd
}

func runSessionExport(ctx context.Context, opts *SessionExportOptions) error {
	snap, err := loadSession(ctx, opts.Sessions, opts.Session)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch opts.Format {
	case "cookies", "cookies.txt", "netscape":
		err = cookiestxt.Write(&buf, snap.JarCookies())
	case "httpie":
		var hf *httpiesession.File
		if hf, err = httpiesession.Export(snap, httpiesession.ExportOptions{Credentials: opts.Credentials}); err == nil {
			var b []byte
			b, err = hf.Marshal()
			buf.Write(b)
		}
	default:
		return fmt.Errorf("--format %q: want cookies or httpie", opts.Format)
	}
	if err != nil {
		return err
	}
	if opts.Output == "" || opts.Output == "-" {
		_, err = opts.IO.Out.Write(buf.Bytes())
		return err
	}
	if err := saveBytes(opts.Output, buf.Bytes()); err != nil {
		return fmt.Errorf("session export: writing %s: %w", opts.Output, err)
	}
	return nil
}

// SessionImportOptions are the options of "limpet session import".
type SessionImportOptions struct {
	IO       *IOStreams
	Sessions sessionDir
	Now      func() time.Time

	Session string
	File    string
	Format  string
	Host    string
}

// NewCmdSessionImport returns "limpet session import"; runF, when not
// nil, runs instead of the command (for tests).
func NewCmdSessionImport(f *Factory, runF func(*SessionImportOptions) error) *cobra.Command {
	opts := &SessionImportOptions{IO: f.IOStreams, Sessions: f.sessions(), Now: f.Now}
	cmd := &cobra.Command{
		Use:   "import SESSION FILE",
		Short: "Add the cookies of a cookies.txt or HTTPie session file to a session",
		Long: `Add the cookies of FILE to SESSION, creating it if needed. SESSION is a path, or
HOST_PORT/NAME ("localhost_8080/app") for a stored session.`,
		Args: wantArgs("SESSION", "FILE"),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return completeSessionArg(f, 0)(cmd, args, toComplete)
			}
			return nil, cobra.ShellCompDirectiveDefault // FILE
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Session, opts.File = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return runSessionImport(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "auto", "auto, cookies or httpie")
	cmd.Flags().StringVar(&opts.Host, "host", "", "host for an HTTPie file's unbound cookies (default: from the session name)")
	completeFlagValues(cmd, "format", "auto\tfrom the file's content", "cookies\tNetscape cookies.txt", "httpie\tan HTTPie session file")
	return cmd
}

func runSessionImport(ctx context.Context, opts *SessionImportOptions) error {
	data, err := os.ReadFile(opts.File)
	if err != nil {
		return err
	}
	f, err := opts.Sessions.importTarget(opts.Session)
	if err != nil {
		return err
	}
	now := opts.Now()
	var snap store.Snapshot
	isJSON := bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
	format := opts.Format
	switch {
	case format == "httpie" || (format == "auto" || format == "") && isJSON:
		host := opts.Host
		if host == "" {
			host = hostOfSession(opts.Session)
		}
		snap, err = httpiesession.Import(data, httpiesession.ImportOptions{Host: host, Now: now})
	case format == "" || format == "auto" || format == "cookies" || format == "cookies.txt" || format == "netscape":
		var cookies []jar.Cookie
		cookies, err = cookiestxt.Parse(data, cookiestxt.Options{})
		snap = store.Snapshot{Cookies: store.CookiesFromJar(stamp(cookies, now))}
	default:
		return fmt.Errorf("--format %q: want auto, cookies or httpie", format)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", opts.File, err)
	}
	merged, err := f.Save(ctx, snap)
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "imported %s; the session now holds %s\n", cookies(len(snap.Cookies)), cookies(len(merged.Cookies)))
	return nil
}

// hostOfSession guesses the host of a stored session name
// ("localhost_8080/app" → "localhost").
func hostOfSession(name string) string {
	dir, _, ok := strings.Cut(name, "/")
	if !ok || isSessionPath(name) {
		return ""
	}
	if i := strings.LastIndexByte(dir, '_'); i > 0 {
		return dir[:i]
	}
	return dir
}

// importTarget is the session an import writes to: an existing one, a
// path, or a new stored name HOST_PORT/NAME.
func (sd sessionDir) importTarget(arg string) (sessionFile, error) {
	if f, _, err := sd.find(arg); err == nil {
		return f, nil
	}
	if isSessionPath(arg) {
		return fileSession{filestore.Open(sd.expandHome(arg), filestore.Options{})}, nil
	}
	st, err := sd.store()
	if err != nil {
		return nil, err
	}
	if !strings.Contains(arg, "/") {
		return nil, fmt.Errorf("no session %q; name a new one as HOST_PORT/NAME (e.g. localhost_8080/%s) or give a path", arg, arg)
	}
	return st.file(arg)
}

// stamp gives imported cookies creation and update times, so that a merge
// takes them as the newest state.
func stamp(cs []jar.Cookie, now time.Time) []jar.Cookie {
	for i := range cs {
		if cs[i].Created.IsZero() {
			cs[i].Created = now.Add(time.Duration(i) * time.Microsecond)
		}
		cs[i].Updated, cs[i].LastAccess = now, now
	}
	return cs
}

// sameName lists the stored sessions called name, for any host.
func (sd sessionDir) sameName(ctx context.Context, name string) []string {
	if strings.Contains(name, "/") {
		return nil
	}
	st, err := sd.store()
	if err != nil {
		return nil
	}
	names, _ := st.List(ctx)
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, "/"+name) {
			out = append(out, n)
		}
	}
	return out
}

// NewCmdCookies returns "limpet cookies": why.
func NewCmdCookies(f *Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "cookies", Short: "Explain which cookies go with a request"}
	cmd.AddCommand(NewCmdCookiesWhy(f, nil))
	return cmd
}

// CookiesWhyOptions are the options of "limpet cookies why".
type CookiesWhyOptions struct {
	IO       *IOStreams
	Sessions sessionDir
	// Now is the clock that tells which cookies have expired.
	Now func() time.Time
	// DefaultScheme is the scheme of a URL given without one (":8080/x"):
	// the command's, "https" for limpet-s.
	DefaultScheme string

	Session string
	URL     string
}

// NewCmdCookiesWhy returns "limpet cookies why"; runF, when not nil, runs
// instead of the command (for tests).
func NewCmdCookiesWhy(f *Factory, runF func(*CookiesWhyOptions) error) *cobra.Command {
	opts := &CookiesWhyOptions{IO: f.IOStreams, Sessions: f.sessions(), Now: f.Now, DefaultScheme: "http"}
	if f.HTTPS {
		opts.DefaultScheme = "https"
	}
	return &cobra.Command{
		Use:   "why SESSION URL",
		Short: "Tell, for each cookie of SESSION, whether a request to URL carries it, and why not",
		Long: `Tell, for each cookie of SESSION, whether a request to URL carries it, and why not:
expired (cookies that expired since the session was saved are listed too), another
host, a path that does not match, a Secure cookie over plain http.

URL takes the shorthands of requests: :8080/x is http://localhost:8080/x (https
with limpet-s), example.org/x is http://example.org/x.

  limpet cookies why shop :8080/admin/report`,
		Args: wantArgs("SESSION", "URL"),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return completeSessionArg(f, 0)(cmd, args, toComplete)
			}
			return nil, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Session, opts.URL = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return runCookiesWhy(cmd.Context(), opts)
		},
	}
}

func runCookiesWhy(ctx context.Context, opts *CookiesWhyOptions) error {
	out := opts.IO.Out
	ireq, err := items.Parse([]string{opts.URL}, items.Options{DefaultScheme: opts.DefaultScheme})
	if err != nil {
		return fmt.Errorf("URL %q: %w", opts.URL, err)
	}
	u := ireq.URL
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	// The session file a request to u would use.
	f, name, err := opts.Sessions.file(opts.Session, u, "")
	if err != nil {
		return err
	}
	label := name
	if label == "" {
		label = opts.Session
	}
	snap, err := f.Load(ctx)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(out, "no session %q for %s yet (%s, file %s): a request to %s with --session=%s sends no stored cookies\n",
			opts.Session, u.Host, label, f.Path(), u.Redacted(), opts.Session)
		if others := opts.Sessions.sameName(ctx, opts.Session); len(others) > 0 {
			fmt.Fprintf(out, "sessions named %q are kept for other hosts: %s\n", opts.Session, strings.Join(others, ", "))
		}
		return nil
	}
	if err != nil {
		return sessionLoadError(opts.Session, err)
	}
	fmt.Fprintf(out, "session %s (file %s) for %s:\n", label, f.Path(), u.Redacted())
	j := jar.New(jar.Options{Clock: now})
	cookies := snap.JarCookies()
	if err := j.Restore(cookies); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 4, 3, ' ', 0)
	// Restore leaves expired cookies out; they are explained after the others.
	for _, d := range append(j.Explain(u), explainExpired(cookies, u, now())...) {
		if d.Sent() {
			fmt.Fprintf(tw, "%s\tsent\n", d.Cookie.Name)
		} else {
			fmt.Fprintf(tw, "%s\tnot sent: %s\n", d.Cookie.Name, d.Detail)
		}
	}
	if _, header, _, ok := spring.SavedCSRF(snap); ok && header != "" {
		fmt.Fprintf(tw, "(CSRF token goes in header %s on unsafe methods)\n", header)
	}
	return tw.Flush()
}

// displayFlow names a recipe's flow in the command line's words, whoever
// saved it (the spring and tomcat packages name theirs otherwise).
func displayFlow(flow string) string {
	switch flow {
	case spring.FlowForm:
		return flowForm
	case spring.FlowBasic:
		return flowBasic
	case tomcatFormFlow:
		return flowTomcat
	}
	return flow
}

// explainExpired explains the cookies expired at now, sorted by name: a
// request to u does not carry them, and when another rule would keep one back
// even before it expired, the detail says that too.
func explainExpired(cookies []jar.Cookie, u *url.URL, now time.Time) []jar.Decision {
	var out []jar.Decision
	for _, c := range cookies {
		if !c.Expired(now) {
			continue
		}
		d := jar.Decision{Cookie: c, Reason: jar.NotSentExpired, Detail: "expired at " + c.Expires.UTC().Format(time.RFC3339)}
		// The decision the moment before it expired.
		before := c.Expires.Add(-time.Nanosecond)
		j := jar.New(jar.Options{Clock: func() time.Time { return before }})
		if j.Restore([]jar.Cookie{c}) == nil {
			if ds := j.Explain(u); len(ds) == 1 && !ds[0].Sent() {
				d.Detail += "; also " + ds[0].Detail
			}
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b jar.Decision) int { return strings.Compare(a.Cookie.Name, b.Cookie.Name) })
	return out
}
