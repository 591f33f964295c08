package implicit

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/optim"
	"github.com/recforge/recforge/train"
	"github.com/recforge/recforge/tune"
)

// Models lists the model names Settings accepts, in the order reports show
// them.
var Models = []string{"itempop", "mf", "gmf", "mlp", "neumf"}

// Settings are one model's hyper-parameters in an experiment.
type Settings struct {
	// Model is itempop, mf, gmf, mlp or neumf.
	Model string `json:"model"`
	// Factors is MF's and GMF's embedding width, and the MLP tower's last
	// width when Layers is empty.
	Factors int `json:"factors,omitempty"`
	// Layers are the MLP tower's widths, input first (empty: 8F, 4F, 2F, F).
	Layers []int `json:"layers,omitempty"`
	// Epochs is the number of training epochs (NeuMF with Pretrain: of
	// fine-tuning).
	Epochs int `json:"epochs,omitempty"`
	// LR is the learning rate: Adam's, or plain SGD's for a pretrained
	// NeuMF's fine-tuning.
	LR float64 `json:"lr,omitempty"`
	// Batch is the number of instances per step (0: 256).
	Batch int `json:"batch,omitempty"`
	// Negatives per positive (0: 4).
	Negatives int `json:"negatives,omitempty"`
	// L2 penalizes the dense weights and the touched embedding rows.
	L2 float64 `json:"l2,omitempty"`
	// Shards splits every batch into shards trained by replicas at once
	// (train.Config.Shards, 0: 1): the model depends on it, never on the
	// threads that train them.
	Shards int `json:"shards,omitempty"`
	// Pretrain (NeuMF) starts from a GMF and an MLP trained with the GMF
	// and MLP settings and fine-tunes with plain SGD; without it NeuMF
	// trains from scratch with Adam.
	Pretrain bool `json:"pretrain,omitempty"`
	// Alpha weighs the pretrained GMF's output layer against the MLP's.
	Alpha float64 `json:"alpha,omitempty"`
	// GMF and MLP are the pretraining settings of a NeuMF with Pretrain.
	GMF *Settings `json:"gmf,omitempty"`
	MLP *Settings `json:"mlp,omitempty"`
}

// DefaultSettings returns the settings of NCF's paper and code for model:
// 8 factors, MLP 64→32→16→8, batch 256, 4 negatives, Adam at 0.001 for 20
// epochs; NeuMF pretrained from GMF and MLP (α = 0.5) and fine-tuned with
// SGD at 0.001 for 10 epochs.
func DefaultSettings(model string) (Settings, error) {
	s := Settings{Model: model, Factors: 8, Epochs: 20, LR: 0.001, Batch: 256, Negatives: 4}
	switch model {
	case "itempop":
		return Settings{Model: model}, nil
	case "mf", "gmf", "mlp":
	case "neumf":
		g, _ := DefaultSettings("gmf")
		m, _ := DefaultSettings("mlp")
		s.Pretrain, s.Alpha, s.GMF, s.MLP, s.Epochs = true, 0.5, &g, &m, 10
	default:
		return Settings{}, fmt.Errorf("unknown model %q, want one of %v", model, Models)
	}
	return s, nil
}

// check validates what Fit needs beyond what the model and trainer check.
func (s Settings) check() error {
	if !slices.Contains(Models, s.Model) {
		return fmt.Errorf("unknown model %q, want one of %v", s.Model, Models)
	}
	if s.Model == "neumf" && s.Pretrain {
		if s.GMF == nil || s.MLP == nil || s.GMF.Model != "gmf" || s.MLP.Model != "mlp" {
			return fmt.Errorf("neumf: pretraining needs GMF and MLP settings")
		}
	}
	return nil
}

// tower returns the MLP tower of MLP settings s: its Layers, else NCF's
// 8F, 4F, 2F, F.
func (s Settings) tower() []int {
	if len(s.Layers) > 0 {
		return s.Layers
	}
	f := s.Factors
	return []int{8 * f, 4 * f, 2 * f, f}
}

