package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/internal/atomicfile"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/plot"
	"github.com/recforge/recforge/train"
	"github.com/recforge/recforge/tune"
)

// Files a search writes besides a training run's (Tune, Tuned.WriteFiles).
const (
	TrialsFile  = "trials.jsonl" // one line per trial per rung
	TrialsChart = "trials.svg"   // the validation metric of each trial by epochs
	TunedFile   = "tuned.yaml"   // the chosen configuration, for recforge train --config
)

// TuneOptions configure a hyper-parameter search (Tune, ZooOptions.Tune):
// successive halving (package tune) over the model's search space, every
// trial trained by TrainModel on the prepared training part and scored on
// the validation part only.
type TuneOptions struct {
	// Trials is the number of configurations (default tune.DefaultTrials):
	// the configuration as given is trial 0, the others are drawn.
	Trials int
	// Eta is the halving factor (default tune.DefaultEta).
	Eta int
	// Budget is the full budget in epochs: the chosen configuration's
	// training, η times the last rung's (default: the configuration's
	// epochs).
	Budget int
	// MinEpochs is the least a rung trains (default 1).
	MinEpochs int
	// Seed seeds the drawing of configurations; the trials train with the
	// configuration's seed, as the chosen one will.
	Seed uint64
	// Space is the search space; nil means the model's (model.SpaceOf).
	Space tune.Space
	// Command, when set, is the command line that trains tuned.yaml on
	// the search's data, for the file's header ("recforge train --config
	// tuned.yaml --data …"); empty says the data spec only.
	Command string
	// OnRecord, when set, is told of each trial's score as it comes (Kept
	// not yet decided); OnRung of each rung once ranked, with Kept set.
	OnRecord func(TrialRecord)
	OnRung   func(tune.Rung, []TrialRecord)
}

// TrialRecord is one line of trials.jsonl: one configuration's score at
// one rung, or the chosen configuration's final training.
type TrialRecord struct {
	Model string `json:"model"`
	// Trial numbers the configuration (0: the one given); Rung the round
	// of halving (the final training's is the number of rungs).
	Trial  int `json:"trial"`
	Rung   int `json:"rung"`
	Epochs int `json:"epochs"`
	// Params are the model hyper-parameters and Train the training
	// settings the trial sets over the configuration.
	Params map[string]any `json:"params"`
	Train  map[string]any `json:"train"`
	// Metric is the validation metric ranked by; Value the trial's (its
	// best epoch's, as early stopping keeps it), null when its training
	// diverged; BestEpoch that epoch.
	Metric    string  `json:"metric"`
	Value     float64 `json:"value"`
	BestEpoch int     `json:"best_epoch"`
	// Kept says the configuration went on to the next rung (at the last
	// rung: it is the one chosen).
	Kept bool `json:"kept"`
	// Final marks the chosen configuration's training with the full
	// budget, whose artifact is tested.
	Final bool `json:"final,omitempty"`
	// Error says why the trial has no value (its training diverged).
	Error string `json:"error,omitempty"`
	// Seconds is the trial's wall time (0 when its score was reused); it
	// is left out of the file, which is the same for the same seed.
	Seconds float64 `json:"-"`
}

// MarshalJSON writes r's fields in order, a value that is not finite as
// null.
func (r TrialRecord) MarshalJSON() ([]byte, error) {
	v := struct {
		Model     string         `json:"model"`
		Trial     int            `json:"trial"`
		Rung      int            `json:"rung"`
		Epochs    int            `json:"epochs"`
		Params    map[string]any `json:"params"`
		Train     map[string]any `json:"train"`
		Metric    string         `json:"metric"`
		Value     *float64       `json:"value"`
		BestEpoch int            `json:"best_epoch"`
		Kept      bool           `json:"kept"`
		Final     bool           `json:"final,omitempty"`
		Error     string         `json:"error,omitempty"`
	}{r.Model, r.Trial, r.Rung, r.Epochs, r.Params, r.Train, r.Metric, nil, r.BestEpoch, r.Kept, r.Final, r.Error}
	if !math.IsNaN(r.Value) && !math.IsInf(r.Value, 0) {
		v.Value = &r.Value
	}
	return json.Marshal(v)
}

