package springserver_test

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/springserver"
)

// TestProfilesMatchFixture checks that the profiles the launcher knows are the ones the fixture serves: the
// connectors of application-chains.properties, the Boot-default JVMs, and the names start.sh accepts.
func TestProfilesMatchFixture(t *testing.T) {
	root := filepath.Join("..", "..", "..", "interop", "spring")
	props, err := os.ReadFile(filepath.Join(root, "common", "src", "main", "resources", "application-chains.properties"))
	if err != nil {
		t.Fatal(err)
	}
	var connectors []string
	sc := bufio.NewScanner(strings.NewReader(string(props)))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "limpet.connectors="); ok {
			connectors = strings.Split(v, ",")
		}
	}
	if len(connectors) == 0 {
		t.Fatal("application-chains.properties has no limpet.connectors")
	}
	want := append(slices.Clone(connectors), "default", "secure", "timeout", springserver.MatrixProfile)
	slices.Sort(want)
	if got := springserver.Profiles(); !slices.Equal(got, want) {
		t.Fatalf("Profiles() = %v, fixture serves %v", got, want)
	}

	script, err := os.ReadFile(filepath.Join(root, "common.sh"))
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^\s*([a-z |]+)\) echo chains ;;$`).FindSubmatch(script)
	if line == nil {
		t.Fatal("common.sh: no jvm_for line for the chains JVM")
	}
	scriptNames := strings.Split(strings.ReplaceAll(string(line[1]), " ", ""), "|")
	slices.Sort(scriptNames)
	slices.Sort(connectors)
	if !slices.Equal(scriptNames, connectors) {
		t.Fatalf("common.sh maps %v to the chains JVM, the fixture has connectors %v", scriptNames, connectors)
	}
}

func TestJarPath(t *testing.T) {
	build := func(version, run string, complete bool) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			target := filepath.Join(dir, version, "target")
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(target, run), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(target, "current"), []byte(run+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(target, run, "limpet-spring-fixture-"+version+".jar"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if complete {
				if err := os.WriteFile(filepath.Join(target, run, "complete"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	tests := []struct {
		name    string
		version string
		setup   func(t *testing.T, dir string)
		wantJar string // relative to the fixture directory; "" when an error is wanted
	}{
		{"nothing built", springserver.Boot3, func(*testing.T, string) {}, ""},
		{"built", springserver.Boot4, build("boot4", "run-abc", true), "boot4/target/run-abc/limpet-spring-fixture-boot4.jar"},
		{"incomplete run directory", springserver.Boot4, build("boot4", "run-abc", false), ""},
		{"current escapes target", springserver.Boot3, build("boot3", "..", true), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(t, dir)
			t.Setenv("LIMPET_SPRING_DIR", dir)
			jar, err := springserver.JarPath(tt.version)
			if tt.wantJar == "" {
				if !errors.Is(err, springserver.ErrNotBuilt) {
					t.Fatalf("JarPath = %q, %v; want ErrNotBuilt", jar, err)
				}
				return
			}
			if err != nil || jar != filepath.Join(dir, filepath.FromSlash(tt.wantJar)) {
				t.Fatalf("JarPath = %q, %v; want %s", jar, err, tt.wantJar)
			}
		})
	}
	if _, err := springserver.JarPath("boot2"); err == nil {
		t.Fatal("JarPath accepted an unknown version")
	}
}

// TestJavaOptionsMatchBuild checks that the launcher starts the JVM with the options build.sh records the
// class-data-sharing archive with (common.sh), which the archive needs to be usable.
func TestJavaOptionsMatchBuild(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "..", "interop", "spring", "common.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^DEFAULT_JAVA_OPTS="([^"]*)"$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("common.sh: no DEFAULT_JAVA_OPTS")
	}
	if got, want := springserver.JavaOptions(), strings.Fields(string(m[1])); !slices.Equal(got, want) {
		t.Fatalf("launcher options %v, common.sh %v", got, want)
	}
}
