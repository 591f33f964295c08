package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/internal/atomicfile"
	"github.com/recforge/recforge/internal/dirlock"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/plot"
	"github.com/recforge/recforge/train"
)

// Files a training run writes in its output directory.
const (
	ArtifactDir    = "model"                  // the artifact
	CheckpointFile = "checkpoint.safetensors" // the latest epoch's checkpoint
	LogFile        = "train.jsonl"            // one JSON object per epoch
	CurveFile      = "learning_curve.svg"     // the learning curves
)

// RunOptions are a training run's side settings.
type RunOptions struct {
	// Out is the output directory ("" to keep nothing: no artifact, log
	// or checkpoint, as the zoo trains).
	Out string
	// Resume continues from Out's checkpoint.
	Resume bool
	// Overwrite replaces an earlier run's outputs in Out.
	Overwrite bool
	// Warm, when set, is the artifact the run continues: its weights are
	// copied into the model built for the prepared encoders, which must
	// have grown from the artifact's (Inputs.Warm), and the artifact the
	// run writes records it.
	Warm *Warm
	// OnBatch and OnEpoch receive the trainer's progress.
	OnBatch func(train.Progress)
	OnEpoch func(train.EpochStats)
	// OnProgress, when set, is told how far the test evaluation has got,
	// as stage "evaluate" of spec "test".
	OnProgress func(dataset.Progress)
	// NoTest trains and validates without the test evaluation: the test
	// part is never read and the outcome has no test metrics (Metrics
	// empty, Report nil). Tune's trials run so; it needs Out "".
	NoTest bool

	// locked says the caller holds Out's lock and has prepared the
	// directory (Tune, which writes there before and after training).
	locked bool
}

// Outcome is what a training run reports: the fields of the command's
// final JSON line, and the trainer's result.
type Outcome struct {
	Model           string         `json:"model"`
	Data            string         `json:"data"`
	Protocol        string         `json:"protocol"`
	Split           string         `json:"split"`
	Metrics         map[string]any `json:"metrics"`
	TrainRowsPerSec float64        `json:"train_rows_per_sec"`
	Epochs          int            `json:"epochs"`
	BestEpoch       int            `json:"best_epoch"`
	Seconds         float64        `json:"seconds"`
	// SkippedRows counts the malformed records skipped while preparing
	// the data (DataConfig.SkipBad), reported whether the encoded caches
	// were built by this run or reused.
	SkippedRows int64  `json:"skipped_rows"`
	Artifact    string `json:"artifact,omitempty"`
	// WarmStart is the directory of the artifact the run continued from
	// (RunOptions.Warm).
	WarmStart string `json:"warm_start,omitempty"`
	// Tuned, for the training that ends a search (Tune), says what the
	// search chose.
	Tuned *TuneSummary `json:"tuned,omitempty"`

	// Report holds the test metrics; Result the trainer's record; Model
	// the trained model.
	Report  *metric.Report `json:"-"`
	Result  *train.Result  `json:"-"`
	Trained model.Model    `json:"-"`
}

