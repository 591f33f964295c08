package main

import (
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/behavior"
	"github.com/recforge/recforge/data"
)

// recforge help lists every reader data.Open accepts and shows a spec of
// each behaviour format and of taobao, each naming a registered reader and,
// for behaviour specs, parsing.
func TestHelpListsReadersAndSpecs(t *testing.T) {
	code, out, _ := recforge(t, "help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	_, specs, ok := strings.Cut(out, "Data specs")
	if !ok {
		t.Fatalf("no data specs in\n%s", out)
	}
	m := regexp.MustCompile(`READER one of: ([^;]*);`).FindStringSubmatch(specs)
	if m == nil {
		t.Fatalf("no reader list in\n%s", specs)
	}
	if got, want := strings.Split(m[1], ", "), data.ReaderNames(); !slices.Equal(got, want) {
		t.Errorf("readers %v, want data.ReaderNames %v", got, want)
	}
	for _, r := range []string{"behavior", "taobao", "synthetic"} {
		if !slices.Contains(data.ReaderNames(), r) {
			t.Errorf("reader %q is not registered in the command", r)
		}
	}
	examples := regexp.MustCompile(`\b([a-z-]+):[^\s,;]+`).FindAllStringSubmatch(specs, -1)
	seen := map[string]bool{}
	for _, e := range examples {
		reader := e[1]
		if !slices.Contains(data.ReaderNames(), reader) {
			continue // prose such as "e.g."
		}
		seen[reader] = true
		if reader == "behavior" {
			sp, err := behavior.ParseSpec(strings.TrimPrefix(e[0], "behavior:"))
			if err != nil {
				t.Errorf("example %q: %v", e[0], err)
				continue
			}
			seen["behavior:"+sp.Format] = true
		}
	}
	want := []string{"taobao", "criteo", "synthetic"}
	for _, f := range behavior.Formats {
		want = append(want, "behavior:"+f)
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no example of %s in\n%s", w, specs)
		}
	}
}

// Help that was asked for goes to stdout with exit status 0, so that
// `recforge train --help | less` shows it; every command has one, headed
// by its usage line.
func TestAskedForHelpGoesToStdout(t *testing.T) {
	cases := [][]string{{"--help"}, {"-h"}, {"help"}, {"help", "train"}, {"train", "-h"}, {"data", "--help"},
		{"help", "data", "encode"}, {"data", "inspect", "--help"}}
	for _, c := range commands() {
		cases = append(cases, []string{c.name, "--help"})
	}
	for _, args := range cases {
		code, stdout, stderr := recforge(t, args...)
		want := "Usage: recforge "
		switch {
		case args[0] == "help" && len(args) > 1:
			want += strings.Join(args[1:], " ")
		case args[0] != "help" && !strings.HasPrefix(args[0], "-"):
			want += strings.Join(args[:len(args)-1], " ")
		default:
			want += "COMMAND"
		}
		if code != 0 || stderr != "" || !strings.Contains(stdout, want) {
			t.Errorf("%v: exit %d, stderr %q, stdout starting %.80q; want exit 0, %q on stdout only", args, code, stderr, stdout, want)
		}
	}
}

// Usage shown because of a mistake goes to stderr with exit status 2.
func TestUsageForAMistakeGoesToStderr(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "Usage: recforge COMMAND"},
		{[]string{"train"}, "Usage: recforge train"},
		{[]string{"data"}, "Usage: recforge data inspect"},
		{[]string{"data", "inspect"}, "Usage: recforge data inspect"},
	} {
		code, stdout, stderr := recforge(t, c.args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %.80q; want exit 2 and %q on stderr only", c.args, code, stdout, stderr, c.want)
		}
	}
}

