package data

import "testing"

// The long-line error says how to raise the limit in each place a user
// meets it: the command line's flag, the configuration's key, and the
// library's option.
func TestLineTooLongSaysHowToRaiseIt(t *testing.T) {
	p := writeTemp(t, "lines.txt", "ab\n"+"0123456789A\n", false)
	err := firstError(t, "tsv", p, ReadOptions{MaxLineBytes: 10, Columns: []string{"x"}})
	for _, want := range []string{"line longer than 10 bytes", "--max-line-bytes", "data: {max_line_bytes: N}", "ReadOptions.MaxLineBytes"} {
		wantParseError(t, err, p, 2, 0, want)
	}
	p = writeTemp(t, "seq.txt", "1 12345\n1 12345\n1 12345\n", false)
	err = firstError(t, "seq", p, ReadOptions{MaxLineBytes: 12})
	for _, want := range []string{"sequence is longer than 12 bytes", "--max-line-bytes"} {
		wantParseError(t, err, p, 3, 2, want)
	}
}
