package main

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{7}, 7},
	} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if got := median(nil); !math.IsNaN(got) {
		t.Errorf("median(nil) = %v, want NaN", got)
	}
	in := []float64{3, 1, 2}
	median(in)
	if !slices.Equal(in, []float64{3, 1, 2}) {
		t.Errorf("median reordered its input: %v", in)
	}
}

func TestRatiosAndSpread(t *testing.T) {
	rs := ratios([]float64{2, 3, math.NaN()}, []float64{1, 2, 4})
	if rs[0] != 2 || rs[1] != 1.5 || !math.IsNaN(rs[2]) {
		t.Errorf("ratios = %v", rs)
	}
	if got := spread(rs); got != "1.50–2.00×" {
		t.Errorf("spread = %q", got)
	}
	if got := spread([]float64{math.NaN()}); got != "–" {
		t.Errorf("spread of nothing = %q", got)
	}
}

func TestNoisyRounds(t *testing.T) {
	idx, why := noisyRounds([]float64{100, 104, 60, 98, math.NaN(), 130})
	if !slices.Equal(idx, []int{2, 5}) {
		t.Errorf("noisy rounds %v (%v), want [2 5]", idx, why)
	}
	if len(why) != 2 || !strings.HasPrefix(why[0], "round 3: -") || !strings.HasPrefix(why[1], "round 6: +") {
		t.Errorf("descriptions %q", why)
	}
}

func TestTable(t *testing.T) {
	var sb strings.Builder
	table(&sb, []string{"a", "b"}, "lr", [][]string{{"x", "1"}})
	want := "| a | b |\n|---|---:|\n| x | 1 |\n"
	if sb.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", sb.String(), want)
	}
}

func TestLogTicks(t *testing.T) {
	var labels []string
	for _, tk := range logTicks(0.8, 30) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	if want := []string{"1", "2", "5", "10", "20"}; !slices.Equal(labels, want) {
		t.Errorf("labels %v, want %v", labels, want)
	}
}

func TestTimeOp(t *testing.T) {
	n := 0
	for _, cpu := range []bool{false, true} {
		n = 0
		ns, allocs := timeOp(func() { n++ }, 0, cpu)
		if n != 1+batches || ns < 0 || allocs != 0 {
			t.Errorf("timeOp (cpu %v) ran %d times, %v ns, %v allocs", cpu, n, ns, allocs)
		}
	}
}

func TestRotate(t *testing.T) {
	xs := []string{"a", "b", "c"}
	for k, want := range [][]string{{"a", "b", "c"}, {"b", "c", "a"}, {"c", "a", "b"}, {"a", "b", "c"}} {
		if got := rotate(xs, k); !slices.Equal(got, want) {
			t.Errorf("rotate(%v, %d) = %v, want %v", xs, k, got, want)
		}
	}
	if !slices.Equal(xs, []string{"a", "b", "c"}) {
		t.Errorf("rotate changed its input: %v", xs)
	}
}
