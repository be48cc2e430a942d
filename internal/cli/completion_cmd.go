package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// bashShims stand in for the two functions of the bash-completion package
// that cobra's bash completion calls, so that completion works in a bash
// without that package (Debian's minimal images, macOS's bash 3 without
// Homebrew's). With the package loaded, its own functions are used.
const bashShims = `
# Without the bash-completion package: minimal stand-ins for the functions
# of it that this script calls.
if ! declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
_get_comp_words_by_ref() {
    # The words before the cursor, split on white space only (so that
    # --session=NAME and :8080 stay whole), into cur prev words cword.
    local line=${COMP_LINE:0:COMP_POINT}
    local -a ws
    read -r -a ws <<<"$line"
    if [[ -z $line || $line =~ [[:space:]]$ ]]; then
        ws+=("")
    fi
    cur=${ws[${#ws[@]}-1]}
    prev=
    if ((${#ws[@]} > 1)); then
        prev=${ws[${#ws[@]}-2]}
    fi
    words=("${ws[@]}")
    cword=$((${#ws[@]} - 1))
}
fi
if ! declare -F _filedir >/dev/null 2>&1; then
_filedir() {
    # Directories, and files (ending in one of the extensions $1 lists,
    # as "json|yaml|", when it is given; -d: directories only).
    local IFS=$'\n' ext=${1-}
    COMPREPLY=($(compgen -d -- "$cur"))
    if [[ $ext != -d ]]; then
        local x
        for x in $(compgen -f -- "$cur"); do
            if [[ -z $ext || -d $x || "|$ext" == *"|${x##*.}|"* ]]; then
                COMPREPLY+=("$x")
            fi
        done
    fi
    compopt -o filenames 2>/dev/null
}
fi
`

// NewCmdCompletion returns "limpet completion": the shell completion
// scripts, that complete flags, their values and stored session names.
func NewCmdCompletion(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script: flags, their values and stored session names",
		Long: `Print the completion script for a shell. It completes subcommands, flags, flag values
(--pretty, -A, --style, --ssl ...) and stored session names (--session, limpet session
show ...); a session given as a path (./ or /) completes .json files.

bash: add to ~/.bashrc (bash 4.1 or later; the bash-completion package is not needed)
    source <(limpet completion bash)
  or, with the bash-completion package, for every new shell:
    limpet completion bash > ~/.local/share/bash-completion/completions/limpet
zsh: in ~/.zshrc, after compinit
    source <(limpet completion zsh)
fish:
    limpet completion fish > ~/.config/fish/completions/limpet.fish
PowerShell: in your profile
    limpet completion powershell | Out-String | Invoke-Expression`,
		Args:      wantArgs("SHELL"),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeCompletion(f.IOStreams.Out, cmd.Root(), args[0])
		},
	}
	return cmd
}

// writeCompletion writes the completion script of root for a shell.
func writeCompletion(w io.Writer, root *cobra.Command, shell string) error {
	switch shell {
	case "bash":
		if err := root.GenBashCompletionV2(w, true); err != nil {
			return err
		}
		_, err := io.WriteString(w, bashShims)
		return err
	case "zsh":
		return root.GenZshCompletion(w)
	case "fish":
		return root.GenFishCompletion(w, true)
	case "powershell":
		return root.GenPowerShellCompletionWithDesc(w)
	}
	return fmt.Errorf("completion: no script for %q; limpet has them for bash, zsh, fish and powershell", shell)
}
