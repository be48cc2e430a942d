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
	want := append(slices.Clone(connectors), "default", "secure", "timeout")
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
	tests := []struct {
		name    string
		version string
		setup   func(dir string)
		wantErr error
	}{
		{"missing jar", springserver.Boot3, func(string) {}, springserver.ErrNotBuilt},
		{"built jar", springserver.Boot4, func(dir string) {
			target := filepath.Join(dir, "boot4", "target")
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(target, "limpet-spring-fixture-boot4.jar"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.setup(dir)
			t.Setenv("LIMPET_SPRING_DIR", dir)
			jar, err := springserver.JarPath(tt.version)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("JarPath: err %v, want %v", err, tt.wantErr)
			}
			if err == nil && jar != filepath.Join(dir, tt.version, "target", "limpet-spring-fixture-"+tt.version+".jar") {
				t.Fatalf("JarPath = %s", jar)
			}
		})
	}
	if _, err := springserver.JarPath("boot2"); err == nil {
		t.Fatal("JarPath accepted an unknown version")
	}
}
