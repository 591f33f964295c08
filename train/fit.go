package train

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"time"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/optim"
)

// Progress reports a training epoch's advance, after every batch.
type Progress struct {
	// Epoch counts from 1 up to Epochs.
	Epoch, Epochs int
	// Done of Total rows of this epoch are trained.
	Done, Total int
	// Loss is the mean training loss over this epoch's rows so far.
	Loss float64
	// RowsPerSec is this epoch's training throughput so far.
	RowsPerSec float64
}

// EpochStats is one epoch's record, as the JSON-lines log writes it.
type EpochStats struct {
	Epoch     int     `json:"epoch"`
	TrainLoss float64 `json:"train_loss"`
	// Valid holds the validation metrics (none without validation data).
	Valid map[string]float64 `json:"valid,omitempty"`
	// LR is the first part's learning rate during the epoch.
	LR float64 `json:"lr"`
	// RowsPerSec is the training throughput, evaluation excluded.
	RowsPerSec float64 `json:"train_rows_per_sec"`
	Seconds    float64 `json:"seconds"`
	// Best marks the best epoch so far on the watched metric.
	Best bool `json:"best,omitempty"`
	// AuxLoss is the mean over the epoch's batches of the auxiliary loss
	// of a model that adds one (model.AuxLosser: DIEN), before its weight;
	// nil for other models.
	AuxLoss *float64 `json:"aux_loss,omitempty"`
}

// Options are a run's side settings: where it checkpoints and whom it
// tells about its progress.
type Options struct {
	// Checkpoint is the checkpoint file written after every epoch ("" for
	// none).
	Checkpoint string
	// Resume continues from Checkpoint, which must exist and come from a
	// run with the same Fingerprint.
	Resume bool
	// Fingerprint identifies the model, data and configuration; a
	// checkpoint of another fingerprint is refused.
	Fingerprint string
	// Stages gives a pretraining stage (model.Pretrainer) settings of its
	// own, by the stage's name; a stage without an entry trains with the
	// run's Config.
	Stages map[string]Config
	// Pretrained says that the caller has trained the model's pretraining
	// stages and initialized the model from them (a protocol runner
	// reusing stage models it trained on their own): Fit skips the stages.
	Pretrained bool
	// OnBatch and OnEpoch, when set, are called after every batch and
	// after every epoch's evaluation and checkpoint.
	OnBatch func(Progress)
	OnEpoch func(EpochStats)
	// Replica builds the replicas that train the shards of every batch
	// when Config.Shards > 1 (see Stepper.Shard), and those that score
	// validation batches when Threads > 1 (see Scorer); a pretraining
	// stage trains and validates on one thread.
	Replica ReplicaFunc
	// Threads is how many shards train at once, how many goroutines
	// apply the optimizer's step, and how many batches (or users, under a
	// ranking protocol) validation scores at once with replicas built by
	// Replica (0: SetThreads's count). It changes the
	// speed, never the result.
	Threads int
}

// Result summarizes a run.
type Result struct {
	Task Task
	// Epochs are the epochs' records, those restored from a checkpoint
	// included.
	Epochs []EpochStats
	// BestEpoch is the epoch whose weights the model holds at the end (the
	// last epoch without validation data).
	BestEpoch int
	// Watched is the early-stopping metric.
	Watched string
	// Valid holds the validation metrics of the weights the model ends
	// with (nil without validation data).
	Valid map[string]float64
	// Stop says why training ended: "epochs", "early_stop", "converged"
	// (an L-BFGS line search could no longer move the weights) or
	// "closed_form" (a model.ClosedForm, fitted without epochs).
	Stop string
	// RowsPerSec is the training throughput over the epochs this run
	// trained, evaluation excluded.
	RowsPerSec float64
	// Resumed is the number of epochs restored from the checkpoint.
	Resumed int
	// Scorer scores with the trained model on the run's threads
	// (Options.Threads, with replicas built by Options.Replica), its
	// replicas those validation built: the caller's test evaluation
	// reuses them.
	Scorer *Scorer `json:"-"`
}

