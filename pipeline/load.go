package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// Loaded is a model loaded from an artifact with its encoders, ready to
// score raw records.
type Loaded struct {
	Manifest *artifact.Manifest
	Encoders *feature.Encoders
	Model    model.Model
	Task     train.Task
	// Batch is the largest batch the model scores at once.
	Batch int
	// Threads is how many batches Score and Evaluate score at once (or
	// users, under a ranking protocol), each thread with a replica of
	// Model that shares its weights; 0 or 1 is one. The scores do not
	// depend on it.
	Threads int

	// replica builds Model's replicas as Load built Model; scorer scores
	// on scorerThreads threads, kept so that its replicas are built once.
	replica       train.ReplicaFunc
	scorer        *train.Scorer
	scorerThreads int
}

// Load opens the artifact in dir and rebuilds its model for batches of up
// to batch rows.
func Load(dir string, batch int) (*Loaded, error) {
	man, err := artifact.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	enc := new(feature.Encoders)
	if err := json.Unmarshal(man.Encoders, enc); err != nil {
		return nil, fmt.Errorf("artifact %s: encoders: %w", dir, err)
	}
	if batch < 1 {
		batch = 1024
	}
	layout := model.NewLayout(enc)
	m, _, err := model.New(man.Model, man.HyperParams, model.Env{Layout: layout, MaxBatch: batch})
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", dir, err)
	}
	if _, err := artifact.Load(dir, append(model.Params(m), model.Buffers(m)...), model.Tables(m)); err != nil {
		return nil, err
	}
	m.SetTraining(false)
	task := train.Task(man.Task)
	if task != train.Binary && task != train.Regression {
		return nil, fmt.Errorf("artifact %s: task %q, expected binary or regression", dir, man.Task)
	}
	replica := func(maxBatch int) (model.Model, error) {
		// A replica reads the model's weights: the memory check counted
		// them once, with the model, and its tables are views.
		r, _, err := model.New(man.Model, man.HyperParams, model.Env{Layout: layout, MaxBatch: maxBatch, MemoryLimit: -1, Replica: true})
		return r, err
	}
	return &Loaded{Manifest: man, Encoders: enc, Model: m, Task: task, Batch: batch, replica: replica}, nil
}

// scoring returns the scorer of l.Model on l.Threads threads: one thread
// for a Loaded that Load did not build, which has no replica builder.
func (l *Loaded) scoring() *train.Scorer {
	if t := max(l.Threads, 1); l.scorer == nil || l.scorer.Model() != l.Model || l.scorerThreads != t {
		l.scorer, l.scorerThreads = train.NewScorer(l.Model, t, l.replica), t
	}
	return l.scorer
}

