package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errUsage marks a command-line mistake already reported: exit status 2.
var errUsage = errors.New("usage")

// newFlags returns a flag set that prints its usage to stderr on --help
// and on errors.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: recforge %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args; a parse error has been printed, so it becomes
// errUsage. Positional arguments are refused unless allowed.
func parse(fs *flag.FlagSet, args []string, positional int) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, errUsage
	}
	if fs.NArg() > positional {
		fmt.Fprintf(fs.Output(), "recforge %s: unexpected argument %q\n", fs.Name(), fs.Arg(positional))
		fs.Usage()
		return nil, errUsage
	}
	return fs.Args(), nil
}

// missing reports a required flag left out.
func missing(fs *flag.FlagSet, name string) error {
	fmt.Fprintf(fs.Output(), "recforge %s: --%s is required\n", fs.Name(), name)
	fs.Usage()
	return errUsage
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
