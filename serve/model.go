package serve

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
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// attender is implemented by the models with attention over the behaviour
// history (DIN, DIEN): the weights of the last Forward, rows laid out as
// Batch.Seq.
type attender interface {
	Attention() (weights []float32, width int)
}

// version is one loaded artifact: its encoders, a pool of model replicas
// sharing the weights, and what the endpoints report about it. It is
// immutable once built; Reload replaces it as a whole.
type version struct {
	name string
	// id identifies the artifact's content (see versionID).
	id       string
	dir      string
	manifest *artifact.Manifest
	task     train.Task
	enc      *feature.Encoders
	in       *inputs
	re       *feature.RowEncoder
	layout   model.Layout
	maxBatch int
	attends  bool
	// seqs are the sequence slots with their padding side, for reading the
	// attention of the real positions.
	seqs     []feature.SeqSlot
	padStart []bool
	seqCols  []string // the column each sequence slot reads
	pool     chan *replica
	// rec recommends for a ranking or rating model (nil for the others).
	rec *recommender
	// stat is the manifest's file info when loading began, for --watch.
	stat   os.FileInfo
	loaded time.Time
	// jsonName and jsonID are the name and id as JSON strings, written
	// into every response.
	jsonName, jsonID []byte
}

// replica is one model instance with its own Forward buffers and a batch
// of maxBatch rows; its weights are the master's.
type replica struct {
	m      model.Model
	b      model.Batch // maxBatch rows
	view   model.Batch // the rows of the current request
	ex     feature.Example
	vals   [][]byte
	scores []float32
	raw    rawRows // the in-process API's row source
	rec    recScratch
}

// loadVersion loads the artifact in dir with replicas models scoring up
// to maxBatch rows each. The directory is opened once and every file read
// through that handle, so an artifact swapped in by renaming (as
// artifact.Save does) while it loads yields the old or the new one, never a
// mix.
func loadVersion(name, dir string, maxBatch, replicas int) (*version, error) {
	stat, err := os.Stat(filepath.Join(dir, artifact.ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", dir, err)
	}
	defer root.Close()
	mb, err := root.ReadFile(artifact.ManifestFile)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", dir, err)
	}
	man, err := artifact.UnmarshalManifest(mb)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, artifact.ManifestFile), err)
	}
	wb, err := root.ReadFile(artifact.WeightsFile)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", dir, err)
	}
	weights, err := artifact.ReadSafetensors(wb)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, artifact.WeightsFile), err)
	}
	enc := new(feature.Encoders)
	if err := json.Unmarshal(man.Encoders, enc); err != nil {
		return nil, fmt.Errorf("artifact %s: encoders: %w", dir, err)
	}
	var seen *artifact.Seen
	var seenRaw []byte
	if man.SeenPairs > 0 {
		if seenRaw, err = root.ReadFile(artifact.SeenFile); err != nil {
			return nil, fmt.Errorf("artifact %s: the manifest lists %d seen pairs: %w", dir, man.SeenPairs, err)
		}
		if seen, err = artifact.ReadSeen(seenRaw, man.SeenPairs); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, artifact.SeenFile), err)
		}
	}
	task := train.Task(man.Task)
	if task != train.Binary && task != train.Regression {
		return nil, fmt.Errorf("artifact %s: task %q, expected binary or regression", dir, man.Task)
	}
	v := &version{name: name, id: versionID(man, wb, seenRaw), dir: dir, manifest: man, task: task, enc: enc,
		in: newInputs(enc.Schema()), layout: model.NewLayout(enc), maxBatch: maxBatch, stat: stat, loaded: time.Now()}
	cols := make([]string, len(v.in.cols))
	for i, c := range v.in.cols {
		cols[i] = c.Name
	}
	if v.re, err = enc.BindFeatures(cols); err != nil {
		return nil, fmt.Errorf("artifact %s: %w", dir, err)
	}
	env := model.Env{Layout: v.layout, MaxBatch: maxBatch}
	master, _, err := model.New(man.Model, man.HyperParams, env)
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %w", dir, err)
	}
	if err := artifact.LoadWeights(weights, append(model.Params(master), model.Buffers(master)...), model.Tables(master)); err != nil {
		return nil, fmt.Errorf("artifact %s: %w", dir, err)
	}
	master.SetTraining(false)
	if v.rec, err = newRecommender(v, seen); err != nil {
		return nil, fmt.Errorf("artifact %s: %w", dir, err)
	}
	_, v.attends = master.(attender)
	schema := enc.Schema()
	for _, q := range v.layout.Seqs {
		v.seqs = append(v.seqs, q)
		col := q.Field
		for _, f := range schema.Fields {
			if f.Name == q.Field {
				col = f.Column
			}
		}
		v.padStart, v.seqCols = append(v.padStart, q.Padding == feature.PadStart), append(v.seqCols, col)
	}
	v.jsonName, _ = json.Marshal(name)
	v.jsonID, _ = json.Marshal(v.id)
	replicas = max(replicas, 1)
	v.pool = make(chan *replica, replicas)
	v.pool <- v.newReplica(master)
	renv := env
	renv.Replica = true // its tables are views of the master's
	for range replicas - 1 {
		m, _, err := model.New(man.Model, man.HyperParams, renv)
		if err != nil {
			return nil, fmt.Errorf("artifact %s: %w", dir, err)
		}
		if err := model.ShareWeights(m, master); err != nil {
			return nil, fmt.Errorf("artifact %s: %w", dir, err)
		}
		m.SetTraining(false)
		v.pool <- v.newReplica(m)
	}
	return v, nil
}

