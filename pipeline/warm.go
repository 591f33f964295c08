package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"

	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/nn"
)

// Warm is an artifact a training run continues from (a warm start): its
// model, hyper-parameters and encoders. Prepare grows the encoders with
// the new data's values (Inputs.Warm) and TrainModel copies the weights
// into the model it builds for the grown layout (RunOptions.Warm). The
// optimizer's state (Adam's moments) is not in an artifact: it starts
// afresh, as in a run from scratch.
type Warm struct {
	// Dir is the artifact's directory.
	Dir string
	// Manifest, Encoders and Model are the artifact's.
	Manifest *artifact.Manifest
	Encoders *feature.Encoders
	Model    model.Model
	// RefitStats refits the numeric statistics on the new data instead of
	// keeping the artifact's (feature.ExtendOptions).
	RefitStats bool
}

// warmTasks are the model families a warm start continues: those whose
// inputs are rows encoded by fitted encoders. Rating and ranking models
// take their ids from their data set's reader, which numbers the users
// and items of each data set afresh, so yesterday's row of an id is not
// today's user.
var warmTasks = []string{model.TaskCTR, model.TaskSequence}

// checkWarmTask refuses a model whose family warm starts do not continue.
func checkWarmTask(name string) error {
	info, ok := model.Lookup(name)
	if !ok {
		return fmt.Errorf("warm start: the artifact's model %q is not registered in this recforge", name)
	}
	if !slices.Contains(warmTasks, info.Task) {
		return fmt.Errorf("warm start: %s is a %s model; warm starts continue CTR and sequence models only: "+
			"a %s data set's reader numbers its users and items afresh, so an old row would not embed the same user or item (train it from scratch)",
			name, info.Task, info.Task)
	}
	return nil
}

// OpenWarm reads the artifact in dir and rebuilds its model, to continue
// it.
func OpenWarm(dir string) (*Warm, error) {
	man, err := artifact.ReadManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("warm start: %s holds no artifact (no %s); give the model directory of a training run, e.g. runs/deepfm/model", dir, artifact.ManifestFile)
	}
	if err != nil {
		return nil, fmt.Errorf("warm start: %w", err)
	}
	if err := checkWarmTask(man.Model); err != nil {
		return nil, err
	}
	enc := new(feature.Encoders)
	if err := json.Unmarshal(man.Encoders, enc); err != nil {
		return nil, fmt.Errorf("warm start: artifact %s: encoders: %w", dir, err)
	}
	m, _, err := model.New(man.Model, man.HyperParams, model.Env{Layout: model.NewLayout(enc), MaxBatch: 1})
	if err != nil {
		return nil, fmt.Errorf("warm start: artifact %s: %w", dir, err)
	}
	if _, err := artifact.Load(dir, append(model.Params(m), model.Buffers(m)...), model.Tables(m)); err != nil {
		return nil, fmt.Errorf("warm start: %w", err)
	}
	return &Warm{Dir: dir, Manifest: man, Encoders: enc, Model: m}, nil
}

// Configure makes cfg continue w: its model becomes the artifact's, with
// the artifact's hyper-parameters under those cfg gives for the same
// model (a shape-changing one fails when the weights are copied). A
// configuration naming another model, or a schema describing other
// inputs, is an error.
func (w *Warm) Configure(cfg *Config) error {
	name := w.Manifest.Model
	if cfg.Model.Name != "" && cfg.Model.Name != name {
		return fmt.Errorf("warm start: the artifact in %s holds a %s model, the configuration names %s; a warm start continues the artifact's model (name it, or none)",
			w.Dir, name, cfg.Model.Name)
	}
	params := map[string]any{}
	if len(w.Manifest.HyperParams) > 0 {
		if err := json.Unmarshal(w.Manifest.HyperParams, &params); err != nil {
			return fmt.Errorf("warm start: artifact %s: hyper_params: %w", w.Dir, err)
		}
	}
	if cfg.Model.Name == name {
		maps.Copy(params, cfg.Model.Params)
	}
	cfg.Model = ModelConfig{Name: name, Params: params}
	if cfg.Schema != nil {
		if err := w.Encoders.CheckSchema(cfg.Schema); err != nil {
			return fmt.Errorf("warm start from %s: %w", w.Dir, err)
		}
	}
	return nil
}

// schema is the schema a warm run fits: cfg's, checked against the
// artifact's, or the artifact's own.
func (w *Warm) schema(cfg *Config) (*feature.Schema, error) {
	if cfg.Schema == nil {
		s := w.Encoders.Schema()
		return &s, nil
	}
	if err := w.Encoders.CheckSchema(cfg.Schema); err != nil {
		return nil, fmt.Errorf("warm start from %s: %w", w.Dir, err)
	}
	return cfg.Schema, nil
}

