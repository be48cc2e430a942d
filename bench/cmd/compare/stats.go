package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// median returns the median of xs (NaN for none).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ratios divides a by b round by round; a round missing on either side
// (NaN) gives NaN.
func ratios(a, b []float64) []float64 {
	out := make([]float64, min(len(a), len(b)))
	for i := range out {
		out[i] = a[i] / b[i]
	}
	return out
}

// finite drops NaN and infinite values.
func finite(xs []float64) []float64 {
	var out []float64
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// spread formats the range of per-round ratios as "0.91–1.07×".
func spread(rs []float64) string {
	rs = finite(rs)
	if len(rs) == 0 {
		return "–"
	}
	return fmt.Sprintf("%s–%s×", num(slices.Min(rs)), num(slices.Max(rs)))
}

// noiseLimit is how far (as a fraction) a round's baseline may stray from
// the baseline's median across rounds before the round is called noisy.
const noiseLimit = 0.15

// noisyRounds returns the rounds (0-based) whose baseline value strays
// more than noiseLimit from the median, and a description of each.
func noisyRounds(baseline []float64) ([]int, []string) {
	m := median(finite(baseline))
	var idx []int
	var why []string
	for i, x := range baseline {
		if math.IsNaN(x) {
			continue
		}
		if d := x/m - 1; math.Abs(d) > noiseLimit {
			idx = append(idx, i)
			why = append(why, fmt.Sprintf("round %d: %+.0f%%", i+1, 100*d))
		}
	}
	return idx, why
}

// num formats a ratio or small number with 2 or 3 significant digits.
func num(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	case x >= 0.1:
		return fmt.Sprintf("%.2f", x)
	default:
		return fmt.Sprintf("%.3g", x)
	}
}

// dur formats nanoseconds with a unit.
func dur(ns float64) string {
	switch {
	case math.IsNaN(ns):
		return "–"
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

// table writes a Markdown table; align holds "l" or "r" per column.
func table(sb *strings.Builder, head []string, align string, rows [][]string) {
	sb.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	for _, a := range align {
		if a == 'r' {
			sb.WriteString("---:|")
		} else {
			sb.WriteString("---|")
		}
	}
	sb.WriteString("\n")
	for _, r := range rows {
		sb.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
}