// TuneSummary is what a search chose, as a run's JSON line (Outcome.Tuned)
// and a leaderboard's entry report it.
type TuneSummary struct {
	// Metric is the validation metric; Value the chosen configuration's at
	// the last rung.
	Metric string  `json:"metric"`
	Value  float64 `json:"valid"`
	// Trial is the chosen configuration, of Trials; Rungs the rounds of
	// halving, Eta their factor, Budget the full budget in epochs and
	// Seed the seed the configurations were drawn with.
	Trial  int    `json:"trial"`
	Trials int    `json:"trials"`
	Rungs  int    `json:"rungs"`
	Eta    int    `json:"eta"`
	Budget int    `json:"budget"`
	Seed   uint64 `json:"seed"`
	// TrialEpochs is the number of epochs the trials were given, all
	// told (early stopping may have ended some sooner; a score reused at a
	// later rung counts once).
	TrialEpochs int `json:"trial_epochs"`
	// Params and Train are the chosen values.
	Params map[string]any `json:"params"`
	Train  map[string]any `json:"train"`
	// Config is the file the chosen configuration was written to, if any.
	Config string `json:"config,omitempty"`
}

// Tuned is a finished search.
type Tuned struct {
	Model string
	// Metric is the validation metric ranked by, Higher its direction.
	Metric string
	Higher bool
	// Options are the search's, defaults filled in; Space the space
	// searched.
	Options TuneOptions
	Space   tune.Space
	// Rungs are the rounds of halving; Records every score, rung by rung
	// (each rung's in trial order), and the final training's last when
	// Tune ran it.
	Rungs   []tune.Rung
	Records []TrialRecord
	// Chosen is the configuration the last rung kept, Value its score
	// there; Config the run's configuration with its values and the full
	// budget: what tuned.yaml holds.
	Chosen tune.Trial
	Value  float64
	Config Config
	// Data is the training data spec.
	Data string
	// Outcome is the chosen configuration's training and test evaluation
	// (Tune; nil after a zoo's search).
	Outcome *Outcome
}

// Summary is t's TuneSummary; config names the file tuned.yaml was
// written to ("" for none).
func (t *Tuned) Summary(config string) *TuneSummary {
	s := &TuneSummary{Metric: t.Metric, Value: t.Value, Trial: t.Chosen.ID, Rungs: len(t.Rungs), Eta: t.Options.Eta,
		Budget: t.Options.Budget, Seed: t.Options.Seed, Params: t.Chosen.Params, Train: t.Chosen.Train, Config: config}
	seen := map[int]bool{}
	trained := map[[2]int]bool{} // a score reused at a later rung trained nothing
	for _, r := range t.Records {
		seen[r.Trial] = true
		if k := [2]int{r.Trial, r.Epochs}; !r.Final && !trained[k] {
			trained[k] = true
			s.TrialEpochs += r.Epochs
		}
	}
	s.Trials = len(seen)
	return s
}

// Tune searches cfg's model's hyper-parameters on p's validation part
// (see TuneOptions), then trains the chosen configuration with the full
// budget and evaluates it on the test part as TrainModel does, with run's
// options. The test part is read by that final evaluation only. With
// run.Out it writes there, besides the run's files, trials.jsonl,
// trials.svg and tuned.yaml, holding the directory's lock throughout;
// tuned.yaml trained with `recforge train --config` on the same data
// reproduces the final training. The outcome's Tuned field summarizes the
// search.
func Tune(ctx context.Context, p *Prepared, cfg *Config, dataSpec string, opt TuneOptions, run RunOptions) (*Tuned, error) {
	switch {
	case run.Resume:
		return nil, errors.New("tune: a search cannot be resumed; run it again (with --overwrite)")
	case run.Warm != nil:
		return nil, errors.New("tune: a warm start continues a model with its hyper-parameters; there is nothing to search")
	case run.NoTest:
		return nil, errors.New("tune: the chosen configuration is always tested")
	}
	if run.Out != "" {
		release, err := prepareOut(run.Out, false, run.Overwrite)
		if err != nil {
			return nil, err
		}
		defer release()
		run.locked = true
	}
	t, err := Search(ctx, p, cfg, dataSpec, opt)
	if err != nil {
		return nil, err
	}
	// The search's files first, so that a final training that fails or is
	// killed loses none of it; they are written again with its line.
	if run.Out != "" {
		if err := t.WriteFiles(run.Out); err != nil {
			return nil, err
		}
	}
	c := t.Config
	o, err := TrainModel(ctx, p, &c, dataSpec, run)
	if err != nil {
		return nil, fmt.Errorf("tune: the chosen configuration (trial %d): %w", t.Chosen.ID, err)
	}
	t.Outcome = o
	final := t.record(t.Chosen, len(t.Rungs), t.Options.Budget)
	final.Value, final.BestEpoch, final.Kept, final.Final = o.Result.Valid[t.Metric], o.BestEpoch, true, true
	if _, ok := o.Result.Valid[t.Metric]; !ok {
		final.Value = math.NaN()
	}
	final.Seconds = o.Seconds
	t.Records = append(t.Records, final)
	config := ""
	if run.Out != "" {
		if err := t.WriteFiles(run.Out); err != nil {
			return nil, err
		}
		config = filepath.Join(run.Out, TunedFile)
	}
	o.Tuned = t.Summary(config)
	return t, nil
}