// params returns the hyper-parameters of the model s describes, as
// model.New takes them.
func (s Settings) params() ([]byte, error) {
	p := map[string]any{}
	set := func(name string, v any, ok bool) {
		if ok {
			p[name] = v
		}
	}
	switch s.Model {
	case "itempop":
		return nil, nil
	case "neumf":
		if s.Pretrain {
			// The branches take the sizes of the GMF and MLP it starts
			// from.
			ft := optim.Spec{Rule: "sgd", LR: s.LR, WeightDecay: s.L2}
			p["factors"], p["layers"], p["pretrain"], p["alpha"], p["finetune"] = s.GMF.Factors, s.MLP.tower(), true, s.Alpha, ft
			break
		}
		p["pretrain"] = false
		fallthrough
	default:
		set("factors", s.Factors, s.Factors != 0)
		set("layers", s.Layers, len(s.Layers) > 0 && s.Model != "mf" && s.Model != "gmf")
	}
	set("l2", s.L2, s.L2 != 0)
	return json.Marshal(p)
}

// trainConfig returns the training configuration of s with seed: NCF's
// Adam (its β and ε are optim's defaults), with L2 as weight decay on the
// dense weights, batch 256 by default. ItemPop, fitted in closed form,
// reads none of it.
func (s Settings) trainConfig(seed uint64) train.Config {
	c := train.Config{Task: train.Binary, Epochs: max(s.Epochs, 1), Batch: s.Batch, Seed: seed, Shards: s.Shards,
		Optimizer: optim.Spec{Rule: "adam", LR: s.LR, WeightDecay: s.L2}}
	if c.Batch == 0 {
		c.Batch = 256
	}
	if s.Model == "itempop" {
		c.Optimizer.LR = 0.001
	}
	return c
}

// negatives is the number of sampled negatives per positive (default 4,
// NCF's).
func (s Settings) negatives() int {
	if s.Negatives == 0 {
		return 4
	}
	return s.Negatives
}

// FitOptions are optional inputs of Fit.
type FitOptions struct {
	// GMF and MLP, when both set, are the trained stages of a NeuMF with
	// Pretrain, trained on the same rows; otherwise the trainer trains
	// them (model.Pretrainer) with the GMF and MLP settings and the same
	// seed.
	GMF *model.GMF
	MLP *model.MLP
	// Validate evaluates the held-out interactions after every epoch and
	// ends with the weights of the epoch best on the primary metric.
	Validate bool
	// Threads train a batch's shards (Settings.Shards) and score the
	// held-out users at once (0: train.Threads()); the results are the
	// same for any count.
	Threads int
}

// Fitted is a trained model.
type Fitted struct {
	Model model.Model
	// Result is the trainer's record: a pretrained NeuMF's fine-tuning
	// epochs.
	Result *train.Result
	// IDs are the model's layout ids of the dataset's ids; Batch is the
	// largest batch it takes.
	IDs   train.PairIDs
	Batch int
}

// Evaluate evaluates the fitted model on d's test interactions under d's
// protocol, users on the threads it was trained on.
func (f *Fitted) Evaluate(ctx context.Context, d *Dataset) (*metric.Report, error) {
	return f.Result.Scorer.Evaluate(ctx, d.Evaluator(f.IDs, f.Batch), train.Binary)
}

// Fit trains the model s describes on d's training rows with train.Fit:
// seed selects the initial weights, the negatives and the shuffling.
func Fit(ctx context.Context, d *Dataset, s Settings, seed uint64, opt FitOptions) (*Fitted, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	enc, err := d.Encoders()
	if err != nil {
		return nil, err
	}
	ids, err := d.IDs(enc)
	if err != nil {
		return nil, err
	}
	params, err := s.params()
	if err != nil {
		return nil, err
	}
	tc := s.trainConfig(seed)
	layout := model.NewLayout(enc)
	topts := train.Options{Threads: opt.Threads, Replica: func(maxBatch int) (model.Model, error) {
		r, _, err := model.New(s.Model, params, model.Env{Layout: layout, MaxBatch: maxBatch, Seed: seed, Replica: true})
		return r, err
	}}
	batch := tc.Batch
	if s.Model == "neumf" && s.Pretrain {
		g, m := s.GMF.trainConfig(seed), s.MLP.trainConfig(seed)
		topts.Stages = map[string]train.Config{"gmf": g, "mlp": m}
		batch = max(batch, g.Batch, m.Batch)
	}
	m, _, err := model.New(s.Model, params, model.Env{Layout: layout, MaxBatch: batch, Seed: seed})
	if err != nil {
		return nil, err
	}
	if n, ok := m.(*model.NeuMF); ok && s.Pretrain && opt.GMF != nil && opt.MLP != nil {
		if err := n.InitFrom(opt.GMF, opt.MLP); err != nil {
			return nil, err
		}
		topts.Pretrained = true
	}
	// The sampling stream differs from the initialization stream of the
	// same seed.
	src, err := NewSource(d.In, d.Train, s.negatives(), seed^0x6e656773, ids)
	if err != nil {
		return nil, err
	}
	var valid train.Evaluator
	if opt.Validate {
		valid = d.Evaluator(ids, batch)
		tc.EarlyStop.Metric = d.Metrics()[1]
	}
	res, err := train.Fit(ctx, m, src, valid, tc, topts)
	if err != nil {
		return nil, err
	}
	return &Fitted{Model: m, Result: res, IDs: ids, Batch: batch}, nil
}

