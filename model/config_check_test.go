package model

import (
	"math"
	"testing"
)

func TestConfigChecks(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string // "" for no error
	}{
		{cfgAtLeast("units", 1, 1), ""},
		{cfgAtLeast("units", 0, 1), "units = 0, want ≥ 1"},
		{cfgNonNegative("l2", 0), ""},
		{cfgNonNegative("l2", -1e-9), "l2 = -1e-09, want a finite value ≥ 0"},
		{cfgNonNegative("l2", math.Inf(1)), "l2 = +Inf, want a finite value ≥ 0"},
		{cfgNonNegative("l2", math.NaN()), "l2 = NaN, want a finite value ≥ 0"},
		{cfgDropout("dropout", 0), ""},
		{cfgDropout("dropout", 0.999), ""},
		{cfgDropout("dropout", 1), "dropout = 1, want a rate in [0, 1)"},
		{cfgDropout("dropout", math.NaN()), "dropout = NaN, want a rate in [0, 1)"},
		{cfgWidths("hidden", nil, 0), ""},
		{cfgWidths("hidden", nil, 1), "hidden = [], want at least 1 layer width(s)"},
		{cfgWidths("hidden", []int{3, 0}, 1), "hidden[1] = 0, want ≥ 1"},
		{cfgInitStd(0.01), ""},
		{cfgInitStd(0), "init_std = 0, want a finite value > 0"},
		{cfgInitStd(math.Inf(1)), "init_std = +Inf, want a finite value > 0"},
	} {
		got := ""
		if c.err != nil {
			got = c.err.Error()
		}
		if got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestCfgChoice(t *testing.T) {
	names, values := []string{"a", "b", "c"}, []int{10, 20, 30}
	if v, err := cfgChoice("opt", "b", names, values); err != nil || v != 20 {
		t.Fatalf("b: %v, %v", v, err)
	}
	for _, c := range []struct {
		names []string
		want  string
	}{
		{names, `opt = "B", want "a", "b" or "c"`},
		{names[:2], `opt = "B", want "a" or "b"`},
		{names[:1], `opt = "B", want "a"`},
	} {
		v, err := cfgChoice("opt", "B", c.names, values)
		if err == nil || err.Error() != c.want || v != 0 {
			t.Errorf("got %v, %v; want 0, %q", v, err, c.want)
		}
	}
}
