package dataset

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// A built-in schema's label option decides what Inspect counts as a click.
func TestInspectAppliesLabelOptions(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for i, label := range []string{"<=50K", ">50K", ">50K.", "<=50K", "<=50K."} {
		lines = append(lines, fmt.Sprintf("%d, Private, 77516, Bachelors, 13, Never-married, Adm-clerical, Not-in-family, White, Male, 0, 0, 40, United-States, %s", 20+i, label))
	}
	path := writeFile(t, filepath.Join(dir, "adult.data"), strings.Join(lines, "\n")+"\n")
	ins, err := Inspect(context.Background(), "adult:"+path, InspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l := ins.Label
	if l == nil || !l.Binarized || !l.Binary || l.Positives != 2 || l.Values != 5 || l.PositiveRate != 0.4 {
		t.Fatalf("label %+v, want 2 positives of 5 through the positive option", l)
	}
	var b strings.Builder
	if err := ins.WriteText(&b); err != nil || !strings.Contains(b.String(), "2 positive of 5") {
		t.Errorf("report: %v\n%s", err, b.String())
	}
}
