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
	m, _, err := model.New(man.Model, man.HyperParams, model.Env{Layout: model.NewLayout(enc), MaxBatch: batch})
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
	return &Loaded{Manifest: man, Encoders: enc, Model: m, Task: task, Batch: batch}, nil
}

// Score streams the records of spec through the encoders and the model and
// calls emit with each batch's scores (probabilities for a binary task),
// labels (nil when the source has no label column) and group keys, in
// record order. Records the encoders reject are errors located by file and
// line, or are skipped under opts.SkipBad. A NaN or infinite score is an
// error located at its record, whatever opts.SkipBad says: Load refuses
// non-finite weights, so it comes from an input value beyond the model's
// float32 arithmetic, and no score is better than a silent NaN. Cancelling
// ctx stops the scoring with an error wrapping ctx's.
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
	b := &model.Batch{IDs: make([]int32, n*f), Values: make([]float32, n*f), Seq: make([]int32, n*q),
		SeqLens: make([]int32, n*ns), Label: make([]float32, n), Group: make([]int64, n)}
	scores := make([]float32, n)
	// Where each row of the batch came from, to name a row the model
	// cannot score.
	type place struct {
		file string
		line int
	}
	at := make([]place, n)
	flush := func() error {
		if b.N == 0 {
			return nil
		}
		k := b.N
		out := l.Model.Forward(&model.Batch{N: k, IDs: b.IDs[:k*f], Values: b.Values[:k*f], Seq: b.Seq[:k*q], SeqLens: b.SeqLens[:k*ns]})
		for i, z := range out {
			scores[i] = l.Task.Score(z)
			if x := float64(scores[i]); math.IsNaN(x) || math.IsInf(x, 0) {
				return &data.ParseError{File: at[i].file, Line: at[i].line,
					Msg: fmt.Sprintf("the model scores this record %v: an input value is beyond its float32 arithmetic", scores[i])}
			}
		}
		var labels []float32
		if labeled {
			labels = b.Label[:k]
		}
		b.N = 0
		return emit(scores[:k], labels, b.Group[:k])
	}
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
		if err != nil {
			return skipped, err
		}
		if err := re.Encode(rec.Cols, ex); err != nil {
			// Only a malformed value is a bad row to skip: any other
			// error would fail every row alike.
			if ve := (*feature.ValueError)(nil); opts.SkipBad && errors.As(err, &ve) {
				skipped++
				continue
			}
			return skipped, dataset.Locate(rec, err)
		}
		i := b.N
		copy(b.IDs[i*f:], ex.IDs)
		copy(b.Values[i*f:], ex.Values)
		copy(b.Seq[i*q:], ex.Seq)
		copy(b.SeqLens[i*ns:], ex.SeqLens)
		b.Label[i], b.Group[i] = ex.Label, int64(ex.Group)
		at[i] = place{rec.File, rec.Line}
		if b.N++; b.N == n {
			if err := flush(); err != nil {
				return skipped, err
			}
		}
	}
	if err := flush(); err != nil {
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