// Search runs the trials of a search of cfg's model on p (see
// TuneOptions) and returns it without training the choice: t.Config is
// the configuration chosen, with the full budget. Every trial is scored on
// p's validation part; the test part is never read. Tune and the zoo
// search through it; so does a protocol with its own final training
// (package rating).
func Search(ctx context.Context, p *Prepared, cfg *Config, dataSpec string, opt TuneOptions) (*Tuned, error) {
	name := cfg.Model.Name
	if _, ok := model.Lookup(name); !ok {
		return nil, fmt.Errorf("tune: unknown model %q, expected one of %s", name, strings.Join(model.Names(), ", "))
	}
	space := opt.Space
	if space == nil {
		var err error
		if space, err = model.SpaceOf(name); err != nil {
			return nil, fmt.Errorf("tune: %w", err)
		}
	}
	if err := model.CheckSpace(name, space); err != nil {
		return nil, fmt.Errorf("tune: %w", err)
	}
	if opt.Trials == 0 {
		opt.Trials = tune.DefaultTrials
	}
	if opt.Eta == 0 {
		opt.Eta = tune.DefaultEta
	}
	if opt.MinEpochs == 0 {
		opt.MinEpochs = 1
	}
	if opt.Budget == 0 {
		opt.Budget = cfg.Train.Epochs
	}
	switch {
	case opt.Trials < 2 || opt.Trials > tune.MaxTrials:
		return nil, fmt.Errorf("tune: %d trials, want 2 to %d", opt.Trials, tune.MaxTrials)
	case opt.Eta < 2:
		return nil, fmt.Errorf("tune: halving factor %d, want ≥ 2", opt.Eta)
	case opt.Budget < opt.MinEpochs:
		return nil, fmt.Errorf("tune: a budget of %d epochs, want ≥ %d", opt.Budget, opt.MinEpochs)
	}
	if err := cfg.Train.Validate(); err != nil {
		return nil, err
	}
	if _, valid, _ := p.Sources(cfg.Train.Batch); valid == nil {
		return nil, errors.New("tune: the data has no validation part to score the trials on")
	}
	metric, higher, err := tunedMetric(p, cfg)
	if err != nil {
		return nil, err
	}
	base, err := baseTrial(cfg, space)
	if err != nil {
		return nil, err
	}
	t := &Tuned{Model: name, Metric: metric, Higher: higher, Options: opt, Space: space, Data: dataSpec}
	type extra struct {
		best int
		secs float64
		err  string
	}
	extras := map[[2]int]extra{}
	var trials []tune.Trial
	eval := func(ctx context.Context, tr tune.Trial, epochs int) (float64, error) {
		c, err := trialConfig(cfg, tr, epochs)
		if err != nil {
			return 0, err
		}
		o, err := TrainModel(ctx, p, &c, dataSpec, RunOptions{NoTest: true})
		if errors.Is(err, train.ErrDiverged) {
			extras[[2]int{tr.ID, epochs}] = extra{err: err.Error()}
			return math.NaN(), nil
		}
		if err != nil {
			return 0, err
		}
		if o.Result.Watched != metric {
			return 0, fmt.Errorf("training watched %s, the search ranks by %s", o.Result.Watched, metric)
		}
		v, ok := o.Result.Valid[metric]
		if !ok {
			return 0, fmt.Errorf("validation reported no %s", metric)
		}
		extras[[2]int{tr.ID, epochs}] = extra{best: o.BestEpoch, secs: o.Seconds}
		return v, nil
	}
	toRecord := func(r tune.Record) TrialRecord {
		rec := t.record(trials[r.Trial], r.Rung, r.Epochs)
		x := extras[[2]int{r.Trial, r.Epochs}]
		rec.Value, rec.Kept, rec.BestEpoch, rec.Error = r.Value, r.Kept, x.best, x.err
		return rec
	}
	reported := map[[2]int]bool{} // a reused score took no time
	topt := tune.Options{Trials: opt.Trials, Eta: opt.Eta, MinEpochs: opt.MinEpochs, MaxEpochs: opt.Budget, Seed: opt.Seed, Higher: higher, Base: base,
		OnRecord: func(r tune.Record) {
			if opt.OnRecord != nil {
				rec := toRecord(r)
				if k := [2]int{r.Trial, r.Epochs}; !reported[k] {
					reported[k] = true
					rec.Seconds = extras[k].secs
				}
				opt.OnRecord(rec)
			}
		},
	}
	if trials, err = tune.Sample(space, opt.Trials, opt.Seed, base); err != nil {
		return nil, fmt.Errorf("tune: %w", err)
	}
	if len(trials) < 2 {
		return nil, fmt.Errorf("tune: the search space of %s holds %d distinct configuration: nothing to choose between", name, len(trials))
	}
	if opt.OnRung != nil {
		topt.OnRung = func(rung tune.Rung, rs []tune.Record) {
			recs := make([]TrialRecord, len(rs))
			for i, r := range rs {
				recs[i] = toRecord(r)
			}
			opt.OnRung(rung, recs)
		}
	}
	res, err := tune.Halve(ctx, trials, topt, eval)
	if err != nil {
		return nil, fmt.Errorf("tune %s: %w", name, err)
	}
	// The seconds of a trial go to its first record, as OnRecord saw them.
	timed := map[[2]int]bool{}
	for _, r := range res.Records {
		rec := toRecord(r)
		if k := [2]int{r.Trial, r.Epochs}; !timed[k] {
			timed[k] = true
			rec.Seconds = extras[k].secs
		}
		t.Records = append(t.Records, rec)
	}
	t.Rungs, t.Chosen, t.Value = res.Rungs, res.Best, res.BestValue
	if math.IsNaN(t.Value) {
		return nil, fmt.Errorf("tune %s: the training of every configuration diverged", name)
	}
	if t.Config, err = trialConfig(cfg, t.Chosen, opt.Budget); err != nil {
		return nil, err
	}
	return t, nil
}

