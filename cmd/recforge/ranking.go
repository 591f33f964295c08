package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/recforge/recforge/implicit"
)

const rankingSynopsis = `ranking --models NAMES --data SPEC [--seeds N] [--tune] [flags]

Trains implicit-feedback ranking models (itempop, mf, gmf, mlp, neumf; NCF,
He et al. WWW'17) and evaluates them, one run per seed, then mean ± std.

Data specs:
  ncf:PREFIX          PREFIX.train.rating, PREFIX.test.rating, PREFIX.test.negative
                      (NCF/DeepCF files, e.g. ncf:shared/data/ncf-loo/lastfm):
                      leave-one-out against the given negatives, HR@10 and NDCG@10
  movielens:FILE      a MovieLens rating file (u.data): every rating an interaction,
                      each user's latest held out among 99 sampled items (--split-seed)
  ml1m-implicit:DIR   DIR/train.txt and DIR/test.txt (user item item …): full
                      ranking over all items not trained on, Recall@20 and NDCG@20

With --tune, the learning rate, the factors (--tune-lr, --tune-factors) and the
number of epochs (at most --epochs) are chosen on a validation hold-out of the
training data (each user's latest training interaction, or a random
--valid-fraction of each user's training items under full ranking), never on
the test items. NeuMF is pretrained from the GMF and MLP settings and
fine-tuned with plain SGD (--finetune-lr, --finetune-epochs), unless
--no-pretrain. The last line of output is one JSON object.`

