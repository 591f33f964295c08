package feature

import (
	"math"
	"testing"
)

func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true}, {"12", 12, true}, {"-2", -2, true}, {"+3", 3, true},
		{"1.5e2", 150, true}, {"0.25", 0.25, true}, {"-0.5", -0.5, true},
		{"123456789012345", 123456789012345, true},
		{"12345678901234567890", 12345678901234567890, true},
		{"", 0, false}, {"-", 0, false}, {"+", 0, false}, {"abc", 0, false}, {"1a", 0, false},
		{" 1", 0, false}, {"1e400", 0, false}, {"NaN", 0, false}, {"inf", 0, false}, {"-Inf", 0, false},
	} {
		got, ok := parseNumber([]byte(c.in))
		if ok != c.ok || got != c.want {
			t.Errorf("parseNumber(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// Hand-computed: ln(3)² = 1.207, ln(8)² = 4.324, ln(10)² = 5.302,
// ln(100)² = 21.208, ln(1000)² = 47.717, ln(2.5)² = 0.840.
func TestCriteoBucket(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want int64
	}{
		{-2, -2}, {-1.5, -2}, {0, 0}, {1, 1}, {1.5, 1}, {2, 2},
		{2.5, 0}, {3, 1}, {8, 4}, {10, 5}, {100, 21}, {1000, 47},
	} {
		got, ok := criteoBucket(c.in)
		if !ok || got != c.want {
			t.Errorf("criteoBucket(%v) = %d, %v; want %d", c.in, got, ok, c.want)
		}
	}
	if _, ok := criteoBucket(-math.MaxFloat64); ok {
		t.Error("criteoBucket(-MaxFloat64) should be out of range")
	}
	if got, ok := criteoBucket(math.MaxFloat64); !ok || got != 503791 { // ln(1.797e308)² = 709.7827² = 503791.5
		t.Errorf("criteoBucket(MaxFloat64) = %d, %v; want 503791", got, ok)
	}
}