// record is the TrialRecord of trial tr at a rung, without its score.
func (t *Tuned) record(tr tune.Trial, rung, epochs int) TrialRecord {
	return TrialRecord{Model: t.Model, Trial: tr.ID, Rung: rung, Epochs: epochs, Params: tr.Params, Train: tr.Train, Metric: t.Metric}
}

// tunedMetric returns the validation metric the trials of cfg on p are
// ranked by — the one early stopping watches, as train.Fit chooses it —
// and its direction.
func tunedMetric(p *Prepared, cfg *Config) (string, bool, error) {
	task := cfg.Train.Task
	if task == "" {
		task = p.Task
	}
	if task == "" {
		src, _, _ := p.Sources(cfg.Train.Batch)
		if l, ok := src.(train.Labeled); ok {
			task = train.DetectTask(l.Labels())
		}
	}
	metric := cfg.Train.EarlyStop.Metric
	if metric == "" {
		metric = p.Watch
	}
	if metric == "" {
		metric = "auc"
		if task == train.Regression {
			metric = "rmse"
		}
	}
	higher, ok := train.HigherIsBetter(metric)
	if !ok {
		return "", false, fmt.Errorf("tune: unknown validation metric %q", metric)
	}
	return metric, higher, nil
}

// baseTrial is trial 0: the values cfg already gives the space's
// parameters (the model's defaults where cfg sets none).
func baseTrial(cfg *Config, space tune.Space) (*tune.Trial, error) {
	params, err := cfg.Model.params()
	if err != nil {
		return nil, err
	}
	_, resolved, err := model.ResolveConfig(cfg.Model.Name, params)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(resolved))
	dec.UseNumber()
	var all map[string]any
	if err := dec.Decode(&all); err != nil {
		return nil, err
	}
	base := &tune.Trial{Params: map[string]any{}, Train: map[string]any{}}
	for _, p := range space {
		if p.Train {
			switch p.Name {
			case model.SettingLR:
				base.Train[p.Name] = cfg.Train.Optimizer.LR
			case model.SettingWeightDecay:
				base.Train[p.Name] = cfg.Train.Optimizer.WeightDecay
			case model.SettingBatch:
				base.Train[p.Name] = cfg.Train.Batch
			}
			continue
		}
		v := all[p.Name]
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				v = int(i)
			} else if f, err := n.Float64(); err == nil {
				v = f
			}
		}
		base.Params[p.Name] = v
	}
	return base, nil
}