// versionID is the first 12 hex digits of a SHA-256 over what determines
// the answers: the model, task, hyper-parameters, encoders and weights, and
// the training log recommendation leaves out (seen, when there is one).
// Two artifacts with the same content have the same id whenever they were
// saved; the manifest's creation time and metrics are left out.
func versionID(man *artifact.Manifest, weights, seen []byte) string {
	h := sha256.New()
	parts := [][]byte{[]byte(man.Model), []byte(man.Task), man.HyperParams, man.Encoders, weights}
	if seen != nil {
		parts = append(parts, seen)
	}
	for _, part := range parts {
		var n [8]byte
		for i, l := 0, len(part); i < 8; i, l = i+1, l>>8 {
			n[i] = byte(l)
		}
		h.Write(n[:])
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// newReplica wraps m with a batch of maxBatch rows.
func (v *version) newReplica(m model.Model) *replica {
	n, f, q, ns := v.maxBatch, len(v.layout.Slots), v.layout.SeqLen, len(v.layout.Seqs)
	return &replica{
		m: m,
		b: model.Batch{IDs: make([]int32, n*f), Values: make([]float32, n*f), Seq: make([]int32, n*q),
			SeqLens: make([]int32, n*ns)},
		vals:   make([][]byte, len(v.in.cols)),
		scores: make([]float32, n),
	}
}

// acquire takes a replica from the pool, waiting until one is free or ctx
// ends.
func (v *version) acquire(ctx context.Context) (*replica, error) {
	select {
	case r := <-v.pool:
		return r, nil
	default:
	}
	select {
	case r := <-v.pool:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (v *version) release(r *replica) { v.pool <- r }

// scoreChecked acquires a replica and scores src on it, refusing
// non-finite scores. The scores belong to the replica: the caller reads
// them, then releases it (on error there is nothing to release).
func (v *version) scoreChecked(ctx context.Context, src rowSource) (*replica, []float32, error) {
	rep, err := v.acquire(ctx)
	if err != nil {
		return nil, nil, err
	}
	scores, err := v.score(rep, src)
	if err == nil && !finite(scores) {
		err = fmt.Errorf("model %s version %s produced a non-finite score", v.name, v.id)
	}
	if err != nil {
		v.release(rep)
		return nil, nil, err
	}
	return rep, scores, nil
}

// appendIdentity appends nameKey, the model's name, versionKey and the
// version id: the opening of every scoring response.
func (v *version) appendIdentity(b []byte, nameKey, versionKey string) []byte {
	b = append(b, nameKey...)
	b = append(b, v.jsonName...)
	b = append(b, versionKey...)
	return append(b, v.jsonID...)
}

// rowSource yields the raw values of the rows to score.
type rowSource interface {
	rowCount() int
	// fill writes row i's values, one per column (nil: missing).
	fill(i int, dst [][]byte)
	// path is the request path of row i's value of column col.
	path(i, col int) string
}

// score encodes the rows of src (at most maxBatch) into r's batch, runs the
// model and returns the scores (probabilities for a binary task), owned by
// r. A value the encoders reject is an *Error naming its path.
func (v *version) score(r *replica, src rowSource) ([]float32, error) {
	n := src.rowCount()
	if n > v.maxBatch {
		return nil, fmt.Errorf("serve: %d rows exceed the batch of %d", n, v.maxBatch)
	}
	f, q, ns := len(v.layout.Slots), v.layout.SeqLen, len(v.layout.Seqs)
	for i := range n {
		src.fill(i, r.vals)
		// The example's buffers are the batch's row: no copy.
		r.ex.IDs, r.ex.Values = r.b.IDs[i*f:(i+1)*f], r.b.Values[i*f:(i+1)*f]
		r.ex.Seq, r.ex.SeqLens = r.b.Seq[i*q:(i+1)*q], r.b.SeqLens[i*ns:(i+1)*ns]
		if err := v.re.Encode(r.vals, &r.ex); err != nil {
			return nil, v.valueError(src, i, err)
		}
	}
	// The view lives in the replica: a local passed to Forward, an
	// interface call, would escape to the heap on every request.
	r.view = model.Batch{N: n, IDs: r.b.IDs[:n*f], Values: r.b.Values[:n*f], Seq: r.b.Seq[:n*q], SeqLens: r.b.SeqLens[:n*ns]}
	out := r.m.Forward(&r.view)
	for i, z := range out {
		r.scores[i] = v.task.Score(z)
	}
	return r.scores[:n], nil
}

// valueError turns an encoder's error on row i into an *Error naming the
// request path of the value.
func (v *version) valueError(src rowSource, i int, err error) error {
	var ve *feature.ValueError
	if !errors.As(err, &ve) || ve.Column < 1 || ve.Column > len(v.in.cols) {
		return err
	}
	col := ve.Column - 1
	code := CodeInvalidValue
	if ve.Value == "" {
		code = CodeMissingValue
	}
	msg := fmt.Sprintf("field %s: %s, found %q", ve.Field, ve.Msg, ve.Value)
	return badRequest(code, src.path(i, col), "%s", msg)
}

// attention returns the attention rows of r's last Forward (ok false when
// the model has none): call it once per request, since models scatter the
// weights into rows on every call.
func (v *version) attention(r *replica) (w []float32, width int, ok bool) {
	a, ok := r.m.(attender)
	if !ok {
		return nil, 0, false
	}
	w, width = a.Attention()
	return w, width, true
}

// realWeights returns the weights of row i's real positions in sequence slot
// k, from attention's rows w.
func (v *version) realWeights(r *replica, w []float32, width, i, k int) []float32 {
	q := v.seqs[k]
	n := int(r.b.SeqLens[i*len(v.seqs)+k])
	lo := q.Offset
	if v.padStart[k] {
		lo += q.MaxLen - n
	}
	return w[i*width+lo : i*width+lo+n]
}
