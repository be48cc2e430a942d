package cli

import (
	"context"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// completeFlagValues makes the shell complete a flag with fixed values
// ("value\tdescription"), never with file names.
func completeFlagValues(cmd *cobra.Command, flag string, values ...string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		return withPrefix(values, toComplete), cobra.ShellCompDirectiveNoFileComp
	})
}

// withPrefix keeps the completions that start with prefix.
func withPrefix(values []string, prefix string) []string {
	var out []string
	for _, v := range values {
		if strings.HasPrefix(v, prefix) {
			out = append(out, v)
		}
	}
	return out
}

// storedSessionNames lists the names a SESSION argument may take for the
// stored sessions: each HOST_PORT/NAME, and NAME alone where only one
// host keeps a session of that name. Each comes with its host as the
// description.
func storedSessionNames(f *Factory, uniqueBare bool) []string {
	st, err := f.sessions().store()
	if err != nil {
		return nil
	}
	names, err := st.List(context.Background())
	if err != nil {
		return nil
	}
	hosts := map[string][]string{}
	var out []string
	for _, n := range names {
		dir, base, ok := strings.Cut(n, "/")
		if !ok {
			out = append(out, n)
			continue
		}
		hosts[base] = append(hosts[base], hostOfKey(dir))
		out = append(out, n+"\t"+hostOfKey(dir))
	}
	for base, hs := range hosts {
		if len(hs) == 1 || !uniqueBare {
			out = append(out, base+"\t"+strings.Join(hs, ", "))
		}
	}
	sort.Strings(out)
	return out
}

// completeSessionArg completes a SESSION argument of the session commands
// (at position pos) with the stored sessions, or with file names once it
// looks like a path.
func completeSessionArg(f *Factory, pos int) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if len(args) != pos {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		if looksLikePath(toComplete) {
			return []string{"json"}, cobra.ShellCompDirectiveFilterFileExt
		}
		return withPrefix(storedSessionNames(f, true), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// completeSessionFlag completes --session and --session-read-only: a name
// kept per host, HOST_PORT/NAME, or a path to a .json file.
func completeSessionFlag(f *Factory) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		if looksLikePath(toComplete) {
			return []string{"json"}, cobra.ShellCompDirectiveFilterFileExt
		}
		return withPrefix(storedSessionNames(f, false), toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// looksLikePath reports whether a partly typed session argument is a path.
func looksLikePath(s string) bool {
	return strings.HasPrefix(s, ".") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "~")
}

// completeRequestFlags registers the values of the request's flags.
func completeRequestFlags(cmd *cobra.Command, f *Factory) {
	completeFlagValues(cmd, "pretty", "all\tcolours and formatting", "colors\tcolours only", "format\tformatting only", "none\tthe bytes as they come")
	completeFlagValues(cmd, "auth-type", "basic\tHTTP Basic", "digest\tHTTP Digest", "bearer\ta bearer token")
	completeFlagValues(cmd, "verify", "yes\tverify TLS certificates", "no\tdo not verify them")
	completeFlagValues(cmd, "default-scheme", "http", "https")
	completeFlagValues(cmd, "style", styleNames()...)
	completeFlagValues(cmd, "ssl", "ssl2.3\tthe highest both sides know", "tls1", "tls1.1", "tls1.2", "tls1.3")
	completeFlagValues(cmd, "print", "H\trequest headers", "B\trequest body", "h\tresponse headers", "b\tresponse body", "m\tmetadata", "HBhb\tthe whole exchange", "hb\tthe response")
	completeFlagValues(cmd, "history-print", "H\trequest headers", "B\trequest body", "h\tresponse headers", "b\tresponse body", "m\tmetadata", "HBhb\tthe whole exchange", "hb\tthe response")
	completeFlagValues(cmd, "format-options", "headers.sort:", "json.format:", "json.indent:", "json.sort_keys:", "xml.format:", "xml.indent:")
	completeFlagValues(cmd, "response-mime", "application/json", "application/xml", "text/html", "text/plain", "text/xml")
	completeFlagValues(cmd, "response-charset", "utf-8", "iso-8859-1", "windows-1252", "shift_jis", "euc-jp", "big5", "gbk")
	_ = cmd.RegisterFlagCompletionFunc("session", completeSessionFlag(f))
	_ = cmd.RegisterFlagCompletionFunc("session-read-only", completeSessionFlag(f))
}