// trialConfig is cfg with trial tr's values, trained for epochs.
func trialConfig(cfg *Config, tr tune.Trial, epochs int) (Config, error) {
	c := *cfg
	c.Model.Params = maps.Clone(cfg.Model.Params)
	if c.Model.Params == nil {
		c.Model.Params = map[string]any{}
	}
	maps.Copy(c.Model.Params, tr.Params)
	for _, k := range slices.Sorted(maps.Keys(tr.Train)) {
		v := tr.Train[k]
		f, ok := asFloat(v)
		if !ok {
			return c, fmt.Errorf("tune: training setting %s = %v, want a number", k, v)
		}
		switch k {
		case model.SettingLR:
			c.Train.Optimizer.LR = f
		case model.SettingWeightDecay:
			c.Train.Optimizer.WeightDecay = f
		case model.SettingBatch:
			if f != math.Trunc(f) || f < 1 {
				return c, fmt.Errorf("tune: batch = %v, want a whole number ≥ 1", v)
			}
			c.Train.Batch = int(f)
		default:
			return c, fmt.Errorf("tune: unknown training setting %q, expected one of %s", k, strings.Join(model.TrainSettings(), ", "))
		}
	}
	c.Train.Epochs = epochs
	return c, nil
}

// asFloat returns a numeric value as a float64.
func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	}
	return 0, false
}

// WriteFiles writes the search into dir (created if need be), each file
// through a temporary file and a rename: trials.jsonl (its records),
// trials.svg (each trial's validation metric by epochs, coloured by the
// rung it stopped at) and tuned.yaml (the chosen configuration).
func (t *Tuned) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var lines bytes.Buffer
	for _, r := range t.Records {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		lines.Write(append(b, '\n'))
	}
	if err := writeAtomic(filepath.Join(dir, TrialsFile), lines.Bytes()); err != nil {
		return err
	}
	if err := t.drawTrials(filepath.Join(dir, TrialsChart)); err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, TunedFile), 0o644, t.writeConfig)
}

// writeConfig writes the chosen configuration as a configuration file,
// headed by comments that say where it comes from.
func (t *Tuned) writeConfig(w io.Writer) error {
	bw := bufio.NewWriter(w)
	comment(bw, fmt.Sprintf("The configuration recforge's search chose for %s: trial %d of %d, validation %s %s after %s of successive halving (η %d, seed %d); its full budget is %d epochs.\n",
		t.Model, t.Chosen.ID, t.Summary("").Trials, t.Metric, fmtFloat(t.Value), plural(len(t.Rungs), "rung", "rungs"), t.Options.Eta, t.Options.Seed, t.Options.Budget))
	if t.Options.Command != "" {
		comment(bw, "Reproduce the training:\n  "+t.Options.Command+"\n")
	} else {
		comment(bw, "Reproduce the training on the data "+t.Data+" (with the same validation and test data, if given): recforge train --config tuned.yaml --data SPEC\n")
	}
	c := t.Config
	c.Model.Params = decimalFloats(c.Model.Params).(map[string]any)
	doc := struct {
		Schema *feature.Schema `yaml:"schema,omitempty"`
		Model  ModelConfig     `yaml:"model"`
		Train  train.Config    `yaml:"train"`
		Data   *DataConfig     `yaml:"data,omitempty"`
	}{Schema: c.Schema, Model: c.Model, Train: c.Train}
	if c.Data.SkipBad || c.Data.MaxLineBytes != 0 || len(c.Data.Split) > 0 {
		doc.Data = &c.Data
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		return fmt.Errorf("pipeline: writing the tuned configuration: %w", err)
	}
	bw.Write(b)
	return bw.Flush()
}

