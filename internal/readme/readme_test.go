package readme

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/format"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mccutchen/go-httpbin/v2/httpbin"

	"github.com/limpet-http/limpet/internal/cli"
)

// readme returns README.md and the module's root directory.
func readme(t *testing.T) (string, string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b), root
}

// block is a fenced code block of README.md.
type block struct {
	lang, text string
	line       int    // of the opening fence
	section    string // the "## " heading it is under
}

func blocks(md string) []block {
	var out []block
	var cur *block
	section := ""
	for i, line := range strings.Split(md, "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "## "):
			section = strings.TrimPrefix(line, "## ")
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{lang: strings.TrimPrefix(line, "```"), line: i + 1, section: section}
		case cur != nil && line == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	return out
}

// TestGoSnippets compiles every Go snippet of README.md as it is printed
// (each is a whole program), and checks that it is gofmt'ed. The snippets
// are laid into the module through an overlay: nothing is written into
// the repository.
func TestGoSnippets(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is needed to compile the snippets")
	}
	md, root := readme(t)
	tmp := t.TempDir()
	overlay := map[string]string{}
	var pkgs []string
	n := 0
	for _, b := range blocks(md) {
		if b.lang != "go" {
			continue
		}
		n++
		formatted, err := format.Source([]byte(b.text))
		if err != nil {
			t.Errorf("README.md:%d: the Go snippet does not parse: %v", b.line, err)
			continue
		}
		if !bytes.Equal(formatted, []byte(b.text)) {
			t.Errorf("README.md:%d: the Go snippet is not gofmt'ed", b.line)
		}
		if !strings.HasPrefix(b.text, "package main\n") {
			t.Errorf("README.md:%d: a Go snippet is a whole program (package main, its imports, func main)", b.line)
			continue
		}
		file := filepath.Join(tmp, fmt.Sprintf("snippet%d.go", n))
		if err := os.WriteFile(file, []byte(b.text), 0o600); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, "internal", "readme", fmt.Sprintf("readme_snippet_line%d", b.line))
		overlay[filepath.Join(dir, "main.go")] = file
		pkgs = append(pkgs, dir)
	}
	if n < 3 {
		t.Fatalf("found %d Go snippets in README.md; the test looks for ```go blocks", n)
	}
	ov, _ := json.Marshal(map[string]any{"Replace": overlay})
	ovFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(ovFile, ov, 0o600); err != nil {
		t.Fatal(err)
	}
	// What the README tells to install and run from a checkout, too.
	for _, cmd := range []string{"go install ./cmd/limpet ", "go install ./cmd/limpet-s ", "go run github.com/mccutchen/go-httpbin/v2/cmd/go-httpbin "} {
		if !strings.Contains(md, cmd) {
			t.Errorf("README.md no longer says %q: update this test", cmd)
		}
	}
	pkgs = append(pkgs, "./cmd/limpet", "./cmd/limpet-s", "github.com/mccutchen/go-httpbin/v2/cmd/go-httpbin")
	// Several main packages: compiled and type-checked, not linked.
	cmd := exec.Command(goTool, append([]string{"build", "-overlay", ovFile}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the README's Go snippets do not compile: %v\n%s", err, out)
	}
}

// TestCommandLineQuickStart runs every command of the README's command
// line quick start, as printed, against a local go-httpbin (the server the
// README tells to start), and checks that each succeeds. The commands that
// ask for a password get it typed at a pretend terminal.
func TestCommandLineQuickStart(t *testing.T) {
	md, root := readme(t)
	var lines []string
	for _, b := range blocks(md) {
		if b.section == "Quick start: the command line" && b.lang == "console" {
			for _, l := range strings.Split(b.text, "\n") {
				if strings.HasPrefix(l, "$ ") {
					lines = append(lines, strings.TrimPrefix(l, "$ "))
				}
			}
		}
	}
	if len(lines) < 8 {
		t.Fatalf("found %d commands in the quick start", len(lines))
	}
	srv := httptest.NewServer(httpbin.New())
	defer srv.Close()
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]

	work := t.TempDir()
	readmeCopy, _ := os.ReadFile(filepath.Join(root, "README.md"))
	if err := os.WriteFile(filepath.Join(work, "README.md"), readmeCopy, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	env := map[string]string{}
	for _, line := range lines {
		words, err := shellWords(line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if words[0] == "export" {
			k, v, _ := strings.Cut(words[1], "=")
			env[k] = v
			continue
		}
		if words[0] != "limpet" {
			t.Fatalf("the quick start runs %q; this test knows limpet and export", words[0])
		}
		for i, w := range words {
			w = strings.ReplaceAll(w, ":8080", ":"+port)
			words[i] = strings.ReplaceAll(w, "localhost_8080", "localhost_"+port)
		}
		ios, out, errOut := cli.TestStreams("s3cret\n", true)
		f := cli.NewFactory(ios)
		f.Getenv = func(k string) string { return env[k] }
		f.ConfigDir = func() (string, error) { return filepath.Join(work, "config"), nil }
		f.HomeDir = func() (string, error) { return work, nil }
		if code := cli.Run(context.Background(), words[1:], f); code != 0 {
			t.Errorf("%s: exit status %d\n%s%s", line, code, out, errOut)
			continue
		}
		if want := regexp.MustCompile(`\{"cookies": \{"cart": "42"\}\}`); want.MatchString(line) && !strings.Contains(out.String(), `"cart"`) {
			t.Errorf("%s: the cookie was not sent again:\n%s", line, out)
		}
	}
}

// shellWords splits a command line as a POSIX shell would for these
// simple cases: words, '...' and "..." quotes, a # comment.
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(line[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("unclosed %c", c)
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord:
			i = len(line)
		case strings.IndexByte("&|;<>()$`*?", c) >= 0:
			return nil, fmt.Errorf("%q needs quotes in a shell", c)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
