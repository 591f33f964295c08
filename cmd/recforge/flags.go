package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
)

// errUsage marks a command-line mistake already reported: exit status 2.
var errUsage = errors.New("usage")

// usageError is a command-line mistake not yet reported, such as a flag
// value out of range: run prints it on one line and exits with status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// Unwrap makes a usageError an errUsage for errors.Is.
func (e *usageError) Unwrap() error { return errUsage }

// badFlag reports an invalid flag value (or combination of flags) as a
// usage error; the message names the flag.
func badFlag(format string, a ...any) error {
	return &usageError{fmt.Sprintf(format, a...)}
}

// cmdFlags is a command's flag set and where its output goes: asked-for
// help to stdout, mistakes to stderr.
type cmdFlags struct {
	*flag.FlagSet
	synopsis       string
	stdout, stderr io.Writer
	// extra is more help after the flags.
	extra string
	// aliases maps a flag kept for compatibility to its canonical name;
	// the help shows only the canonical one.
	aliases map[string]string
	// bare is set by parse when the command got no argument at all, so
	// that a missing required flag shows the whole usage.
	bare bool
}

// newFlags returns the flag set of the command name ("data encode" for a
// subcommand). Its help goes to stdout when asked for (--help, -h) and
// every mistake to stderr, one line each (see parse).
func newFlags(name, synopsis string, stdout, stderr io.Writer) *cmdFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// parse reports the flag package's errors itself, on one line.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &cmdFlags{FlagSet: fs, synopsis: synopsis, stdout: stdout, stderr: stderr}
}

// alias makes --old another name of the flag --name, already defined;
// the help shows only --name.
func (c *cmdFlags) alias(old, name string) {
	f := c.Lookup(name)
	c.Var(f.Value, old, "alias of --"+name)
	if c.aliases == nil {
		c.aliases = map[string]string{}
	}
	c.aliases[old] = name
}

// usage writes the synopsis and the flags, if the command has any.
func (c *cmdFlags) usage(w io.Writer) {
	fmt.Fprintf(w, "Usage: recforge %s\n", c.synopsis)
	var flags []*flag.Flag
	c.VisitAll(func(f *flag.Flag) {
		if _, alias := c.aliases[f.Name]; !alias {
			flags = append(flags, f)
		}
	})
	if len(flags) > 0 {
		fmt.Fprintln(w, "\nFlags:")
		for _, f := range flags {
			writeFlag(w, f)
		}
	}
	fmt.Fprint(w, c.extra)
}

// writeFlag writes one flag's help as flag.PrintDefaults does, with the
// two dashes the rest of the help and the messages use.
func writeFlag(w io.Writer, f *flag.Flag) {
	var b strings.Builder
	fmt.Fprintf(&b, "  --%s", f.Name)
	name, usage := flag.UnquoteUsage(f)
	if name != "" {
		b.WriteString(" " + name)
	}
	b.WriteString("\n    \t")
	b.WriteString(strings.ReplaceAll(usage, "\n", "\n    \t"))
	if !isZeroDefault(f) {
		if isStringFlag(f) {
			fmt.Fprintf(&b, " (default %q)", f.DefValue)
		} else {
			fmt.Fprintf(&b, " (default %v)", f.DefValue)
		}
	}
	fmt.Fprintln(w, b.String())
}

// isZeroDefault reports whether f's default is its type's zero value, which
// the help leaves unsaid.
func isZeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "0s":
		return true
	}
	return false
}

// isStringFlag reports whether f holds a string, whose default the help
// quotes.
func isStringFlag(f *flag.Flag) bool {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return false
	}
	_, s := g.Get().(string)
	return s
}

// fail reports a mistake on one line, with a pointer to the command's help.
func (c *cmdFlags) fail(format string, a ...any) error {
	fmt.Fprintf(c.stderr, "recforge %s: %s (see recforge %s --help)\n", c.Name(), fmt.Sprintf(format, a...), c.Name())
	return errUsage
}

// parse parses args. --help prints the usage on stdout and returns
// flag.ErrHelp; a mistake is reported on one line on stderr and becomes
// errUsage. Positional arguments are refused beyond positional.
func parse(c *cmdFlags, args []string, positional int) ([]string, error) {
	c.bare = len(args) == 0
	if err := c.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.usage(c.stdout)
			return nil, err
		}
		return nil, c.fail("%s", c.describe(err))
	}
	if c.NArg() > positional {
		return nil, c.fail("unexpected argument %q", c.Arg(positional))
	}
	return c.Args(), nil
}

// The flag package's parse errors, as of Go 1.26 (flag.FlagSet.parseOne).
var (
	undefinedFlag = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	invalidValue  = regexp.MustCompile(`^invalid value "(.*)" for flag -+([^:]*): (.*)$`)
	invalidBool   = regexp.MustCompile(`^invalid boolean value "(.*)" for -+([^:]*): `)
	needsArgument = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
)

// describe rewords a parse error of the flag package in the command's
// terms: the flag with two dashes, what its value should be, and the
// closest flag to an unknown one.
func (c *cmdFlags) describe(err error) string {
	msg := err.Error()
	if m := undefinedFlag.FindStringSubmatch(msg); m != nil {
		out := "unknown flag --" + m[1]
		if near := closest(m[1], c.names()); len(near) > 0 {
			out += "; did you mean --" + strings.Join(near, " or --") + "?"
		}
		return out
	}
	if m := invalidBool.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s=%s: want true or false", m[2], m[1])
	}
	if m := invalidValue.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s %q: %s", m[2], m[1], c.want(m[2], m[3]))
	}
	if m := needsArgument.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s needs a value", m[1])
	}
	return msg
}

// want says what value the flag name takes, for a value it refused with
// the message why.
func (c *cmdFlags) want(name, why string) string {
	f := c.Lookup(name)
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return why // the flag's own Set explains itself
	}
	s := "want "
	switch g.Get().(type) {
	case int, int64:
		s += "an integer"
	case uint, uint64:
		s += "a non-negative integer"
	case float64:
		s += "a number"
	case time.Duration:
		s += "a duration such as 10s or 2m"
	default:
		return why
	}
	if strings.Contains(why, "out of range") {
		s += " in range"
	}
	return s
}

// names returns the canonical flag names.
func (c *cmdFlags) names() []string {
	var out []string
	c.VisitAll(func(f *flag.Flag) {
		if _, alias := c.aliases[f.Name]; !alias {
			out = append(out, f.Name)
		}
	})
	return out
}

// missing reports a required flag left out: one line, with the whole
// usage when the command was given nothing at all.
func missing(c *cmdFlags, name string) error {
	if c.bare {
		fmt.Fprintf(c.stderr, "recforge %s: --%s is required\n", c.Name(), name)
		c.usage(c.stderr)
		return errUsage
	}
	return c.fail("--%s is required", name)
}

// closest returns the names within a small edit distance of s (at most a
// third of its length, at least 1), and those s is a prefix of, closest
// first.
func closest(s string, names []string) []string {
	limit := max(1, len([]rune(s))/3)
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for _, n := range names {
		d := editDistance(s, n)
		switch {
		case n == s:
			continue
		case d <= limit:
		case len(s) >= 3 && strings.HasPrefix(n, s):
			d = limit + 1 // after the near misses
		default:
			continue
		}
		cs = append(cs, cand{n, d})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for _, c := range cs {
		out = append(out, c.name)
	}
	return out
}

// editDistance is the optimal-string-alignment distance between a and b,
// in runes: insertions, deletions, substitutions and transpositions of
// neighbours ("trian" is one from "train").
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// splitList splits a comma-separated flag value.
func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