// A command without flags shows no empty "Flags:" section; one with
// flags does.
func TestHelpFlagsSection(t *testing.T) {
	_, out, _ := recforge(t, "models", "--help")
	if out != "Usage: recforge models\n" {
		t.Errorf("models --help: %q", out)
	}
	_, out, _ = recforge(t, "train", "--help")
	if !strings.Contains(out, "\nFlags:\n  --batch int\n") || !strings.Contains(out, "  --threads int\n    \tthreads that fit the encoders, encode the data, train a batch's shards at once (--shards), score validation and test batches at once and split large matrix products (results are identical for any count) (default 1)\n") ||
		!strings.Contains(out, "  --shards N\n") {
		t.Errorf("train --help: flags missing or misformatted in\n%s", out)
	}
}

// A mistake on the command line is one line on stderr, exit status 2,
// naming the flag: a mistyped flag with the closest one, an invalid value
// with what is wanted.
func TestFlagMistakesAreOneLine(t *testing.T) {
	syn := "synthetic:ctr?rows=2000"
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"train", "--epoch", "3"}, []string{"unknown flag --epoch; did you mean --epochs?", "see recforge train --help"}},
		{[]string{"train", "--modle", "lr"}, []string{"did you mean --model?"}},
		{[]string{"zoo", "--frobnicate"}, []string{"unknown flag --frobnicate (see recforge zoo --help)"}},
		{[]string{"train", "--epochs", "x"}, []string{`--epochs "x": want an integer`}},
		{[]string{"train", "--seed", "-1"}, []string{`--seed "-1": want a non-negative integer`}},
		{[]string{"serve", "--watch", "soon"}, []string{`--watch "soon": want a duration`}},
		{[]string{"train", "--quiet=maybe"}, []string{"--quiet=maybe: want true or false"}},
		{[]string{"train", "--model"}, []string{"--model needs a value"}},
		{[]string{"train", "--data", syn, "extra"}, []string{`unexpected argument "extra"`}},
		{[]string{"train", "--model", "lr"}, []string{"--data is required (see recforge train --help)"}},
		{[]string{"train", "--model", "lr", "--data", syn, "--epochs", "0"}, []string{"--epochs 0, want ≥ 1"}},
		{[]string{"train", "--model", "lr", "--data", syn, "--threads", "0"}, []string{"--threads 0, want ≥ 1"}},
		{[]string{"zoo", "--data", syn, "--batch", "0"}, []string{"--batch 0, want ≥ 1"}},
		{[]string{"zoo", "--data", syn, "--seeds", "0"}, []string{"--seeds 0, want ≥ 1"}},
		{[]string{"bench", "--threads", "0"}, []string{"--threads 0, want ≥ 1"}},
		{[]string{"demo", "--rows", "10"}, []string{"--rows 10, want ≥ 1000"}},
		{[]string{"ranking", "--models", "gmf", "--data", "movielens:u.data", "--seeds", "0"}, []string{"--seeds 0, want ≥ 1"}},
		{[]string{"ranking", "--models", "gmf", "--data", "movielens:u.data", "--tune", "--tune-lr", "0.1,x"}, []string{`--tune-lr: "x" is not a number`}},
		{[]string{"ratings", "--model", "baseline", "--train", "u{fold}.base", "--test", "u{fold}.test", "--threads", "0"}, []string{"--threads 0, want ≥ 1"}},
		{[]string{"drn", "--k", "0"}, []string{"--k 0, want ≥ 1"}},
		{[]string{"serve", "--artifact", "x", "--max-body", "0"}, []string{"--max-body 0: want ≥ 1"}},
		{[]string{"data", "inspect", "criteo:x", "--max-line-bytes", "-1"}, []string{"--max-line-bytes -1, want ≥ 0"}},
		{[]string{"trian"}, []string{`unknown command "trian"; did you mean train?`}},
	} {
		code, stdout, stderr := recforge(t, c.args...)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and one line on stderr", c.args, code, stdout, stderr)
			continue
		}
		if !strings.HasPrefix(stderr, "recforge ") && !strings.HasPrefix(stderr, "recforge: ") {
			t.Errorf("%v: %q does not name the command", c.args, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: %q does not say %q", c.args, stderr, w)
			}
		}
	}
}