func runRanking(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ranking", rankingSynopsis, stdout, stderr)
	dataSpec := fs.String("data", "", "data `SPEC`: ncf:PREFIX, movielens:FILE or ml1m-implicit:DIR")
	models := fs.String("models", "", "comma-separated model `NAMES`: itempop, mf, gmf, mlp, neumf (--model is accepted too)")
	fs.alias("model", "models")
	factors := fs.Int("factors", 8, "embedding width of MF and GMF; the MLP tower's last width")
	layers := fs.String("layers", "", "MLP tower `WIDTHS`, input first (default 8F,4F,2F,F: 64,32,16,8 at 8 factors)")
	epochs := fs.Int("epochs", 20, "training epochs (the most tried with --tune)")
	lr := fs.Float64("lr", 0.001, "Adam learning rate")
	batch := fs.Int("batch", 256, "instances (positives and negatives) per step")
	negatives := fs.Int("negatives", 4, "sampled negatives per positive, resampled every epoch")
	l2 := fs.Float64("l2", 0, "L2 penalty on dense weights and the embedding rows of each batch")
	noPretrain := fs.Bool("no-pretrain", false, "train NeuMF from scratch with Adam instead of from a GMF and an MLP")
	alpha := fs.Float64("alpha", 0.5, "NeuMF pretraining: weight of the GMF's output layer (the MLP's gets 1−alpha)")
	ftEpochs := fs.Int("finetune-epochs", 10, "NeuMF fine-tuning epochs (the most tried with --tune)")
	ftLR := fs.Float64("finetune-lr", 0.001, "NeuMF fine-tuning SGD learning rate")
	seeds := fs.Int("seeds", 1, "training seeds (runs per model)")
	seed := fs.Uint64("seed", 1, "first seed; the runs use seed, seed+1, …")
	splitSeed := fs.Uint64("split-seed", 1, "seed of sampled test negatives (movielens) and of the validation hold-out")
	tune := fs.Bool("tune", false, "tune LR, factors and epochs on a validation hold-out of the training data")
	tuneLR := fs.String("tune-lr", "0.001,0.005", "learning `RATES` tried with --tune")
	tuneFactors := fs.String("tune-factors", "8", "factors tried with --tune (`LIST`)")
	tuneFtLR := fs.String("tune-finetune-lr", "0.001,0.01,0.1", "NeuMF fine-tuning `RATES` tried with --tune")
	validFrac := fs.Float64("valid-fraction", 0.1, "share of each user's training items held out for --tune under full ranking")
	threads := fs.Int("threads", 1, "threads that train a batch's shards at once (--shards), score the held-out users at once and split large matrix products (results are identical for any count)")
	shards := fs.Int("shards", 0, shardsUsage)
	quiet := fs.Bool("quiet", false, "no tuning lines on stderr")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *dataSpec == "" {
		return missing(fs, "data")
	}
	if *models == "" {
		return missing(fs, "models")
	}
	if *seeds < 1 {
		return badFlag("--seeds %d, want ≥ 1", *seeds)
	}
	if *threads < 1 {
		return badFlag("--threads %d, want ≥ 1", *threads)
	}
	if *shards < 0 {
		return badFlag("--shards %d, want ≥ 1", *shards)
	}
	tower, err := intList("layers", *layers)
	if err != nil {
		return err
	}
	plan := implicit.Plan{Tune: *tune, ValidFraction: *validFrac, ValidSeed: *splitSeed, Threads: *threads}
	if *tune {
		if plan.Grid.LR, err = floatList("tune-lr", *tuneLR); err != nil {
			return err
		}
		if plan.Grid.Factors, err = intList("tune-factors", *tuneFactors); err != nil {
			return err
		}
		if plan.FineTuneLR, err = floatList("tune-finetune-lr", *tuneFtLR); err != nil {
			return err
		}
	}
	for i := range *seeds {
		plan.Seeds = append(plan.Seeds, *seed+uint64(i))
	}
	// withFlags returns a model's default settings with the flags applied.
	withFlags := func(name string) (implicit.Settings, error) {
		s, err := implicit.DefaultSettings(name)
		if err != nil || name == "itempop" {
			return s, err
		}
		s.Factors, s.Layers, s.Epochs, s.LR = *factors, tower, *epochs, *lr
		s.Batch, s.Negatives, s.L2, s.Shards = *batch, *negatives, *l2, *shards
		return s, nil
	}
	for _, name := range splitList(*models) {
		if !slices.Contains(implicit.Models, name) {
			return unknownModel("ranking", name, "ranking model", implicit.Models)
		}
		s, err := withFlags(name)
		if err != nil {
			return err
		}
		if name == "neumf" {
			if *noPretrain {
				s.Pretrain, s.Alpha, s.GMF, s.MLP = false, 0, nil, nil
			} else {
				// The same settings as --models gmf and mlp, so that a
				// NeuMF listed with them starts from those very models.
				g, _ := withFlags("gmf")
				m, _ := withFlags("mlp")
				s.GMF, s.MLP, s.Alpha, s.Epochs, s.LR = &g, &m, *alpha, *ftEpochs, *ftLR
			}
		}
		plan.Models = append(plan.Models, s)
	}
	setThreads(*threads, *shards)
	d, err := implicit.Open(*dataSpec, implicit.LoadOptions{SplitSeed: *splitSeed})
	if err != nil {
		return err
	}
	names := d.Metrics()
	held := len(d.Split.Test)
	if d.Protocol == implicit.Full {
		held = len(d.Test)
	}
	fmt.Fprintf(stdout, "%s: %d users, %d items, %d training interactions; %s, %s and %s over %d users; seeds %d..%d\n",
		d.Name, d.In.NumUsers, d.In.NumItems, len(d.Train), d.Protocol, names[0], names[1], held, plan.Seeds[0], plan.Seeds[len(plan.Seeds)-1])
	plan.OnTrial = func(t implicit.Trial) {
		if !*quiet {
			fmt.Fprintf(stderr, "tune %-6s lr %g factors %d: best epoch %d, validation %s %.4f %s %.4f\n",
				t.Settings.Model, t.Settings.LR, t.Settings.Factors, t.Settings.Epochs, names[0], t.Metrics[names[0]], names[1], t.Metrics[names[1]])
		}
	}
	plan.OnRun = func(model string, r implicit.Run) {
		fmt.Fprintf(stdout, "%-7s seed %d: %s %.4f %s %.4f  (%d epochs, %.2f s/epoch, %.1f s)\n",
			model, r.Seed, names[0], r.Metrics[names[0]], names[1], r.Metrics[names[1]], r.Epochs, r.EpochSeconds, r.Seconds)
	}
	res, err := implicit.Execute(ctx, d, plan)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return errInterrupted
		}
		return err
	}
	fmt.Fprintln(stdout)
	for _, r := range res {
		fmt.Fprintf(stdout, "%-7s %s %.4f ± %.4f  %s %.4f ± %.4f  (%d seeds; %s)\n", r.Model,
			names[0], r.Mean[names[0]], r.Std[names[0]], names[1], r.Mean[names[1]], r.Std[names[1]], len(r.Runs), settingsLine(r.Settings))
	}
	return writeJSONLine(stdout, struct {
		Data     string            `json:"data"`
		Protocol string            `json:"protocol"`
		Metrics  [2]string         `json:"metrics"`
		Tuned    bool              `json:"tuned"`
		Results  []implicit.Result `json:"results"`
	}{d.Name, d.Protocol.String(), names, *tune, res})
}

// settingsLine summarizes the settings a model ran with.
func settingsLine(s implicit.Settings) string {
	switch {
	case s.Model == "itempop":
		return "train popularity"
	case s.Model == "neumf" && s.Pretrain:
		return fmt.Sprintf("from gmf (%s) and mlp (%s), alpha %g; SGD lr %g, %d epochs",
			settingsLine(*s.GMF), settingsLine(*s.MLP), s.Alpha, s.LR, s.Epochs)
	}
	line := fmt.Sprintf("lr %g, factors %d, %d epochs", s.LR, s.Factors, s.Epochs)
	if len(s.Layers) > 0 {
		line += fmt.Sprintf(", layers %v", s.Layers)
	}
	return line
}

// floatList parses a comma-separated flag of numbers.
func floatList(name, v string) ([]float64, error) {
	var out []float64
	for _, s := range splitList(v) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, badFlag("--%s: %q is not a number", name, s)
		}
		out = append(out, f)
	}
	return out, nil
}

// intList parses a comma-separated flag of integers.
func intList(name, v string) ([]int, error) {
	var out []int
	for _, s := range splitList(v) {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, badFlag("--%s: %q is not an integer", name, s)
		}
		out = append(out, n)
	}
	return out, nil
}