// Grid lists the values Tune tries; an empty list keeps the settings'
// value.
type Grid struct {
	LR      []float64
	Factors []int
}

// Trial is one tuning run's best epoch on the validation data.
type Trial struct {
	// Settings are the run's, with the best epoch as Epochs.
	Settings Settings `json:"settings"`
	// Metrics are the validation metrics at that epoch.
	Metrics map[string]float64 `json:"metrics"`
}

// Tuned is the outcome of Tune.
type Tuned struct {
	// Settings are the best trial's.
	Settings Settings
	// Best is the best trial's model at its best epoch, so that a tuned
	// GMF and MLP can pretrain the NeuMF tuned after them.
	Best   model.Model
	Trials []Trial
}

// Tune chooses, on a validation dataset v (Dataset.Validation: carved out
// of the training rows, never the test items), the learning rate and the
// factors from grid and the number of epochs (at most s.Epochs) that
// maximize v's primary metric (NDCG@K). Every grid point trains once with
// seed, evaluating v after every epoch (train.Fit keeps its best epoch).
// For a pretrained NeuMF only the fine-tuning LR is searched, starting
// from pre's GMF and MLP (trained on v's rows; trained here from the GMF
// and MLP settings when absent). ItemPop has nothing to tune.
func Tune(ctx context.Context, v *Dataset, s Settings, grid Grid, seed uint64, pre FitOptions, log func(Trial)) (*Tuned, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if s.Model == "itempop" {
		f, err := Fit(ctx, v, s, seed, FitOptions{Threads: pre.Threads})
		if err != nil {
			return nil, err
		}
		return &Tuned{Settings: s, Best: f.Model}, nil
	}
	lrs, factors := grid.LR, grid.Factors
	if len(lrs) == 0 {
		lrs = []float64{s.LR}
	}
	if len(factors) == 0 || (s.Model == "neumf" && s.Pretrain) {
		factors = []int{s.Factors}
	}
	// The grid, factors varying slowest, and its order are package
	// tune's, as every search's.
	space := tune.Space{tune.OneOf("factors", anySlice(factors)...), tune.OneOf("lr", anySlice(lrs)...).Training()}
	points, err := tune.Grid(space)
	if err != nil {
		return nil, fmt.Errorf("tune %s: %w", s.Model, err)
	}
	primary := v.Metrics()[1]
	t := &Tuned{}
	best := math.NaN()
	for _, g := range points {
		try := s
		try.LR = g.Train["lr"].(float64)
		if nf := g.Params["factors"].(int); nf != s.Factors {
			try.Factors, try.Layers = nf, nil // the tower follows the factors
		}
		opt := pre
		opt.Validate = true
		f, err := Fit(ctx, v, try, seed, opt)
		if err != nil {
			return nil, fmt.Errorf("tune %s (lr %g, factors %d): %w", s.Model, try.LR, try.Factors, err)
		}
		e := f.Result.Epochs[f.Result.BestEpoch-1]
		trial := Trial{Settings: try, Metrics: e.Valid}
		trial.Settings.Epochs = e.Epoch
		// The first of equal scores stays: tune.Better is strict.
		if x := e.Valid[primary]; !math.IsInf(x, -1) && tune.Better(x, best, true) {
			best, t.Best, t.Settings = x, f.Model, trial.Settings
		}
		t.Trials = append(t.Trials, trial)
		if log != nil {
			log(trial)
		}
	}
	if t.Best == nil {
		return nil, fmt.Errorf("tune %s: no epoch gave a finite %s", s.Model, primary)
	}
	return t, nil
}