// TrainModel trains the model of cfg on p, evaluates it on p's test rows
// and, with opts.Out, saves the artifact, the JSON-lines log, the learning
// curves and a checkpoint per epoch there.
func TrainModel(ctx context.Context, p *Prepared, cfg *Config, dataSpec string, opts RunOptions) (*Outcome, error) {
	begin := time.Now()
	if opts.NoTest && opts.Out != "" {
		return nil, errors.New("a run without a test evaluation writes no output directory: set Out to \"\"")
	}
	tc := cfg.Train
	if tc.Task == "" {
		tc.Task = p.Task
	}
	if tc.EarlyStop.Metric == "" {
		tc.EarlyStop.Metric = p.Watch
	}
	params, err := cfg.Model.params()
	if err != nil {
		return nil, err
	}
	// The memory check counts what training holds besides the model.
	training := &model.Training{Optimizer: tc.Optimizer, Parts: tc.Parts, Checkpoint: opts.Out != ""}
	m, resolved, err := model.New(cfg.Model.Name, params, model.Env{Layout: model.NewLayout(p.Encoders), MaxBatch: tc.Batch, Seed: tc.Seed, Training: training})
	if err != nil {
		return nil, err
	}
	var warmSource *artifact.WarmStart
	if opts.Warm != nil {
		if cfg.Model.Name != opts.Warm.Manifest.Model {
			return nil, fmt.Errorf("warm start: the artifact in %s holds a %s model, the run trains %s", opts.Warm.Dir, opts.Warm.Manifest.Model, cfg.Model.Name)
		}
		if err := opts.Warm.CopyInto(m, p.Encoders); err != nil {
			return nil, err
		}
		warmSource = opts.Warm.source()
	}
	if opts.Out != "" && !opts.locked {
		release, err := prepareOut(opts.Out, opts.Resume, opts.Overwrite)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	fingerprint, err := runFingerprint(cfg.Model.Name, resolved, tc, p.Fingerprint)
	if err != nil {
		return nil, err
	}
	topts := train.Options{Fingerprint: fingerprint, Resume: opts.Resume, OnBatch: opts.OnBatch}
	// Replicas train the shards of a batch (tc.Shards > 1) and score
	// validation and test batches on the threads (train.SetThreads).
	layout := model.NewLayout(p.Encoders)
	topts.Replica = func(maxBatch int) (model.Model, error) {
		// A replica shares the model's weights: the memory check
		// counted them once, with the model, and its tables are
		// views (Env.Replica).
		r, _, err := model.New(cfg.Model.Name, params, model.Env{Layout: layout, MaxBatch: maxBatch, Seed: tc.Seed, MemoryLimit: -1, Replica: true})
		return r, err
	}
	var log *os.File
	if opts.Out != "" {
		topts.Checkpoint = filepath.Join(opts.Out, CheckpointFile)
		flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if opts.Resume {
			flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		if log, err = os.OpenFile(filepath.Join(opts.Out, LogFile), flags, 0o644); err != nil {
			return nil, err
		}
		defer log.Close()
	}
	var logErr error
	topts.OnEpoch = func(es train.EpochStats) {
		if log != nil && logErr == nil {
			b, _ := json.Marshal(es)
			_, logErr = log.Write(append(b, '\n'))
		}
		if opts.OnEpoch != nil {
			opts.OnEpoch(es)
		}
	}
	src, valid, test := p.Sources(tc.Batch)
	res, err := train.Fit(ctx, m, src, valid, tc, topts)
	if err != nil {
		return nil, err
	}
	if logErr != nil {
		return nil, fmt.Errorf("training log: %w", logErr)
	}
	if opts.NoTest {
		return &Outcome{Model: cfg.Model.Name, Data: dataSpec, Protocol: p.Protocol, Split: p.Split, Metrics: map[string]any{},
			TrainRowsPerSec: res.RowsPerSec, Epochs: len(res.Epochs), BestEpoch: res.BestEpoch, SkippedRows: p.Skipped,
			Result: res, Trained: m, Seconds: time.Since(begin).Seconds()}, nil
	}
	// On the threads validation scored on, with its replicas.
	if opts.OnProgress != nil {
		res.Scorer.OnProgress = func(scored, total int) {
			opts.OnProgress(dataset.Progress{Stage: "evaluate", Spec: "test", Rows: int64(scored), TotalRows: int64(total)})
		}
		opts.OnProgress(dataset.Progress{Stage: "evaluate", Spec: "test", TotalRows: int64(p.Test.Len())})
	}
	rep, err := res.Scorer.Evaluate(ctx, test, res.Task)
	res.Scorer.OnProgress = nil
	if err != nil {
		return nil, fmt.Errorf("test evaluation: %w", err)
	}
	if opts.OnProgress != nil {
		opts.OnProgress(dataset.Progress{Stage: "evaluate", Spec: "test", Rows: int64(p.Test.Len()), TotalRows: int64(p.Test.Len()), Done: true})
	}
	out := &Outcome{
		Model: cfg.Model.Name, Data: dataSpec, Protocol: p.Protocol, Split: p.Split, Metrics: map[string]any{},
		TrainRowsPerSec: res.RowsPerSec, Epochs: len(res.Epochs), BestEpoch: res.BestEpoch, SkippedRows: p.Skipped,
		Report: rep, Result: res, Trained: m,
	}
	for k, v := range rep.Metrics {
		out.Metrics[k] = v
	}
	if opts.Warm != nil {
		out.WarmStart = opts.Warm.Dir
	}
	if opts.Out != "" {
		dir := filepath.Join(opts.Out, ArtifactDir)
		if err := SaveArtifact(dir, ArtifactInfo{Model: cfg.Model.Name, Task: res.Task, HyperParams: resolved, Encoders: p.Encoders,
			DataFingerprint: p.Fingerprint, Report: rep, Protocol: p.Protocol + " (" + p.Split + ")", Seen: p.Seen,
			SkippedRows: p.Skipped, WarmStart: warmSource}, m); err != nil {
			return nil, err
		}
		out.Artifact = dir
		// A model fitted in closed form has no epochs to draw.
		if len(res.Epochs) > 0 {
			if err := drawCurves(filepath.Join(opts.Out, CurveFile), cfg.Model.Name, res); err != nil {
				return nil, err
			}
		}
	}
	out.Seconds = time.Since(begin).Seconds()
	return out, nil
}

// ArtifactInfo is what an artifact records besides the weights.
type ArtifactInfo struct {
	// Model is the registered name, HyperParams its resolved
	// hyper-parameters (model.New's), Task what its output means.
	Model       string
	HyperParams []byte
	Task        train.Task
	// Encoders turn raw records into the model's inputs; their schema is
	// recorded with them.
	Encoders *feature.Encoders
	// DataFingerprint identifies the training data; Report and Protocol
	// are the test evaluation that ended the run.
	DataFingerprint string
	Report          *metric.Report
	Protocol        string
	// Seen, when set, is the training log's (user, item) pairs, stored
	// for recommendation (artifact.SeenFile).
	Seen *artifact.Seen
	// SkippedRows counts the malformed records skipped while preparing
	// the training data.
	SkippedRows int64
	// WarmStart, when set, is the artifact the run continued from.
	WarmStart *artifact.WarmStart
}

// SaveArtifact writes m with info as the artifact in dir, replacing an
// artifact there atomically: the one artifact format of every model, which
// Load reads back.
func SaveArtifact(dir string, info ArtifactInfo, m model.Model) error {
	encJSON, err := json.Marshal(info.Encoders)
	if err != nil {
		return err
	}
	schemaJSON, err := json.Marshal(info.Encoders.Schema())
	if err != nil {
		return err
	}
	man := &artifact.Manifest{
		Model: info.Model, Task: string(info.Task), HyperParams: info.HyperParams, Schema: schemaJSON, Encoders: encJSON,
		DataFingerprint: info.DataFingerprint, Protocol: info.Protocol, SkippedRows: info.SkippedRows,
		WarmStart: info.WarmStart,
	}
	if info.Report != nil {
		man.Metrics = info.Report.Metrics
	}
	return artifact.Save(dir, man, append(model.Params(m), model.Buffers(m)...), model.Tables(m), artifact.SaveOptions{Replace: true, Seen: info.Seen})
}

// prepareOut makes sure writing a run into dir loses nothing the user did
// not ask to replace, and takes dir's lock (internal/dirlock) for the run;
// release frees it. Holding the lock, no live process writes in dir, so
// the temporaries an earlier run left there when it was killed (a
// checkpoint, learning curves or an artifact being written) are removed.
func prepareOut(dir string, resume, overwrite bool) (release func(), err error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if resume {
			return nil, fmt.Errorf("cannot resume: %s does not exist; train without --resume", dir)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	unlock, err := dirlock.Lock(dir)
	if errors.Is(err, dirlock.ErrLocked) {
		return nil, fmt.Errorf("output directory %s is in use by another recforge run; wait for it to end or choose another --out", dir)
	}
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	if dirlock.Supported {
		if err := removeTemps(dir); err != nil {
			return nil, err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{ArtifactDir: true, CheckpointFile: true, LogFile: true, CurveFile: true, TrialsFile: true, TrialsChart: true, TunedFile: true}
	checkpointed := false
	for _, e := range entries {
		if !known[e.Name()] {
			return nil, fmt.Errorf("output directory %s holds %s, which recforge did not write; choose another --out", dir, e.Name())
		}
		checkpointed = checkpointed || e.Name() == CheckpointFile
	}
	// A run killed before its first checkpoint leaves its log (and maybe
	// an earlier run's artifact) but nothing to resume from.
	killedEarly := fmt.Sprintf("%s holds a run killed before its first checkpoint: nothing to resume; rerun with --overwrite", dir)
	switch {
	case resume && len(entries) == 0:
		return nil, fmt.Errorf("cannot resume: %s holds no run; train without --resume", dir)
	case resume && !checkpointed:
		return nil, fmt.Errorf("cannot resume: %s", killedEarly)
	case resume || len(entries) == 0:
		return unlock, nil
	case !overwrite && !checkpointed:
		return nil, fmt.Errorf("output directory %s", killedEarly)
	case !overwrite:
		return nil, fmt.Errorf("output directory %s holds an earlier run; pass --resume to continue it or --overwrite to replace it", dir)
	}
	for _, f := range []string{CheckpointFile, LogFile, CurveFile, TrialsFile, TrialsChart, TunedFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return unlock, nil
}

// removeTemps removes the temporaries of the files a run writes in dir:
// the checkpoint's, the learning curves' and a search's files'
// (internal/atomicfile) and the artifact's (artifact.Save). The caller
// holds dir's lock.
func removeTemps(dir string) error {
	var temps []string
	for _, f := range []string{CheckpointFile, CurveFile, TrialsFile, TrialsChart, TunedFile} {
		ts, err := atomicfile.Temps(filepath.Join(dir, f))
		if err != nil {
			return err
		}
		temps = append(temps, ts...)
	}
	ts, err := artifact.Temps(filepath.Join(dir, ArtifactDir))
	if err != nil {
		return err
	}
	for _, t := range append(temps, ts...) {
		if err := os.RemoveAll(t); err != nil {
			return fmt.Errorf("removing %s, left by a killed run: %w", t, err)
		}
	}
	return nil
}

// runFingerprint identifies what a checkpoint may be resumed with: the
// model, its hyper-parameters, the training configuration (the number of
// epochs aside, which a resumed run may extend) and the data.
func runFingerprint(name string, params []byte, tc train.Config, data string) (string, error) {
	tc.Epochs = 0
	b, err := json.Marshal(struct {
		Model  string
		Params json.RawMessage
		Train  train.Config
		Data   string
	}{name, params, tc, data})
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16]), nil
}

// drawCurves plots the training loss and the validation metrics by epoch,
// marking the best epoch (whose weights the model keeps) when there is a
// choice of several.
func drawCurves(path, name string, res *train.Result) error {
	var xs, loss []float64
	valid := map[string][]float64{}
	for _, e := range res.Epochs {
		xs = append(xs, float64(e.Epoch))
		loss = append(loss, e.TrainLoss)
		for k, v := range e.Valid {
			valid[k] = append(valid[k], v)
		}
	}
	panels := []plot.Panel{{YLabel: "training loss", Series: []plot.Series{{Name: "train loss", X: xs, Y: loss}}}}
	if v, ok := valid[res.Watched]; ok && len(v) == len(xs) {
		panels = append(panels, plot.Panel{YLabel: "validation " + res.Watched, Series: []plot.Series{{Name: "valid " + res.Watched, X: xs, Y: v}}})
	}
	if v, ok := valid["logloss"]; ok && len(v) == len(xs) && res.Watched != "logloss" {
		panels[0].Series = append(panels[0].Series, plot.Series{Name: "valid logloss", X: xs, Y: v})
	}
	c := plot.CurveChart{Title: name + " learning curves", XLabel: "epoch", Panels: panels}
	if len(res.Epochs) > 1 && res.BestEpoch > 0 {
		c.Marks = []plot.Line{{Label: "best epoch", Value: float64(res.BestEpoch)}}
	}
	return plot.LearningCurve(path, c)
}