// ErrDiverged reports a training loss that is no longer finite.
var ErrDiverged = errors.New("train: the training loss is not finite")

// run is the state of a training run that a checkpoint preserves.
type run struct {
	Version     int          `json:"version"`
	Fingerprint string       `json:"fingerprint"`
	Epoch       int          `json:"epoch"` // epochs completed
	Best        float64      `json:"best"`
	BestEpoch   int          `json:"best_epoch"`
	Bad         int          `json:"bad"`         // epochs since the best
	PlateauBad  int          `json:"plateau_bad"` // epochs since the last improvement or cut
	Groups      []groupState `json:"groups"`
	History     []EpochStats `json:"history"`
	TrainRows   int64        `json:"train_rows"`
	TrainSecs   float64      `json:"train_seconds"`
	Done        bool         `json:"done"`
	HasBest     bool         `json:"has_best"` // the checkpoint holds best/ tensors
	Stop        string       `json:"stop,omitempty"`
	Task        Task         `json:"task"`
}

type groupState struct {
	Name  string  `json:"name"`
	LR    float32 `json:"lr"`
	Steps int64   `json:"steps"`
}

// NewOptimizer builds the optimizer of m's parts: a part takes cfg.Parts'
// spec of its name, else its own default, else cfg.Optimizer.
func NewOptimizer(m model.Model, cfg Config) (*optim.Optimizer, error) {
	var groups []*optim.Group
	for _, p := range m.Parts() {
		spec := model.PartSpec(p.Name, p.Optimizer, cfg.Optimizer, cfg.Parts)
		g, err := spec.NewGroup(p.Name)
		if err != nil {
			return nil, fmt.Errorf("train: part %q: %w", p.Name, err)
		}
		g.AddParams(p.Params...)
		for _, t := range p.Tables {
			g.AddTable(t.Table, t.Reg)
		}
		groups = append(groups, g)
	}
	for name := range cfg.Parts {
		found := false
		for _, p := range m.Parts() {
			found = found || p.Name == name
		}
		if !found {
			return nil, fmt.Errorf("train: the configuration sets an optimizer for part %q, which the model does not have", name)
		}
	}
	o := optim.New(groups...)
	o.ClipNorm, o.ClipValue = float32(cfg.ClipNorm), float32(cfg.ClipValue)
	return o, nil
}