// decimalFloat is a float64 that YAML writes in decimal notation: a
// hyper-parameter map holds no type, and YAML 1.1 reads 1e-05 (no dot) as
// a string, 0.00001 as a number.
type decimalFloat float64

// MarshalYAML writes f in decimal notation.
func (f decimalFloat) MarshalYAML() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(f), 'f', -1, 64)), nil
}

// decimalFloats returns v with every finite float64 a decimalFloat.
func decimalFloats(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = decimalFloats(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = decimalFloats(e)
		}
		return out
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return decimalFloat(x)
		}
	}
	return v
}

// drawTrials plots each trial's validation metric against the epochs it
// trained, one line per trial through its rungs, coloured by the rung it
// stopped at; the chosen one's line ends at its full-budget training.
func (t *Tuned) drawTrials(path string) error {
	last := map[int]int{} // trial → the last rung it was scored at
	for _, r := range t.Records {
		if !r.Final {
			last[r.Trial] = max(last[r.Trial], r.Rung)
		}
	}
	group := func(trial int) (string, int) {
		if trial == t.Chosen.ID {
			return fmt.Sprintf("chosen (trial %d)", trial), len(t.Rungs)
		}
		rung := last[trial]
		return fmt.Sprintf("dropped at rung %d (%s)", rung, plural(t.Rungs[rung].Epochs, "epoch", "epochs")), rung
	}
	type line struct {
		order int
		s     plot.Series
	}
	byTrial := map[int]*line{}
	var ids []int
	for _, r := range t.Records {
		if math.IsNaN(r.Value) || math.IsInf(r.Value, 0) {
			continue
		}
		l, ok := byTrial[r.Trial]
		if !ok {
			name, order := group(r.Trial)
			l = &line{order: order, s: plot.Series{Name: name}}
			byTrial[r.Trial] = l
			ids = append(ids, r.Trial)
		}
		l.s.X = append(l.s.X, float64(r.Epochs))
		l.s.Y = append(l.s.Y, r.Value)
	}
	if len(ids) == 0 {
		return nil // every trial diverged: nothing to draw
	}
	// The legend lists the groups in rung order, the chosen one last.
	slices.SortStableFunc(ids, func(a, b int) int { return byTrial[a].order - byTrial[b].order })
	panel := plot.Panel{YLabel: "validation " + t.Metric}
	for _, id := range ids {
		panel.Series = append(panel.Series, byTrial[id].s)
	}
	return plot.LearningCurve(path, plot.CurveChart{
		Title:  fmt.Sprintf("%s: successive halving on validation %s", t.Model, t.Metric),
		XLabel: "epochs trained", Panels: []plot.Panel{panel},
	})
}

// String describes a record in one line for progress output:
// "trial 4 (lr 0.00316, embedding_dim 16): 3 epochs, valid auc 0.7412".
func (r TrialRecord) String() string {
	var parts []string
	for _, m := range []map[string]any{r.Train, r.Params} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			parts = append(parts, fmt.Sprintf("%s %v", k, m[k]))
		}
	}
	s := fmt.Sprintf("trial %d (%s): %s", r.Trial, strings.Join(parts, ", "), plural(r.Epochs, "epoch", "epochs"))
	if r.Error != "" {
		return s + ", no score: " + r.Error
	}
	s += fmt.Sprintf(", valid %s %.4f", r.Metric, r.Value)
	if r.BestEpoch > 0 && r.BestEpoch < r.Epochs {
		s += fmt.Sprintf(" (best epoch %d)", r.BestEpoch)
	}
	if r.Seconds > 0 {
		s += fmt.Sprintf(", %.2fs", r.Seconds)
	}
	return s
}

// plural writes n and the noun in the number n takes.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