// Score streams the records of spec through the encoders and the model and
// calls emit with each batch's scores (probabilities for a binary task),
// labels (nil when the source has no label column) and group keys, in
// record order. Records the encoders reject are errors located by file and
// line, or are skipped under opts.SkipBad. A NaN or infinite score is an
// error located at its record, whatever opts.SkipBad says: Load refuses
// non-finite weights, so it comes from an input value beyond the model's
// float32 arithmetic, and no score is better than a silent NaN. Cancelling
// ctx stops the scoring with an error wrapping ctx's. With l.Threads > 1,
// that many batches are read and then scored at once, each by a replica;
// the batches, their scores, the calls of emit and the errors are those
// of one thread.
func (l *Loaded) Score(ctx context.Context, spec string, opts data.ReadOptions, emit func(scores, labels []float32, groups []int64) error) (skipped int64, err error) {
	r, err := data.Open(spec, opts)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	re, err := l.Encoders.Bind(r.Columns())
	labeled := err == nil
	if err != nil {
		if re, err = l.Encoders.BindFeatures(r.Columns()); err != nil {
			return 0, fmt.Errorf("%s: %w", spec, err)
		}
	}
	ex := l.Encoders.NewExample()
	lay := model.NewLayout(l.Encoders)
	f, q, ns := len(lay.Slots), lay.SeqLen, len(lay.Seqs)
	n := l.Batch
	sc := l.scoring()
	score := sc.Batches(l.Task, n)
	// Where each row of a batch came from, to name a row the model
	// cannot score.
	type place struct {
		file string
		line int
	}
	// A batch being read or waiting to be scored, with its rows' places
	// and its scores.
	type pending struct {
		b      model.Batch
		at     []place
		scores []float32
	}
	bufs := make([]pending, sc.Threads())
	for i := range bufs {
		bufs[i] = pending{
			b: model.Batch{IDs: make([]int32, n*f), Values: make([]float32, n*f), Seq: make([]int32, n*q),
				SeqLens: make([]int32, n*ns), Label: make([]float32, n), Group: make([]int64, n)},
			at: make([]place, n), scores: make([]float32, n),
		}
	}
	views := make([]*model.Batch, len(bufs))
	outs := make([][]float32, len(bufs))
	// flush scores the first k batches of bufs at once, then checks and
	// emits them in order, as one thread would batch by batch.
	flush := func(k int) error {
		for i := range k {
			b := &bufs[i].b
			views[i] = &model.Batch{N: b.N, IDs: b.IDs[:b.N*f], Values: b.Values[:b.N*f], Seq: b.Seq[:b.N*q], SeqLens: b.SeqLens[:b.N*ns]}
			outs[i] = bufs[i].scores
		}
		if err := score(ctx, views[:k], outs[:k]); err != nil {
			return err
		}
		for i := range k {
			p := &bufs[i]
			m := p.b.N
			for j, s := range p.scores[:m] {
				if x := float64(s); math.IsNaN(x) || math.IsInf(x, 0) {
					return &data.ParseError{File: p.at[j].file, Line: p.at[j].line,
						Msg: fmt.Sprintf("the model scores this record %v: an input value is beyond its float32 arithmetic", s)}
				}
			}
			var labels []float32
			if labeled {
				labels = p.b.Label[:m]
			}
			p.b.N = 0
			if err := emit(p.scores[:m], labels, p.b.Group[:m]); err != nil {
				return err
			}
		}
		return nil
	}
	full := 0 // bufs[:full] are full; bufs[full] is being read
	var rec data.Record
	for read := int64(0); ; read++ {
		// A look at ctx costs tens of nanoseconds, a record microseconds.
		if read%4096 == 0 && ctx.Err() != nil {
			return skipped, fmt.Errorf("scoring %s: stopped after %d records: %w", spec, read, ctx.Err())
		}
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			break
		}
		if err == nil {
			if err = re.Encode(rec.Cols, ex); err != nil {
				// Only a malformed value is a bad row to skip: any
				// other error would fail every row alike.
				if ve := (*feature.ValueError)(nil); opts.SkipBad && errors.As(err, &ve) {
					skipped++
					continue
				}
				err = dataset.Locate(rec, err)
			}
		}
		if err != nil {
			// One thread would have scored and emitted the full
			// batches before reading this record.
			if ferr := flush(full); ferr != nil {
				return skipped, ferr
			}
			return skipped, err
		}
		p := &bufs[full]
		b, i := &p.b, p.b.N
		copy(b.IDs[i*f:], ex.IDs)
		copy(b.Values[i*f:], ex.Values)
		copy(b.Seq[i*q:], ex.Seq)
		copy(b.SeqLens[i*ns:], ex.SeqLens)
		b.Label[i], b.Group[i] = ex.Label, int64(ex.Group)
		p.at[i] = place{rec.File, rec.Line}
		if b.N++; b.N == n {
			if full++; full == len(bufs) {
				if err := flush(full); err != nil {
					return skipped, err
				}
				full = 0
			}
		}
	}
	if bufs[full].b.N > 0 {
		full++
	}
	if err := flush(full); err != nil {
		return skipped, err
	}
	return skipped + r.Skipped(), nil
}

// artifactEvaluators hold the evaluation of each model task
// (model.Info.Task) whose held-out data are not labeled rows: the task's
// own protocol on spec (ranking: leave-one-out or full ranking of a
// ranking data set). Other tasks score labeled rows.
var artifactEvaluators = map[string]func(ctx context.Context, l *Loaded, spec string, opts data.ReadOptions) (*metric.Report, error){}

// Evaluate scores every record of spec and reports the metrics of the
// artifact's task under protocol, or, for a model whose task evaluates
// its own way (artifactEvaluators), that task's protocol on spec;
// cancelling ctx stops it as it does Score.
func (l *Loaded) Evaluate(ctx context.Context, spec string, opts data.ReadOptions, protocol string) (*metric.Report, error) {
	if info, ok := model.Lookup(l.Manifest.Model); ok {
		if eval, ok := artifactEvaluators[info.Task]; ok {
			return eval(ctx, l, spec, opts)
		}
	}
	var scores, labels []float32
	var groups []int64
	grouped := false
	for _, f := range l.Encoders.Schema().Fields {
		grouped = grouped || f.Type == feature.Group
	}
	_, err := l.Score(ctx, spec, opts, func(s, y []float32, g []int64) error {
		if y == nil {
			return fmt.Errorf("%s has no label column: evaluation needs labels (use predict to score unlabeled rows)", spec)
		}
		scores, labels = append(scores, s...), append(labels, y...)
		if grouped {
			groups = append(groups, g...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(scores) == 0 {
		return nil, fmt.Errorf("%s: no rows to evaluate", spec)
	}
	if !grouped {
		groups = nil
	}
	return train.Metrics(l.Task, scores, labels, groups, protocol)
}