// Fit trains m on the examples of src, evaluating it with valid after
// every epoch when valid is not nil. A model.Pretrainer's stages are
// trained first, on the same examples, each with the run's settings or its
// own (Options.Stages), unless the run resumes; so does a
// model.DataFitter's FitData. A model.ClosedForm is fitted once instead of
// trained. A model.RowGrouper trains on groups of rows, a model.Objective
// on its own loss, and a full-batch rule (optim.Optimizer.FullBatch) on
// every example of an epoch at once, in their order. Fit returns when the
// epochs are done, early stopping fires, L-BFGS converges, or ctx is
// cancelled (then with ctx's error, the checkpoint of the last finished
// epoch left in place). With validation the model ends holding the weights
// of its best epoch.
func Fit(ctx context.Context, m model.Model, src Source, valid Evaluator, cfg Config, opts Options) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	task := cfg.Task
	if task == "" {
		l, ok := src.(Labeled)
		if !ok {
			return nil, errors.New("train: the configuration sets no task and the source's labels are not known before training")
		}
		task = DetectTask(l.Labels())
	}
	watched := cfg.watched(task)
	higher, _ := HigherIsBetter(watched)
	if task == Regression && (watched == "auc" || watched == "gauc" || watched == "gauc_mean" || watched == "accuracy" || watched == "logloss") ||
		task == Binary && (watched == "rmse" || watched == "mae") {
		return nil, fmt.Errorf("train: early_stop metric %q does not apply to a %s task", watched, task)
	}
	threads := opts.Threads
	if threads <= 0 {
		threads = Threads()
	}
	// Validation scores on the threads too, with replicas of its own:
	// the shards' hold too few rows for a whole scoring batch.
	scorer := NewScorer(m, threads, opts.Replica)
	if cf, ok := m.(model.ClosedForm); ok {
		return fitClosedForm(ctx, cf, scorer, src, valid, cfg.Batch, task, watched)
	}
	if pt, ok := m.(model.Pretrainer); ok && !opts.Resume && !opts.Pretrained {
		if err := pretrain(ctx, pt, src, valid, cfg, opts); err != nil {
			return nil, err
		}
	}
	if df, ok := m.(model.DataFitter); ok && !opts.Resume {
		ex, _, err := examples(src, cfg.Batch)
		if err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
		if err := df.FitData(ex); err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
	}
	if g, ok := m.(model.RowGrouper); ok {
		src = groupRows(src, g.GroupSlot())
	}
	opt, err := NewOptimizer(m, cfg)
	if err != nil {
		return nil, err
	}
	st := &run{Version: checkpointVersion, Fingerprint: opts.Fingerprint, Best: math.NaN(), Task: task}
	snap := newSnapshot(m)
	if opts.Resume {
		if opts.Checkpoint == "" {
			return nil, errors.New("train: resume needs a checkpoint path")
		}
		if err := loadCheckpoint(opts.Checkpoint, m, opt, snap, st); err != nil {
			return nil, err
		}
		if st.Task != task {
			return nil, fmt.Errorf("train: checkpoint %s was a %s task, this run is %s", opts.Checkpoint, st.Task, task)
		}
	}
	res := &Result{Task: task, Watched: watched, Resumed: st.Epoch, Scorer: scorer}
	fullBatch := opt.FullBatch()
	step, err := NewStepper(m, opt, task, cfg.Batch)
	if err != nil {
		return nil, err
	}
	if err := step.Shard(cfg.Shards, threads, opts.Replica); err != nil {
		return nil, err
	}
	opt.Threads = threads // the weights after a step are the same for any count
	var shuf *data.Shuffler
	var runRows int64
	var runSecs float64
	aux, hasAux := m.(model.AuxLosser)
	hasAux = hasAux && aux.HasAuxLoss()
	if u, ok := m.(model.RowFrequencyUser); ok && st.Epoch < cfg.Epochs && !st.Done {
		// Counted afresh on resuming too: checkpoints do not hold counts.
		if err := setRowFrequencies(u, src, cfg.Batch); err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
	}
	for epoch := st.Epoch + 1; epoch <= cfg.Epochs && !st.Done; epoch++ {
		seed := cfg.Seed ^ uint64(epoch)*0x9e3779b97f4a7c15
		if r, ok := m.(model.Reseeder); ok {
			r.Reseed(seed)
		}
		m.SetTraining(true)
		step.beginEpoch(seed)
		lr := float64(opt.Groups()[0].LR())
		start := time.Now()
		n, err := src.Epoch(epoch)
		if err != nil {
			return nil, fmt.Errorf("train: epoch %d: %w", epoch, err)
		}
		if n == 0 {
			return nil, errors.New("train: no training examples")
		}
		var order []int32
		if fullBatch {
			// A full-batch step measures the whole objective, the same
			// function every epoch: the examples in their order.
			if n > cfg.Batch {
				return nil, fmt.Errorf("train: the optimizer steps on the whole epoch at once (rprop, lbfgs): batch %d holds fewer than the epoch's %d examples", cfg.Batch, n)
			}
			order = make([]int32, n)
			for i := range order {
				order[i] = int32(i)
			}
		} else {
			if shuf == nil || shuf.Len() != n {
				shuf = data.NewShuffler(n, cfg.Seed)
			}
			order = shuf.Epoch(epoch)
		}
		var lossSum, auxSum float64
		done, batches := 0, 0
		converged := false
		for b := range data.Batches(order, cfg.Batch) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			batch := src.Batch(b)
			loss, err := step.Step(batch)
			if errors.Is(err, optim.ErrNoProgress) {
				converged = true
				break
			}
			if errors.Is(err, ErrDiverged) {
				return nil, fmt.Errorf("%w at epoch %d after %d rows (%v); lower the learning rate or clip gradients", ErrDiverged, epoch, done, loss)
			}
			if err != nil {
				return nil, fmt.Errorf("train: epoch %d: %w", epoch, err)
			}
			lossSum += loss * float64(batch.N)
			done += batch.N
			batches++
			if hasAux {
				auxSum += step.auxLoss(aux)
			}
			if opts.OnBatch != nil {
				el := time.Since(start).Seconds()
				opts.OnBatch(Progress{Epoch: epoch, Epochs: cfg.Epochs, Done: done, Total: len(order),
					Loss: lossSum / float64(done), RowsPerSec: float64(done) / max(el, 1e-9)})
			}
		}
		if converged {
			// The step could not move the weights: they are the last
			// epoch's, and the run ends as if by its epoch count.
			if done > 0 {
				return nil, fmt.Errorf("train: epoch %d: the optimizer converged after %d rows of the epoch", epoch, done)
			}
			st.Done, st.Stop = true, "converged"
			if opts.Checkpoint != "" && st.Epoch > 0 {
				if err := saveCheckpoint(opts.Checkpoint, m, opt, snap, st); err != nil {
					return nil, err
				}
			}
			break
		}
		secs := time.Since(start).Seconds()
		runRows += int64(done)
		runSecs += secs
		es := EpochStats{Epoch: epoch, TrainLoss: lossSum / float64(done), LR: lr, RowsPerSec: float64(done) / max(secs, 1e-9)}
		if hasAux {
			mean := auxSum / float64(batches)
			es.AuxLoss = &mean
		}
		if valid != nil {
			rep, err := scorer.Evaluate(ctx, valid, task)
			if err != nil {
				return nil, fmt.Errorf("train: validation after epoch %d: %w", epoch, err)
			}
			es.Valid = rep.Metrics
			v, ok := rep.Metrics[watched]
			if !ok {
				return nil, fmt.Errorf("train: validation after epoch %d has no %q (one class only?)", epoch, watched)
			}
			improved := math.IsNaN(st.Best) || (higher && v > st.Best+cfg.EarlyStop.MinDelta) || (!higher && v < st.Best-cfg.EarlyStop.MinDelta)
			if improved {
				st.Best, st.BestEpoch, st.Bad, st.PlateauBad = v, epoch, 0, 0
				es.Best = true
				snap.take()
			} else {
				st.Bad++
				st.PlateauBad++
				if cfg.Plateau.Factor > 0 && cfg.Plateau.Patience > 0 && st.PlateauBad >= cfg.Plateau.Patience {
					opt.ScaleLR(float32(cfg.Plateau.Factor))
					st.PlateauBad = 0
				}
				if cfg.EarlyStop.Patience > 0 && st.Bad >= cfg.EarlyStop.Patience {
					st.Done, st.Stop = true, "early_stop"
				}
			}
		} else {
			st.BestEpoch = epoch
		}
		es.Seconds = time.Since(start).Seconds()
		st.Epoch = epoch
		st.History = append(st.History, es)
		st.TrainRows += int64(done)
		st.TrainSecs += secs
		if st.Epoch == cfg.Epochs && !st.Done {
			st.Done, st.Stop = true, "epochs"
		}
		if opts.Checkpoint != "" {
			if err := saveCheckpoint(opts.Checkpoint, m, opt, snap, st); err != nil {
				return nil, err
			}
		}
		if opts.OnEpoch != nil {
			opts.OnEpoch(es)
		}
	}
	if st.Stop == "" {
		st.Stop = "epochs"
	}
	if valid != nil && snap.taken {
		snap.restore()
	}
	res.Epochs = st.History
	res.BestEpoch = st.BestEpoch
	res.Stop = st.Stop
	if valid != nil && st.BestEpoch > 0 && st.BestEpoch <= len(st.History) {
		res.Valid = st.History[st.BestEpoch-1].Valid
	}
	if runSecs > 0 {
		res.RowsPerSec = float64(runRows) / runSecs
	} else if st.TrainSecs > 0 {
		res.RowsPerSec = float64(st.TrainRows) / st.TrainSecs
	}
	m.SetTraining(false)
	return res, nil
}

