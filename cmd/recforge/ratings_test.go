package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/synth"
)

// ratingFolds writes two folds of a synthetic rating matrix as
// r1/r2.base and .test in u.data format, and returns their patterns.
func ratingFolds(t *testing.T) (train, test string) {
	t.Helper()
	dir := t.TempDir()
	for f := 1; f <= 2; f++ {
		m, err := synth.NewMatrix(synth.MatrixConfig{Seed: uint64(f), Users: 70, Items: 50, Rank: 3, Density: 0.3, Noise: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		var tr, te strings.Builder
		for k := range m.Users {
			w := &tr
			if k%5 == 0 {
				w = &te
			}
			fmt.Fprintf(w, "%d\t%d\t%d\t%d\n", m.Users[k]+1, m.Items[k]+1, m.Ratings[k], m.Times[k])
		}
		for ext, s := range map[string]string{"base": tr.String(), "test": te.String()} {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("r%d.%s", f, ext)), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(dir, "r{fold}.base"), filepath.Join(dir, "r{fold}.test")
}

// ratings runs recforge ratings with its caches in a temporary directory.
func ratings(t *testing.T, args ...string) (stdout, stderr string, err error) {
	var o, e bytes.Buffer
	err = runRatings(context.Background(), append(args, "--cache-dir", t.TempDir()), &o, &e)
	return o.String(), e.String(), err
}

func TestRatingsCommand(t *testing.T) {
	train, test := ratingFolds(t)
	for _, args := range [][]string{
		{"--model", "baseline"},
		{"--model", "biasedmf", "--factors", "4", "--epochs", "30"},
		{"--model", "autorec-i", "--hidden", "16", "--lambda", "1", "--lr", "0.01", "--epochs", "20"},
		{"--model", "autorec-u", "--hidden", "16", "--optimizer", "lbfgs", "--epochs", "10"},
		{"--model", "autorec-i", "--hidden", "16", "--optimizer", "rprop", "--rprop-step", "0.005", "--epochs", "15"},
	} {
		out, errOut, err := ratings(t, append(args, "--train", train, "--test", test, "--folds", "2")...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		n := 0
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "fold ") {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%v: %d fold lines in\n%s", args, n, out)
		}
		v := lastJSON(t, out)
		folds := v["folds"].([]any)
		if v["model"] != args[1] || len(folds) != 2 {
			t.Fatalf("%v: JSON %v", args, v)
		}
		// Minibatch models refit for exactly the epochs validation chose.
		if args[1] == "biasedmf" || args[1] == "autorec-i" {
			for _, f := range folds {
				f := f.(map[string]any)
				if f["final_epochs"] != f["epochs"] || f["epochs"].(float64) < 1 {
					t.Errorf("%v: fold %v chose %v epochs, refit ran %v", args, f["fold"], f["epochs"], f["final_epochs"])
				}
			}
		}
		// The mean is the mean of the folds' RMSEs.
		r1, r2 := folds[0].(map[string]any)["rmse"].(float64), folds[1].(map[string]any)["rmse"].(float64)
		if got := v["rmse"].(float64); math.Abs(got-(r1+r2)/2) > 1e-12 || !(got > 0 && got < 1.3) {
			t.Errorf("%v: mean RMSE %v from folds %v, %v", args, got, r1, r2)
		}
	}
}

func TestRatingsCommandIsDeterministic(t *testing.T) {
	train, test := ratingFolds(t)
	args := []string{"--model", "autorec-i", "--hidden", "8", "--epochs", "5", "--train", train, "--test", test, "--folds", "1", "--seed", "3"}
	a, _, _ := ratings(t, args...)
	b, _, _ := ratings(t, args...)
	ja, jb := lastJSON(t, a), lastJSON(t, b)
	fa, fb := ja["folds"].([]any)[0].(map[string]any), jb["folds"].([]any)[0].(map[string]any)
	if fa["rmse"] != fb["rmse"] || fa["mae"] != fb["mae"] {
		t.Errorf("two runs differ: %v vs %v", fa, fb)
	}
}

func TestRatingsCommandErrors(t *testing.T) {
	train, test := ratingFolds(t)
	if _, _, err := ratings(t, "--help"); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("--help: %v", err)
	}
	for _, c := range []struct {
		args    []string
		usage   bool // reported on stderr, or by a usageError, for exit status 2
		message string
	}{
		{[]string{"--train", train, "--test", test}, true, "--model is required"},
		{[]string{"--model", "baseline", "--test", test}, true, "--train is required"},
		{[]string{"--model", "baseline", "--train", train, "--test", test, "--hidden", "5"}, true, "--hidden not used by --model baseline"},
		{[]string{"--model", "baseline", "--train", train, "--test", test, "--bogus"}, true, "bogus"},
		{[]string{"--model", "svd++", "--train", train, "--test", test}, false, "unknown rating model \"svd++\""},
		{[]string{"--model", "autorec-i", "--train", train, "--test", test, "--optimizer", "sgd"}, false, "optimizer = \"sgd\""},
		{[]string{"--model", "autorec-i", "--train", train, "--test", test, "--hidden-act", "gelu"}, false, "hidden_act = \"gelu\""},
		{[]string{"--model", "baseline", "--train", filepath.Join(filepath.Dir(train), "r1.base"), "--test", test, "--folds", "2"}, false, "{fold}"},
		{[]string{"--model", "baseline", "--train", strings.Replace(train, "r{fold}", "x{fold}", 1), "--test", test, "--folds", "1"}, false, "x1.base"},
		{[]string{"--model", "baseline", "--train", train, "--test", test, "--valid-share", "1.5"}, true, "--valid-share"},
		{[]string{"--model", "baseline", "--train", train, "--test", test, "--valid-mode", "blocks"}, true, "--valid-mode \"blocks\""},
		{[]string{"--model", "baseline", "--train", train, "--test", test, "--valid-mode", "users", "--valid-users", "2"}, true, "--valid-users"},
	} {
		_, errOut, err := ratings(t, c.args...)
		switch {
		case err == nil:
			t.Errorf("%v: no error", c.args)
		case c.usage && (!errors.Is(err, errUsage) || !strings.Contains(errOut+err.Error(), c.message)):
			t.Errorf("%v: %v, stderr %q; want a usage error saying %q", c.args, err, errOut, c.message)
		case !c.usage && (errors.Is(err, errUsage) || !strings.Contains(err.Error(), c.message)):
			t.Errorf("%v: %v; want an error saying %q", c.args, err, c.message)
		}
	}
}

func TestRatingsCommandUserValidation(t *testing.T) {
	train, test := ratingFolds(t)
	args := []string{"--model", "biasedmf", "--factors", "4", "--epochs", "30", "--train", train, "--test", test, "--folds", "1"}
	outR, _, err := ratings(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	outU, errOut, err := ratings(t, append(args, "--valid-mode", "users")...)
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	p := lastJSON(t, outU)["protocol"].(map[string]any)
	if p["valid_mode"] != "users" || p["valid_share"] != 0.2 || p["valid_users"] != 0.5 {
		t.Errorf("protocol %v, want users mode with its defaults 0.2 of the ratings of 0.5 of the users", p)
	}
	if pr := lastJSON(t, outR)["protocol"].(map[string]any); pr["valid_mode"] != "random" || pr["valid_share"] != 0.05 {
		t.Errorf("default protocol %v, want random 0.05", pr)
	}
	// A different hold-out gives a different validation RMSE.
	fr := lastJSON(t, outR)["folds"].([]any)[0].(map[string]any)
	fu := lastJSON(t, outU)["folds"].([]any)[0].(map[string]any)
	if fr["valid_rmse"] == fu["valid_rmse"] {
		t.Errorf("random and users validation both scored %v", fr["valid_rmse"])
	}
}

// --train and --test take movielens:PATTERN, as every other command takes
// READER:PATH, and the bare pattern still, with the same result; another
// reader is a usage error naming the flag.
func TestRatingsTakesMovieLensSpecs(t *testing.T) {
	train, test := ratingFolds(t)
	rmse := func(args ...string) string {
		t.Helper()
		out, errOut, err := ratings(t, append([]string{"--model", "baseline", "--folds", "2"}, args...)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		v := lastJSON(t, out)
		return fmt.Sprint(v["rmse"], v["mae"], len(v["folds"].([]any)))
	}
	bare := rmse("--train", train, "--test", test)
	for _, args := range [][]string{
		{"--train", "movielens:" + train, "--test", "movielens:" + test},
		{"--train", "movielens:" + train, "--test", test},
	} {
		if got := rmse(args...); got != bare {
			t.Errorf("%v: %s; the bare patterns give %s", args, got, bare)
		}
	}
	for _, c := range []struct{ flag, v, want string }{
		{"--train", "criteo:" + train, `--train "criteo:`},
		{"--test", "movielens:", `--test "movielens:"`},
	} {
		args := []string{"--model", "baseline", "--train", train, "--test", test}
		args = append(args, c.flag, c.v)
		_, _, err := ratings(t, args...)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(ue.Error(), c.want) {
			t.Errorf("%s %s: %v; want a usage error saying %q", c.flag, c.v, err, c.want)
		}
	}
}

// The rating models train on shards from the command line: the same
// figures on 1 and 2 threads, bit for bit, and the figures of one shard up
// to float rounding (the shards' losses and gradients are the batch's).
func TestRatingsOnShards(t *testing.T) {
	train, test := ratingFolds(t)
	for _, args := range [][]string{
		{"--model", "biasedmf", "--factors", "4", "--batch", "32", "--epochs", "3"},
		{"--model", "autorec-i", "--hidden", "8", "--batch", "8", "--epochs", "3"},
		{"--model", "autorec-u", "--hidden", "8", "--optimizer", "lbfgs", "--epochs", "3"},
	} {
		args = append(args, "--train", train, "--test", test, "--folds", "1")
		var fold [3]map[string]any
		for k, extra := range [][]string{{"--shards", "3", "--threads", "1"}, {"--shards", "3", "--threads", "2"}, {"--shards", "1"}} {
			out, errOut, err := ratings(t, append(args, extra...)...)
			if err != nil {
				t.Fatalf("%v %v: %v\n%s", args, extra, err, errOut)
			}
			fold[k] = lastJSON(t, out)["folds"].([]any)[0].(map[string]any)
		}
		for _, key := range []string{"rmse", "mae", "valid_rmse"} {
			a, b, one := fold[0][key].(float64), fold[1][key].(float64), fold[2][key].(float64)
			if a != b {
				t.Errorf("%s %s: 3 shards on 1 thread %v, on 2 threads %v", args[1], key, a, b)
			}
			if math.Abs(a-one) > 1e-5*one {
				t.Errorf("%s %s: 3 shards %v, 1 shard %v", args[1], key, a, one)
			}
		}
	}
}
