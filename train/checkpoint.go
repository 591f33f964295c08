package train

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/internal/atomicfile"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/optim"
)

// checkpointVersion is the version of the checkpoint layout.
const checkpointVersion = 1

// A checkpoint is one safetensors file: the run state as JSON in the
// metadata key "run", and the tensors
//
//	param/<name>           dense weights and buffers
//	table/<name>           table rows with their optimizer state (rows × stride)
//	optim/<group>/<state>  dense optimizer state
//	best/param/<name>      the best epoch's weights and buffers
//	best/table/<name>      the best epoch's table weights (rows × dim)
//
// written to a temporary file, synced and renamed over the old one, so a
// crash leaves the previous checkpoint whole.
func saveCheckpoint(path string, m model.Model, opt *optim.Optimizer, snap *snapshot, st *run) error {
	st.Groups = st.Groups[:0]
	for _, g := range opt.Groups() {
		st.Groups = append(st.Groups, groupState{Name: g.Name(), LR: g.LR(), Steps: g.Steps()})
	}
	st.HasBest = snap.taken
	meta, err := json.Marshal(st)
	if err != nil {
		return err
	}
	var ts []artifact.Tensor
	add := func(name string, shape []int, v []float32) error {
		t, err := artifact.F32Tensor(name, shape, v)
		if err != nil {
			return err
		}
		ts = append(ts, t)
		return nil
	}
	for _, p := range snap.params {
		if err := add("param/"+p.Name, []int{len(p.W)}, p.W); err != nil {
			return err
		}
	}
	for _, t := range snap.tables {
		if err := add("table/"+t.Name, []int{t.Rows, t.Stride}, t.Data); err != nil {
			return err
		}
	}
	for _, g := range opt.Groups() {
		for _, s := range g.State() {
			if err := add("optim/"+g.Name()+"/"+s.Name, []int{len(s.Data)}, s.Data); err != nil {
				return err
			}
		}
	}
	if snap.taken {
		for i, p := range snap.params {
			if err := add("best/param/"+p.Name, []int{len(p.W)}, snap.pw[i]); err != nil {
				return err
			}
		}
		for i, t := range snap.tables {
			if err := add("best/table/"+t.Name, []int{t.Rows, t.Dim}, snap.tw[i]); err != nil {
				return err
			}
		}
	}
	err = atomicfile.Write(path, 0o644, func(w io.Writer) error {
		return artifact.WriteSafetensors(w, ts, map[string]string{"run": string(meta)})
	})
	if err != nil {
		return fmt.Errorf("train: checkpoint %s: %w", path, err)
	}
	return nil
}

// loadCheckpoint restores a run saved by saveCheckpoint into m, opt, snap
// and st. Every tensor must be present with its shape.
func loadCheckpoint(path string, m model.Model, opt *optim.Optimizer, snap *snapshot, st *run) error {
	f, err := artifact.ReadSafetensorsFile(path)
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	var saved run
	if err := json.Unmarshal([]byte(f.Metadata["run"]), &saved); err != nil {
		return fmt.Errorf("train: checkpoint %s: run state: %w", path, err)
	}
	if saved.Version != checkpointVersion {
		return fmt.Errorf("train: checkpoint %s has layout version %d; this build reads version %d", path, saved.Version, checkpointVersion)
	}
	if saved.Fingerprint != st.Fingerprint {
		return fmt.Errorf("train: checkpoint %s comes from another model, data or configuration; resume with the same ones, or start afresh", path)
	}
	get := func(name string, want int) ([]float32, error) {
		t, ok := f.Tensor(name)
		if !ok {
			return nil, fmt.Errorf("train: checkpoint %s has no tensor %q", path, name)
		}
		v, err := t.Float32s()
		if err != nil {
			return nil, fmt.Errorf("train: checkpoint %s: %s: %w", path, name, err)
		}
		if len(v) != want {
			return nil, fmt.Errorf("train: checkpoint %s: %s has %d values, the model %d", path, name, len(v), want)
		}
		return v, nil
	}
	for _, p := range snap.params {
		v, err := get("param/"+p.Name, len(p.W))
		if err != nil {
			return err
		}
		copy(p.W, v)
	}
	for _, t := range snap.tables {
		v, err := get("table/"+t.Name, len(t.Data))
		if err != nil {
			return err
		}
		copy(t.Data, v)
	}
	if len(saved.Groups) != len(opt.Groups()) {
		return fmt.Errorf("train: checkpoint %s has %d optimizer groups, the model %d", path, len(saved.Groups), len(opt.Groups()))
	}
	for i, g := range opt.Groups() {
		gs := saved.Groups[i]
		if gs.Name != g.Name() {
			return fmt.Errorf("train: checkpoint %s: optimizer group %d is %q, the model's %q", path, i, gs.Name, g.Name())
		}
		var states []optim.StateTensor
		for _, s := range g.State() {
			v, err := get("optim/"+g.Name()+"/"+s.Name, len(s.Data))
			if err != nil {
				return err
			}
			states = append(states, optim.StateTensor{Name: s.Name, Data: v})
		}
		if err := g.LoadState(states); err != nil {
			return fmt.Errorf("train: checkpoint %s: %w", path, err)
		}
		g.SetLR(gs.LR)
		g.SetSteps(gs.Steps)
	}
	if saved.HasBest {
		for i, p := range snap.params {
			v, err := get("best/param/"+p.Name, len(p.W))
			if err != nil {
				return err
			}
			copy(snap.pw[i], v)
		}
		for i, t := range snap.tables {
			v, err := get("best/table/"+t.Name, t.Rows*t.Dim)
			if err != nil {
				return err
			}
			copy(snap.tw[i], v)
		}
		snap.taken = true
	}
	*st = saved
	return nil
}
