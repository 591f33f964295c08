package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/rating"
)

// ratingFlags are the model and training flags of recforge ratings; zero
// values leave the model's defaults. A model flag sets the hyper-parameter
// of its name with '-' read as '_' (--reg-user: reg_user), for the models
// whose configuration has it.
type ratingFlags struct {
	regUser, regItem         float64
	passes                   int
	factors                  int
	lr, reg, regBias, lambda float64
	rpropStep                float64
	hidden, batch, epochs    int
	patience                 int
	optimizer                string
	hiddenAct, outputAct     string
	layers                   string
	seed                     uint64
}

// trainingFlags set the training, not the model: the models fitted in
// closed form take none.
var trainingFlags = []string{"batch", "epochs", "patience", "seed"}

func (f *ratingFlags) register(fs *flag.FlagSet) {
	fs.Float64Var(&f.regUser, "reg-user", 0, "baseline: λ of the user biases (default 3)")
	fs.Float64Var(&f.regItem, "reg-item", 0, "baseline: λ of the item biases (default 2)")
	fs.IntVar(&f.passes, "passes", 0, "baseline: alternating passes (default 10)")
	fs.IntVar(&f.factors, "factors", 0, "biasedmf: latent factors (default 100)")
	fs.Float64Var(&f.reg, "reg", 0, "biasedmf: L2 on the factors (default 0.1)")
	fs.Float64Var(&f.regBias, "reg-bias", 0, "biasedmf: L2 on the biases (default 0.02)")
	fs.Float64Var(&f.lr, "lr", 0, "learning rate (default biasedmf 0.01, autorec Adam 3e-4)")
	fs.IntVar(&f.hidden, "hidden", 0, "autorec: hidden units (default 500)")
	fs.StringVar(&f.layers, "layers", "", "autorec: hidden layer `SIZES`, comma-separated, in place of --hidden (the paper's deep I-AutoRec: 500,250,500)")
	fs.Float64Var(&f.lambda, "lambda", 0, "autorec: λ of (λ/2)(‖W‖²+‖V‖²), on the scale of the summed squared error (default 250 for autorec-i, 300 for autorec-u)")
	fs.IntVar(&f.batch, "batch", 0, "ratings (or AutoRec's input vectors) per step (default biasedmf 1, autorec Adam 128, full batch for lbfgs and rprop)")
	fs.IntVar(&f.epochs, "epochs", 0, "most epochs; the count is chosen on the validation part (default: the model's)")
	fs.IntVar(&f.patience, "patience", 0, "epochs without validation improvement before stopping (default: the model's)")
	fs.StringVar(&f.optimizer, "optimizer", "", "autorec: adam (minibatch, default), lbfgs or rprop (full batch iRprop−; the paper used RProp or L-BFGS)")
	fs.Float64Var(&f.rpropStep, "rprop-step", 0, "autorec: iRprop−'s initial step Δ0 (default 0.001)")
	fs.StringVar(&f.hiddenAct, "hidden-act", "", "autorec: hidden activation g: sigmoid (default), identity, relu, tanh")
	fs.StringVar(&f.outputAct, "output-act", "", "autorec: output activation f: identity (default), sigmoid, relu, tanh")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the initialization and the training order")
}

// configKeys returns the configuration keys of a model's hyper-parameter
// struct: the JSON names of its fields, those of embedded structs
// included.
func configKeys(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
		case f.Anonymous && name == "":
			keys = append(keys, configKeys(f.Type)...)
		case !f.IsExported():
		case name == "":
			keys = append(keys, f.Name)
		default:
			keys = append(keys, name)
		}
	}
	return keys
}

// ratingModels lists the registered rating models.
func ratingModels() []string {
	var names []string
	for _, n := range model.Names() {
		if info, _ := model.Lookup(n); info.Task == model.TaskRating {
			names = append(names, n)
		}
	}
	return names
}