// setRowFrequencies counts how often every embedding row occurs in the
// first epoch's examples of src, batch by batch in order (histories stored
// by reference are read as training reads them), and hands the counts to
// u: the n_r of DIN's mini-batch aware regularization. A model whose
// regularization does not read them is not counted.
func setRowFrequencies(u model.RowFrequencyUser, src Source, batch int) error {
	l, used := u.RowFrequencyLayout()
	if !used {
		return nil
	}
	ex, _, err := examples(src, batch)
	if err != nil {
		return err
	}
	freq := make([]uint32, l.Rows)
	for b := range ex {
		model.CountRowFrequencies(freq, l, b)
	}
	return u.SetRowFrequencies(freq)
}

// examples returns the first epoch's examples of src in order, in batches
// of up to batch, and how many there are.
func examples(src Source, batch int) (iter.Seq[*model.Batch], int, error) {
	n, err := src.Epoch(1)
	if err != nil {
		return nil, 0, err
	}
	return func(yield func(*model.Batch) bool) {
		idx := make([]int32, 0, batch)
		for lo := 0; lo < n; lo += batch {
			idx = idx[:0]
			for i := lo; i < min(lo+batch, n); i++ {
				idx = append(idx, int32(i))
			}
			if !yield(src.Batch(idx)) {
				return
			}
		}
	}, n, nil
}

