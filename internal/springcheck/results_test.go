package springcheck_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/springcheck"
)

func TestResultsRoundTrip(t *testing.T) {
	r := springcheck.Results{
		{Version: "boot4", Cell: "csrf=off,login=basic", Check: springcheck.CheckGet, Column: springcheck.CLI}:     springcheck.Fail,
		{Version: "boot4", Cell: "csrf=off,login=basic", Check: springcheck.CheckLogin, Column: springcheck.CLI}:   springcheck.Pass,
		{Version: "boot3", Cell: "csrf=off,login=basic", Check: springcheck.CheckGet, Column: springcheck.Library}: springcheck.Pass,
	}
	text := r.Format()
	want := "boot3 csrf=off,login=basic get library pass\n" +
		"boot4 csrf=off,login=basic login cli pass\n" +
		"boot4 csrf=off,login=basic get cli fail\n"
	if !strings.HasSuffix(string(text), want) {
		t.Fatalf("Format:\n%s\nwant the lines in table order:\n%s", text, want)
	}
	back, err := springcheck.ParseResults(bytes.NewReader(text))
	if err != nil || len(back) != len(r) {
		t.Fatalf("ParseResults: %v, %d results", err, len(back))
	}
	for k, v := range r {
		if back[k] != v {
			t.Fatalf("%s: %q after the round trip, want %q", k, back[k], v)
		}
	}
	if p, a := back.Totals("boot4", springcheck.CLI); p != 1 || a != 2 {
		t.Fatalf("Totals(boot4, cli) = %d/%d, want 1/2", p, a)
	}
}

func TestParseResultsErrors(t *testing.T) {
	for _, in := range []string{
		"boot3 cell get library maybe\n",
		"boot3 cell get browser pass\n",
		"boot3 cell get library\n",
		"boot3 cell get library pass\nboot3 cell get library fail\n",
	} {
		if _, err := springcheck.ParseResults(strings.NewReader(in)); !errors.Is(err, springcheck.ErrFormat) {
			t.Errorf("ParseResults(%q): %v, want ErrFormat", in, err)
		}
	}
	r, err := springcheck.ParseResults(strings.NewReader("# comment\n\n  boot3 c get cli pass  \n"))
	if err != nil || len(r) != 1 {
		t.Fatalf("comments and blank lines: %v %v", r, err)
	}
}

func TestTable(t *testing.T) {
	r := springcheck.Results{
		{Version: "boot3", Cell: "c1", Check: springcheck.CheckLogin, Column: springcheck.Library}: springcheck.Pass,
		{Version: "boot3", Cell: "c1", Check: springcheck.CheckLogin, Column: springcheck.CLI}:     springcheck.Fail,
	}
	table := r.Table()
	for _, want := range []string{"| boot3 | 1/1 | 0/1 |", "| `c1` | · | ✓✗ | · |"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	doc := []byte("intro\n" + springcheck.TableBegin + "\nold\n" + springcheck.TableEnd + "\nrest\n")
	out, err := springcheck.ReplaceTable(doc, "new\n")
	if err != nil || string(out) != "intro\n"+springcheck.TableBegin+"\nnew\n"+springcheck.TableEnd+"\nrest\n" {
		t.Fatalf("ReplaceTable: %q %v", out, err)
	}
	if _, err := springcheck.ReplaceTable([]byte("no markers"), "x"); !errors.Is(err, springcheck.ErrNoMarkers) {
		t.Fatalf("ReplaceTable without markers: %v", err)
	}
}

func FuzzParseResults(f *testing.F) {
	f.Add("boot3 cell get library pass\n")
	f.Add("# c\nboot4 a,b=c login cli fail\n")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := springcheck.ParseResults(strings.NewReader(in))
		if err != nil {
			return
		}
		back, err := springcheck.ParseResults(bytes.NewReader(r.Format()))
		if err != nil || len(back) != len(r) {
			t.Fatalf("Format of parsed results does not parse back: %v", err)
		}
		for k, v := range r {
			if back[k] != v {
				t.Fatalf("%s: %q, want %q", k, back[k], v)
			}
		}
	})
}

// TestDocTable: the table of docs/spring.md is the one testdata/expected.txt gives (-update writes it).
func TestDocTable(t *testing.T) {
	data, err := os.ReadFile(expectedFile)
	if err != nil {
		t.Fatal(err)
	}
	r, err := springcheck.ParseResults(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := springcheck.ReplaceTable(doc, r.Table())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(doc, want) {
		return
	}
	if *update {
		if err := os.WriteFile(docFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the table of %s is not the one of %s; go test ./internal/springcheck -run TestDocTable -update writes it",
		docFile, expectedFile)
}