// The distance counts edits by hand: a transposition is one edit.
func TestEditDistanceAndClosest(t *testing.T) {
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"", "abc", 3}, {"epoch", "epochs", 1}, {"trian", "train", 1}, {"kitten", "sitting", 3}, {"autorec", "autorec-i", 2}, {"ab", "ba", 1}} {
		if got := editDistance(c.a, c.b); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
		if got := editDistance(c.b, c.a); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.b, c.a, got, c.d)
		}
	}
	names := []string{"epochs", "batch", "seed", "seeds", "autorec-i", "autorec-u"}
	for _, c := range []struct {
		s    string
		want []string
	}{
		{"epoch", []string{"epochs"}},
		{"sed", []string{"seed"}},
		{"see", []string{"seed", "seeds"}},
		{"autorec", []string{"autorec-i", "autorec-u"}},
		{"zzz", nil},
		{"seed", []string{"seeds"}},
	} {
		if got := closest(c.s, names); !slices.Equal(got, c.want) {
			t.Errorf("closest(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}

// --version and version print one line: the module version artifacts
// record and the Go version; versionLine adds the revision when the build
// has one.
func TestVersion(t *testing.T) {
	want := "recforge " + artifact.BuildVersion() + ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, stdout, stderr := recforge(t, args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, want) || strings.Count(stdout, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want one line starting %q", args, code, stdout, stderr, want)
		}
	}
	for _, c := range []struct {
		settings map[string]string
		want     string
	}{
		{nil, "recforge v1.2.3, go1.26"},
		{map[string]string{"vcs.revision": "abc123", "vcs.modified": "false"}, "recforge v1.2.3, go1.26, revision abc123"},
		{map[string]string{"vcs.revision": "abc123", "vcs.modified": "true"}, "recforge v1.2.3, go1.26, revision abc123 (modified)"},
	} {
		if got := versionLine("v1.2.3", "go1.26", c.settings); got != c.want {
			t.Errorf("versionLine(%v) = %q, want %q", c.settings, got, c.want)
		}
	}
}

// An unknown model name gets the close registered names and the command
// that runs them under their protocol; a policy of the DRN experiment and
// a model of another task are sent to their command.
func TestUnknownModelSuggestions(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"train", "--model", "autorec", "--data", "synthetic:ctr?rows=2000"},
			[]string{`unknown model "autorec"; did you mean autorec-i or autorec-u?`, "recforge ratings"}},
		{[]string{"train", "--model", "din2", "--data", "synthetic:ctr?rows=2000"}, []string{"did you mean din?", "recforge sequence"}},
		{[]string{"zoo", "--models", "lr,deepfn", "--data", "synthetic:ctr?rows=2000"}, []string{`unknown model "deepfn"; did you mean deepfm?`}},
		{[]string{"train", "--model", "dqn", "--data", "synthetic:ctr?rows=2000"}, []string{"policy of the DRN experiment", "recforge drn --policies dqn"}},
		{[]string{"ratings", "--model", "autorec", "--train", "a", "--test", "b"}, []string{"did you mean autorec-i or autorec-u?"}},
		{[]string{"ratings", "--model", "neumf", "--train", "a", "--test", "b"}, []string{`"neumf" is a ranking model`, "recforge ranking"}},
		{[]string{"ranking", "--models", "mf,neumff", "--data", "movielens:u.data"}, []string{`unknown ranking model "neumff"; did you mean neumf?`}},
		{[]string{"ranking", "--models", "autorec-i", "--data", "movielens:u.data"}, []string{`"autorec-i" is a rating model`, "recforge ratings"}},
		{[]string{"train", "--model", "nope", "--data", "synthetic:ctr?rows=2000"}, []string{`unknown model "nope", expected one of afm,`}},
	} {
		code, _, stderr := recforge(t, c.args...)
		if code != 1 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, %q; want exit 1 and one line", c.args, code, stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: %q does not say %q", c.args, stderr, w)
			}
		}
	}
	// No command points to itself.
	if _, _, stderr := recforge(t, "ratings", "--model", "autorec", "--train", "a", "--test", "b"); strings.Contains(stderr, "recforge ratings runs") {
		t.Errorf("ratings points to itself: %q", stderr)
	}
}