// runRatings trains and evaluates an explicit-rating model over folds.
func runRatings(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ratings", "ratings --model NAME --train movielens:PATTERN --test movielens:PATTERN [--folds N] [model flags] [--tune [--tune-trials N] [--tune-budget EPOCHS]]", stdout, stderr)
	fs.extra = cacheHelp()
	name := fs.String("model", "", "`NAME`: "+strings.Join(ratingModels(), ", "))
	trainPattern := fs.String("train", "", "training ratings `SPEC`: movielens:PATTERN, {fold} in PATTERN standing for 1..N (e.g. movielens:ml-100k/u{fold}.base; a bare PATTERN is read as movielens:PATTERN)")
	testPattern := fs.String("test", "", "test ratings `SPEC`: movielens:PATTERN (e.g. movielens:ml-100k/u{fold}.test)")
	folds := fs.Int("folds", 0, "number of folds (default 5 when the patterns hold {fold}, else 1)")
	validMode := fs.String("valid-mode", "random", "`MODE` of the seeded validation hold-out that chooses the epoch count: random (a share of all training ratings) or users (a share of the ratings of a sampled share of the users, as ML-100K's user-blocked test files remove them)")
	validShare := fs.Float64("valid-share", 0, "share held out: of all training ratings with --valid-mode random (default 0.05), of each drawn user's with users (default 0.2)")
	validUsers := fs.Float64("valid-users", 0, "--valid-mode users: share of the users drawn (default 0.5)")
	validSeed := fs.Uint64("valid-seed", 1, "seed of the validation hold-out")
	noRefit := fs.Bool("no-refit", false, "test the early-stopped model instead of retraining on the whole training file")
	threads := fs.Int("threads", 1, threadsUsage)
	shards := fs.Int("shards", 0, shardsUsage)
	cacheDir := fs.String("cache-dir", "", cacheDirUsage)
	var mf ratingFlags
	mf.register(fs.FlagSet)
	var tf tuneFlags
	tf.register(fs.FlagSet)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	for _, req := range []struct{ name, v string }{{"model", *name}, {"train", *trainPattern}, {"test", *testPattern}} {
		if req.v == "" {
			return missing(fs, req.name)
		}
	}
	for _, p := range []struct {
		flag string
		v    *string
	}{{"train", trainPattern}, {"test", testPattern}} {
		path, err := movielensPattern(p.flag, *p.v)
		if err != nil {
			return err
		}
		*p.v = path
	}
	info, ok := model.Lookup(*name)
	if !ok || info.Task != model.TaskRating {
		return unknownModel("ratings", *name, "rating model", ratingModels())
	}
	tc, trains := rating.Training(*name, mf.optimizer)
	// The model flags this model takes, then the training flags.
	keys := configKeys(reflect.TypeOf(info.Config()))
	var accepted []string
	fs.VisitAll(func(f *flag.Flag) {
		if slices.Contains(keys, strings.ReplaceAll(f.Name, "-", "_")) {
			accepted = append(accepted, f.Name)
		}
	})
	if trains {
		accepted = append(accepted, trainingFlags...)
	}
	common := []string{"model", "train", "test", "folds", "valid-mode", "valid-share", "valid-users", "valid-seed", "no-refit", "threads", "shards", "cache-dir",
		"tune", "tune-trials", "tune-budget", "tune-eta", "tune-seed"}
	var misplaced []string
	params := map[string]any{}
	var paramErr error
	fs.Visit(func(f *flag.Flag) {
		switch {
		case slices.Contains(common, f.Name), slices.Contains(trainingFlags, f.Name) && trains:
		case !slices.Contains(accepted, f.Name):
			misplaced = append(misplaced, "--"+f.Name)
		case f.Name == "layers":
			v, err := intList("layers", mf.layers)
			params["layers"], paramErr = v, errors.Join(paramErr, err)
		default:
			params[strings.ReplaceAll(f.Name, "-", "_")] = f.Value.(flag.Getter).Get()
		}
	})
	if len(misplaced) > 0 {
		takes := "no model flags"
		if len(accepted) > 0 {
			takes = "--" + strings.Join(accepted, ", --")
		}
		fmt.Fprintf(stderr, "recforge ratings: %s not used by --model %s (it takes %s)\n", strings.Join(misplaced, ", "), *name, takes)
		return errUsage
	}
	if paramErr != nil {
		return paramErr
	}
	for _, o := range []struct {
		v   int
		dst *int
	}{{mf.epochs, &tc.Epochs}, {mf.patience, &tc.EarlyStop.Patience}, {mf.batch, &tc.Batch}} {
		if o.v != 0 {
			*o.dst = o.v
		}
	}
	tc.Seed = mf.seed
	n := *folds
	if n == 0 {
		n = 1
		if strings.Contains(*trainPattern, pipeline.FoldPlaceholder) {
			n = 5
		}
	}
	fl, err := rating.FoldsFromPattern(*trainPattern, *testPattern, n)
	if err != nil {
		return err
	}
	if *validMode != "random" && *validMode != "users" {
		return badFlag("--valid-mode %q, want random or users", *validMode)
	}
	if *validShare == 0 {
		*validShare = 0.05
		if *validMode == "users" {
			*validShare = 0.2
		}
	}
	if !(*validShare > 0 && *validShare < 1) {
		return badFlag("--valid-share %v, want in (0, 1)", *validShare)
	}
	if *validUsers == 0 {
		*validUsers = 0.5
	}
	if *validMode == "users" && !(*validUsers > 0 && *validUsers <= 1) {
		return badFlag("--valid-users %v, want in (0, 1]", *validUsers)
	}
	if *threads < 1 {
		return badFlag("--threads %d, want ≥ 1", *threads)
	}
	if *shards < 0 {
		return badFlag("--shards %d, want ≥ 1", *shards)
	}
	tc.Shards = *shards
	setThreads(*threads, *shards)
	tuneOpt, err := tf.options(fs.FlagSet)
	if err != nil {
		return err
	}
	if tuneOpt != nil {
		if _, err := model.SpaceOf(*name); err != nil {
			return err
		}
		// The folds' searches go to stderr, the folds' results to stdout.
		tf.report(tuneOpt, stderr, false)
	}
	cfg := &pipeline.Config{Model: pipeline.ModelConfig{Name: *name, Params: params}, Train: tc}
	proto := rating.Protocol{
		Holdout: pipeline.RatingHoldout{Mode: *validMode, Share: *validShare, Users: *validUsers, Seed: *validSeed},
		NoRefit: *noRefit, CacheDir: *cacheDir, Tune: tuneOpt,
	}
	var rows []foldJSON
	results, err := rating.RunFolds(ctx, fl, cfg, proto, func(r *rating.FoldResult) {
		row := foldJSON{
			Fold: r.Fold.Name, RMSE: r.Test.RMSE, MAE: r.Test.MAE, Unseen: r.Test.Unseen,
			Epochs: r.Select.BestEpoch, FinalEpochs: r.Final.Epochs, ValidRMSE: r.Select.ValidRMSE, Seconds: r.Seconds,
		}
		if r.Final.Epochs > 0 {
			row.SecPerEpoch = r.Final.Seconds / float64(r.Final.Epochs)
		}
		if r.Tuned != nil {
			row.Tuned = r.Tuned.Summary("")
			fmt.Fprintln(stderr, tunedLine(r.Tuned, "fold "+r.Fold.Name+" used it"))
		}
		rows = append(rows, row)
		chosen := fmt.Sprintf("%d epochs chosen", row.Epochs)
		switch {
		case r.Select.Epochs == 0:
			chosen = "closed form"
		case r.Final.Epochs != row.Epochs:
			// L-BFGS may end early when its line search stalls.
			chosen += fmt.Sprintf(", the refit ran %d", r.Final.Epochs)
		}
		fmt.Fprintf(stdout, "fold %s: RMSE %.4f  MAE %.4f  (%s: %s, validation RMSE %.4f; %d of %d test ratings unseen; %.1fs)\n",
			row.Fold, row.RMSE, row.MAE, r.Fold.Test, chosen, row.ValidRMSE, r.Test.Unseen, r.Test.N, row.Seconds)
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errInterrupted
		}
		return err
	}
	s := rating.Summarize(results)
	fmt.Fprintf(stdout, "%s over %d folds: RMSE %.4f ± %.4f  MAE %.4f ± %.4f\n", *name, len(results), s.RMSE, s.RMSEStd, s.MAE, s.MAEStd)
	protocol := map[string]any{"valid_mode": *validMode, "valid_share": *validShare, "valid_seed": *validSeed, "refit": !*noRefit, "tuned": tuneOpt != nil}
	if *validMode == "users" {
		protocol["valid_users"] = *validUsers
	}
	return writeJSONLine(stdout, map[string]any{
		"model": *name, "folds": rows,
		"rmse": s.RMSE, "rmse_std": s.RMSEStd, "mae": s.MAE, "mae_std": s.MAEStd,
		"protocol": protocol,
	})
}