// fitClosedForm fits a model.ClosedForm, the scorer's model, on the first
// epoch's examples of src and evaluates it once with valid.
func fitClosedForm(ctx context.Context, cf model.ClosedForm, scorer *Scorer, src Source, valid Evaluator, batch int, task Task, watched string) (*Result, error) {
	start := time.Now()
	ex, n, err := examples(src, batch)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if n == 0 {
		return nil, errors.New("train: no training examples")
	}
	if err := cf.FitClosedForm(ex); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &Result{Task: task, Watched: watched, Stop: "closed_form", RowsPerSec: float64(n) / max(time.Since(start).Seconds(), 1e-9), Scorer: scorer}
	scorer.Model().SetTraining(false)
	if valid != nil {
		rep, err := scorer.Evaluate(ctx, valid, task)
		if err != nil {
			return nil, fmt.Errorf("train: validation: %w", err)
		}
		res.Valid = rep.Metrics
	}
	return res, nil
}

// pretrain trains the stages of a model.Pretrainer in order on src, each
// with its own settings where opts.Stages has them, then initializes the
// model from them.
func pretrain(ctx context.Context, pt model.Pretrainer, src Source, valid Evaluator, cfg Config, opts Options) error {
	stages, init := pt.Pretraining()
	if len(stages) == 0 {
		return nil
	}
	for _, s := range stages {
		sc, ok := opts.Stages[s.Name]
		if !ok {
			sc = cfg
		}
		sc.Shards = 0 // no replicas of a stage's model (Options.Replica)
		if _, err := Fit(ctx, s.Model, src, valid, sc, Options{Stages: opts.Stages}); err != nil {
			return fmt.Errorf("pretraining stage %s: %w", s.Name, err)
		}
	}
	if err := init(); err != nil {
		return fmt.Errorf("pretraining: %w", err)
	}
	return nil
}
