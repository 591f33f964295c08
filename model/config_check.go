package model

import (
	"fmt"
	"math"
	"strings"
)

// The checks of the models' hyper-parameters. Each returns an error that
// names the option, its value and what was expected, for a configuration
// file's author; nil when the value is fine.

// cfgAtLeast checks an integer option against its minimum.
func cfgAtLeast(option string, v, min int) error {
	if v < min {
		return fmt.Errorf("%s = %d, want ≥ %d", option, v, min)
	}
	return nil
}

// cfgNonNegative checks that v is finite and ≥ 0 (L2 strengths).
func cfgNonNegative(option string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 0) {
		return fmt.Errorf("%s = %v, want a finite value ≥ 0", option, v)
	}
	return nil
}

// cfgDropout checks that v is a dropout rate in [0, 1).
func cfgDropout(option string, v float64) error {
	if !(v >= 0 && v < 1) {
		return fmt.Errorf("%s = %v, want a rate in [0, 1)", option, v)
	}
	return nil
}

// cfgWidths checks hidden layer widths: at least minLayers of them, each
// ≥ 1.
func cfgWidths(option string, widths []int, minLayers int) error {
	if len(widths) < minLayers {
		return fmt.Errorf("%s = %v, want at least %d layer width(s)", option, widths, minLayers)
	}
	for i, w := range widths {
		if w < 1 {
			return fmt.Errorf("%s[%d] = %d, want ≥ 1", option, i, w)
		}
	}
	return nil
}

// cfgInitStd checks the standard deviation of the embeddings' initial
// values: finite and > 0, since 0 would start every embedding at the same
// point (for the FM family, where the pairwise terms have zero gradient and
// never leave it).
func cfgInitStd(std float64) error {
	if !(std > 0) || math.IsInf(std, 0) {
		return fmt.Errorf("init_std = %v, want a finite value > 0", std)
	}
	return nil
}

// cfgChoice returns the value paired with v, where names[i] spells
// values[i], or an error listing the names.
func cfgChoice[T any](option, v string, names []string, values []T) (T, error) {
	for i, name := range names {
		if v == name {
			return values[i], nil
		}
	}
	var zero T
	return zero, fmt.Errorf("%s = %q, want %s", option, v, quotedList(names))
}

// quotedList spells names as `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