// movielensPattern returns the file pattern of a --train or --test value:
// movielens:PATTERN, as every other command writes a data spec, or a bare
// PATTERN (the form the command first took), read as movielens:PATTERN. A
// spec of another reader is a usage error: the rating protocol reads
// MovieLens rating files.
func movielensPattern(flagName, v string) (string, error) {
	reader, path, ok := strings.Cut(v, ":")
	if !ok || !slices.Contains(data.ReaderNames(), reader) {
		return v, nil // a bare path (which may hold a colon, as C:\ does)
	}
	if reader != "movielens" {
		return "", badFlag("--%s %q: ratings reads MovieLens rating files: want movielens:PATTERN (e.g. movielens:ml-100k/u{fold}.base)", flagName, v)
	}
	if path == "" {
		return "", badFlag("--%s %q: want movielens:PATTERN with a file pattern after the colon", flagName, v)
	}
	return path, nil
}

// foldJSON is one fold of the JSON summary line.
type foldJSON struct {
	Fold        string  `json:"fold"`
	RMSE        float64 `json:"rmse"`
	MAE         float64 `json:"mae"`
	Unseen      int     `json:"unseen"`
	Epochs      int     `json:"epochs"`
	FinalEpochs int     `json:"final_epochs"`
	ValidRMSE   float64 `json:"valid_rmse"`
	SecPerEpoch float64 `json:"sec_per_epoch,omitempty"`
	Seconds     float64 `json:"seconds"`
	// Tuned is what the fold's search chose (--tune).
	Tuned *pipeline.TuneSummary `json:"tuned,omitempty"`
}
