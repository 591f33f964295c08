package feature

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/recforge/recforge/internal/shareddata"
)

// criteoColumns names the 40 columns of a Criteo line.
func criteoColumns() []string {
	c := []string{"label"}
	for i := 1; i <= 13; i++ {
		c = append(c, fmt.Sprintf("I%d", i))
	}
	for i := 1; i <= 26; i++ {
		c = append(c, fmt.Sprintf("C%d", i))
	}
	return c
}

// readCriteo calls fn with each line of a Criteo TSV file split into its
// columns (a stand-in for package data's reader, which this package must
// not depend on in tests of its own behaviour).
func readCriteo(t testing.TB, path string, fn func(line int, cols [][]byte)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	var cols [][]byte
	for sc.Scan() {
		line++
		cols = append(cols[:0], bytes.Split(sc.Bytes(), []byte{'\t'})...)
		fn(line, cols)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestCriteo8kAgainstREADME fits criteo-8k's train.csv and checks the row
// count, clicks, distinct values per categorical and missing integers per
// field against the figures in its README.
func TestCriteo8kAgainstREADME(t *testing.T) {
	path := filepath.Join(shareddata.Dir(t), "criteo-8k", "train.csv")
	s, err := LoadSchema("testdata/criteo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Fields {
		if s.Fields[i].Type == Categorical {
			s.Fields[i].MinCount = 1 // the README counts the empty value too
		}
	}
	for i := 1; i <= 13; i++ { // plain numerics alongside, to count missing values
		s.Fields = append(s.Fields, Field{Name: fmt.Sprintf("raw_I%d", i), Column: fmt.Sprintf("I%d", i), Type: Numeric})
	}
	columns := criteoColumns()
	ft, err := NewFitter(s, columns)
	if err != nil {
		t.Fatal(err)
	}
	readCriteo(t, path, func(line int, cols [][]byte) {
		if err := ft.Observe(cols); err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
	})
	e, err := ft.Encoders()
	if err != nil {
		t.Fatal(err)
	}
	if ft.Rows() != 7200 {
		t.Errorf("%d rows, README says 7,200", ft.Rows())
	}
	distinct := []int{147, 360, 4137, 3101, 51, 8, 2645, 76, 3, 2410, 1805, 3969, 1515, 22, 1751, 3577, 9, 1012, 457, 4, 3792, 8, 12, 2008, 38, 1526}
	for i, want := range distinct {
		name := fmt.Sprintf("C%d", i+1)
		if got := e.Vocab(name).Len(); got != want {
			t.Errorf("%s: %d distinct values, README says %d", name, got, want)
		}
	}
	missing := []int64{3247, 0, 1447, 1456, 362, 1811, 347, 7, 347, 3247, 347, 5576, 1456}
	for i, want := range missing {
		st, _ := e.Stats(fmt.Sprintf("raw_I%d", i+1))
		if got := 7200 - st.Count; got != want {
			t.Errorf("I%d: %d missing, README says %d", i+1, got, want)
		}
	}
	if st, _ := e.Stats("raw_I2"); st.Min != -2 {
		t.Errorf("I2 min %v, README says -2", st.Min)
	}
	// Encoding every row gives 1,549 clicks and ids inside the id space.
	r, err := e.Bind(columns)
	if err != nil {
		t.Fatal(err)
	}
	ex := e.NewExample()
	clicks := 0
	readCriteo(t, path, func(line int, cols [][]byte) {
		if err := r.Encode(cols, ex); err != nil {
			t.Fatalf("%s:%d: %v", path, line, err)
		}
		clicks += int(ex.Label)
		for _, id := range ex.IDs {
			if id < 0 || int(id) >= e.Rows() {
				t.Fatalf("%s:%d: id %d outside [0, %d)", path, line, id, e.Rows())
			}
		}
	})
	if clicks != 1549 {
		t.Errorf("%d clicks, README says 1,549", clicks)
	}
}