// source records w in the manifest of the artifact it leads to.
func (w *Warm) source() *artifact.WarmStart {
	dir, err := filepath.Abs(w.Dir)
	if err != nil {
		dir = w.Dir
	}
	return &artifact.WarmStart{Dir: dir, Created: w.Manifest.Created, DataFingerprint: w.Manifest.DataFingerprint}
}

// CopyInto copies w's weights into m, a model of the same name and
// hyper-parameters built for enc, encoders that grew from w's
// (feature.Encoders.Extend). Every dense parameter and buffer is copied
// whole: its name and shape must match. Every embedding table copies its
// old rows to the rows of the same ids in the grown layout: the row of a
// table's local id (id − its offset) when the table is one over the global
// id space, the same row when it is a table of its own; the rows of new
// ids keep m's initialization. Anything else whose shape changed is an
// error naming the tensor.
func (w *Warm) CopyInto(m model.Model, enc *feature.Encoders) error {
	if err := copyParams("parameter", model.Params(m), model.Params(w.Model)); err != nil {
		return err
	}
	if err := copyParams("buffer", model.Buffers(m), model.Buffers(w.Model)); err != nil {
		return err
	}
	src := map[string]*nn.Table{}
	for _, t := range model.Tables(w.Model) {
		src[t.Name] = t
	}
	for _, t := range model.Tables(m) {
		s, ok := src[t.Name]
		if !ok {
			return fmt.Errorf("warm start: embedding table %q of the new model is not in the artifact", t.Name)
		}
		delete(src, t.Name)
		if err := copyTable(t, s, w.Encoders, enc); err != nil {
			return err
		}
	}
	if len(src) > 0 {
		return fmt.Errorf("warm start: the artifact's embedding table %q has no counterpart in the new model", slices.Sorted(maps.Keys(src))[0])
	}
	return nil
}

// copyParams copies each of src into dst's tensor of the same name.
func copyParams(kind string, dst, src []*nn.Param) error {
	byName := map[string]*nn.Param{}
	for _, p := range src {
		byName[p.Name] = p
	}
	for _, p := range dst {
		q, ok := byName[p.Name]
		if !ok {
			return fmt.Errorf("warm start: %s %q of the new model is not in the artifact", kind, p.Name)
		}
		delete(byName, p.Name)
		if !slices.Equal(p.Shape, q.Shape) || len(p.W) != len(q.W) {
			return fmt.Errorf("warm start: %s %q has shape %v in the artifact but %v in the new model; only embedding tables grow with the vocabularies (were the hyper-parameters changed?)",
				kind, p.Name, q.Shape, p.Shape)
		}
		copy(p.W, q.W)
	}
	if len(byName) > 0 {
		return fmt.Errorf("warm start: the artifact's %s %q has no counterpart in the new model", kind, slices.Sorted(maps.Keys(byName))[0])
	}
	return nil
}

// copyTable copies src, a table of the artifact's model over old's
// layout, into dst, its counterpart over grown's (see Warm.CopyInto).
func copyTable(dst, src *nn.Table, old, grown *feature.Encoders) error {
	if dst.Dim != src.Dim {
		return fmt.Errorf("warm start: embedding table %q has width %d in the artifact but %d in the new model (were the hyper-parameters changed?)", dst.Name, src.Dim, dst.Dim)
	}
	rows := func(to, from, n int) {
		for r := range n {
			copy(dst.Data[(to+r)*dst.Stride:(to+r)*dst.Stride+dst.Dim], src.Data[(from+r)*src.Stride:(from+r)*src.Stride+src.Dim])
		}
	}
	ot, nt := old.Tables(), grown.Tables()
	switch {
	case dst.Rows == src.Rows:
		// Nothing this table holds grew (or it is not indexed by ids).
		rows(0, 0, src.Rows)
		return nil
	case src.Rows == old.Rows() && dst.Rows == grown.Rows():
		// One row per global id: each table's rows move with its offset.
		rows(0, 0, 1)
		for k := range ot {
			rows(int(nt[k].Offset), int(ot[k].Offset), int(ot[k].Size))
		}
		return nil
	}
	// A table of one id range, indexed by local id: the old rows are its
	// first rows.
	for k := range ot {
		if int(ot[k].Size) == src.Rows && int(nt[k].Size) == dst.Rows {
			rows(0, 0, src.Rows)
			return nil
		}
	}
	return fmt.Errorf("warm start: embedding table %q has %d rows in the artifact and %d in the new model, which no vocabulary's growth explains", dst.Name, src.Rows, dst.Rows)
}