// anySlice returns xs as a slice of any, for tune.OneOf.
func anySlice[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// Plan describes an experiment: models evaluated over seeds, optionally
// tuned first.
type Plan struct {
	// Models are the models' settings (tuned ones replace them when Tune).
	Models []Settings
	// Seeds are the training seeds; each model runs once per seed.
	Seeds []uint64
	// Tune tunes every model on a validation hold-out of the training
	// rows (Dataset.Validation) with Seeds[0] before the test runs.
	Tune bool
	// Grid is the tuning grid of MF, GMF, MLP and an unpretrained NeuMF.
	Grid Grid
	// FineTuneLR is the SGD learning-rate grid of a pretrained NeuMF.
	FineTuneLR []float64
	// ValidFraction is the share of each user's training rows held out
	// under full ranking (0: 0.1); ValidSeed draws the hold-out.
	ValidFraction float64
	ValidSeed     uint64
	// Threads train and evaluate every run (FitOptions.Threads).
	Threads int
	// OnTrial and OnRun, when set, report each tuning trial and each run.
	OnTrial func(Trial)
	OnRun   func(model string, r Run)
}

// Run is one model trained with one seed and evaluated on the test data.
type Run struct {
	Seed    uint64             `json:"seed"`
	Metrics map[string]float64 `json:"metrics"`
	// Epochs is the number of epochs trained (a pretrained NeuMF's
	// fine-tuning epochs).
	Epochs int `json:"epochs"`
	// EpochSeconds is the mean training time of those epochs.
	EpochSeconds float64 `json:"epoch_seconds"`
	// Seconds is the whole run: training (with pretraining when the run
	// did it) and evaluation.
	Seconds float64 `json:"seconds"`
}

// Result is one model's runs and their summary.
type Result struct {
	Model    string   `json:"model"`
	Settings Settings `json:"settings"`
	// Trials are the tuning trials (empty without tuning).
	Trials []Trial `json:"trials,omitempty"`
	Runs   []Run   `json:"runs"`
	// Mean and Std are each metric's mean and sample standard deviation
	// (n − 1) over the runs; Std is 0 for a single run.
	Mean map[string]float64 `json:"mean"`
	Std  map[string]float64 `json:"std"`
}

// Execute runs the plan on d. A pretrained NeuMF reuses, seed by seed, the
// GMF and MLP of the plan whose settings equal its pretraining settings
// (the same models it would train itself, trained once), and when tuning,
// their tuned settings.
func Execute(ctx context.Context, d *Dataset, p Plan) ([]Result, error) {
	if len(p.Seeds) == 0 {
		return nil, fmt.Errorf("no seeds")
	}
	if len(p.Models) == 0 {
		return nil, fmt.Errorf("no models")
	}
	results := make([]Result, len(p.Models))
	for i, s := range p.Models {
		if err := s.check(); err != nil {
			return nil, err
		}
		results[i] = Result{Model: s.Model, Settings: s}
	}
	if p.Tune {
		if err := tuneAll(ctx, d, p, results); err != nil {
			return nil, err
		}
	}
	for _, seed := range p.Seeds {
		// The models of this seed, whose GMF and MLP a pretrained NeuMF
		// starts from.
		var parts []*Fitted
		for i := range results {
			r := &results[i]
			start := time.Now()
			opt := FitOptions{Threads: p.Threads}
			if s := r.Settings; s.Model == "neumf" && s.Pretrain {
				for k, f := range parts {
					g, isGMF := f.Model.(*model.GMF)
					m, isMLP := f.Model.(*model.MLP)
					switch {
					case isGMF && equalSettings(results[k].Settings, *s.GMF):
						opt.GMF = g
					case isMLP && equalSettings(results[k].Settings, *s.MLP):
						opt.MLP = m
					}
				}
			}
			f, err := Fit(ctx, d, r.Settings, seed, opt)
			if err != nil {
				return nil, fmt.Errorf("%s seed %d: %w", r.Model, seed, err)
			}
			parts = append(parts, f)
			rep, err := f.Evaluate(ctx, d)
			if err != nil {
				return nil, fmt.Errorf("%s seed %d: %w", r.Model, seed, err)
			}
			epochs := f.Result.Epochs
			run := Run{Seed: seed, Metrics: rep.Metrics, Epochs: len(epochs), Seconds: time.Since(start).Seconds()}
			for _, e := range epochs {
				run.EpochSeconds += e.Seconds / float64(len(epochs))
			}
			r.Runs = append(r.Runs, run)
			if p.OnRun != nil {
				p.OnRun(r.Model, run)
			}
		}
	}
	for i := range results {
		results[i].Mean, results[i].Std = summarize(results[i].Runs)
	}
	return results, nil
}

// tuneAll tunes every model of the plan in order, GMF and MLP before a
// pretrained NeuMF that can start from them.
func tuneAll(ctx context.Context, d *Dataset, p Plan, results []Result) error {
	frac := p.ValidFraction
	if frac == 0 {
		frac = 0.1
	}
	v, err := d.Validation(frac, p.ValidSeed)
	if err != nil {
		return err
	}
	seed := p.Seeds[0]
	type done struct {
		orig  Settings
		tuned *Tuned
	}
	var tuned []done
	// find returns the tuned model whose untuned settings were s.
	find := func(s Settings) *Tuned {
		for _, t := range tuned {
			if equalSettings(t.orig, s) {
				return t.tuned
			}
		}
		return nil
	}
	order := make([]int, len(results))
	for i := range order {
		order[i] = i
	}
	// NeuMF last, so that the GMF and MLP of the plan are tuned first.
	slices.SortStableFunc(order, func(a, b int) int {
		return boolInt(results[a].Model == "neumf") - boolInt(results[b].Model == "neumf")
	})
	for _, i := range order {
		r := &results[i]
		s := r.Settings
		grid := p.Grid
		pre := FitOptions{Threads: p.Threads}
		if s.Model == "neumf" && s.Pretrain {
			g, m := find(*s.GMF), find(*s.MLP)
			if g == nil {
				if g, err = Tune(ctx, v, *s.GMF, p.Grid, seed, FitOptions{Threads: p.Threads}, p.OnTrial); err != nil {
					return err
				}
			}
			if m == nil {
				if m, err = Tune(ctx, v, *s.MLP, p.Grid, seed, FitOptions{Threads: p.Threads}, p.OnTrial); err != nil {
					return err
				}
			}
			gs, ms := g.Settings, m.Settings
			s.GMF, s.MLP = &gs, &ms
			pre.GMF, pre.MLP = g.Best.(*model.GMF), m.Best.(*model.MLP)
			grid = Grid{LR: p.FineTuneLR}
		}
		t, err := Tune(ctx, v, s, grid, seed, pre, p.OnTrial)
		if err != nil {
			return err
		}
		tuned = append(tuned, done{orig: r.Settings, tuned: t})
		r.Settings, r.Trials = t.Settings, t.Trials
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// equalSettings compares two settings by value.
func equalSettings(a, b Settings) bool {
	if a.GMF != nil || a.MLP != nil || b.GMF != nil || b.MLP != nil {
		return false // only GMF and MLP settings are compared
	}
	return a.Model == b.Model && a.Factors == b.Factors && slices.Equal(a.Layers, b.Layers) &&
		a.Epochs == b.Epochs && a.LR == b.LR && a.Batch == b.Batch && a.Negatives == b.Negatives &&
		a.L2 == b.L2 && a.Pretrain == b.Pretrain && a.Alpha == b.Alpha
}

// summarize returns each metric's mean and sample standard deviation
// (metric.StatOf, the one mean ± std of repeated runs).
func summarize(runs []Run) (mean, std map[string]float64) {
	mean, std = map[string]float64{}, map[string]float64{}
	if len(runs) == 0 {
		return
	}
	xs := make([]float64, len(runs))
	for k := range runs[0].Metrics {
		for i, r := range runs {
			xs[i] = r.Metrics[k]
		}
		st := metric.StatOf(xs)
		mean[k], std[k] = st.Mean, st.Std
	}
	return
}
