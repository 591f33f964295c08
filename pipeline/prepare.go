package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/recforge/recforge/artifact"
	"hash"
	"os"
	"path/filepath"
	"strings"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/data/cache"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// Inputs name a run's data.
type Inputs struct {
	// Data is the training data spec ("criteo:day_0.gz"). Alone, it is
	// split train:valid:test (DataConfig.Split, default 8:1:1) by a seeded
	// hash of the record order.
	Data string
	// Valid and Test are optional separate specs. Given Test without Valid,
	// the validation part is split 9:1 out of Data.
	Valid, Test string
	// CacheDir holds the encoded caches (default: DefaultCacheDir,
	// $RECFORGE_CACHE_DIR or the user cache directory's recforge folder).
	CacheDir string
	// SplitSeed seeds the split.
	SplitSeed uint64
	// OnProgress, when set, is told how far fitting the encoders and
	// encoding each spec have got (see dataset.Options.OnProgress).
	OnProgress func(dataset.Progress)
	// Threads is how many goroutines fit the encoders and encode the data
	// (dataset.Options.Threads; below 2, one): the encoders and caches are
	// the same for any count.
	Threads int
	// Warm, when set, is the artifact the run continues: the encoders are
	// the artifact's, grown with the training part's new values
	// (feature.Encoders.Extend), instead of fitted afresh.
	Warm *Warm
}

// defaultSplit is the train:valid:test ratio of a single data spec.
var defaultSplit = []float64{8, 1, 1}

// Prepared is a run's encoded data: the encoders fitted on the training
// part and views of the training, validation and test rows. A task whose
// examples are not rows of an encoded dataset (ranking: interactions with
// negatives sampled every epoch, evaluated leave-one-out) sets Examples,
// ValidEval and TestEval instead; TrainModel trains and evaluates every
// task through them (see Sources).
type Prepared struct {
	Encoders           *feature.Encoders
	Train, Valid, Test train.Data
	// Examples is the training source, ValidEval and TestEval the
	// validation (nil: none) and test evaluators, when the views above do
	// not give them.
	Examples            train.Source
	ValidEval, TestEval train.Evaluator
	// Task and Watch, when set, are the task and the early-stopping metric
	// of the examples, for a configuration that names neither.
	Task  train.Task
	Watch string
	// Protocol names how the test rows were chosen (metric.ProtocolHoldout).
	Protocol string
	// Split describes the split ("8:1:1 seed 1", or "given files").
	Split string
	// Summary, when set, describes the data in one line for progress
	// output, in place of the views' row counts (a task whose examples
	// are not rows).
	Summary string
	// Grouped is true when the schema has a group field (gAUC applies).
	Grouped bool
	// Fingerprint identifies the data and the encoders.
	Fingerprint string
	// Skipped counts malformed records skipped while building.
	Skipped int64
	// Seen, for a ranking or rating run, is the training log's (user,
	// item) pairs, saved with the artifact for recommendation.
	Seen *artifact.Seen
	// Growth, for a warm start (Inputs.Warm), says how each vocabulary
	// grew.
	Growth []feature.Growth

	sets []*dataset.Dataset
}

// Sources returns the training source and the validation and test
// evaluators of p: Examples, ValidEval and TestEval when set, else the
// encoded views, evaluated in batches of batch rows.
func (p *Prepared) Sources(batch int) (src train.Source, valid, test train.Evaluator) {
	if p.Examples != nil {
		return p.Examples, p.ValidEval, p.TestEval
	}
	return p.Train.Source(), train.NewHoldout(p.Valid, batch, p.Grouped), train.Holdout{Data: p.Test, Batch: batch, Grouped: p.Grouped}
}

// Close releases the caches.
func (p *Prepared) Close() error {
	var errs []error
	for _, s := range p.sets {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// SchemaFor returns the schema of cfg, or the built-in schema of spec's
// reader when cfg has none.
func SchemaFor(cfg *Config, spec string) (*feature.Schema, error) {
	if cfg.Schema != nil {
		return cfg.Schema, nil
	}
	s, ok, err := dataset.DefaultSchema(spec)
	if err != nil {
		return nil, err
	}
	if !ok {
		reader, path, _ := strings.Cut(spec, ":")
		if data.IsSparseReader(reader) {
			// A declared schema would not help: the rows have no columns.
			return nil, fmt.Errorf("%s: the %s reader's rows (label idx:val … of varying length) have no columns a schema can describe, so no model trains on them yet; "+
				"a file whose rows all set one feature per field (one-hot, as Frappe's and iPinYou's) reads as libfm-fields:%s, which has a built-in schema "+
				"(recforge data inspect %s tells whether it does)", spec, reader, path, spec)
		}
		return nil, fmt.Errorf("%s: this reader has no built-in schema; declare one in the schema section of --config (recforge data inspect %s prints a configuration with a guessed schema to start from)", spec, spec)
	}
	return s, nil
}

// CacheDirEnv names the environment variable that moves the default cache
// directory (see DefaultCacheDir).
const CacheDirEnv = "RECFORGE_CACHE_DIR"

// CacheExt ends the name of every encoded cache file the pipeline writes;
// cache.Scan and cache.Clean find them by it.
const CacheExt = ".rfc"

// DefaultCacheDir is where encoded caches go unless Inputs.CacheDir says
// otherwise: $RECFORGE_CACHE_DIR when it is set, else recforge/ in the
// user cache directory (os.UserCacheDir: $XDG_CACHE_HOME or ~/.cache on
// Linux, ~/Library/Caches on macOS, %LocalAppData% on Windows), else
// recforge-cache in the temporary directory.
func DefaultCacheDir() string {
	if d := os.Getenv(CacheDirEnv); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "recforge-cache")
	}
	return filepath.Join(d, "recforge")
}

// preparers hold the preparation of each model task (model.Info.Task)
// whose examples are not rows of an encoded dataset; the others (ctr,
// sequence) are prepared by prepareRows.
var preparers = map[string]func(ctx context.Context, cfg *Config, in Inputs) (*Prepared, error){}

// Prepare builds the data of a run of cfg's model from in, as the model's
// task wants it: for CTR and sequence models it fits the encoders on the
// training part of in and builds the encoded caches. Cancelling ctx stops
// it with an error wrapping ctx's.
func Prepare(ctx context.Context, cfg *Config, in Inputs) (*Prepared, error) {
	if in.Data == "" {
		return nil, errors.New("no training data given")
	}
	if in.Warm != nil {
		if err := checkWarmTask(cfg.Model.Name); err != nil {
			return nil, err
		}
	}
	if info, ok := model.Lookup(cfg.Model.Name); ok {
		if prep, ok := preparers[info.Task]; ok {
			return prep(ctx, cfg, in)
		}
	}
	return prepareRows(ctx, cfg, in)
}

// prepareRows prepares the rows of a CTR or sequence run.
func prepareRows(ctx context.Context, cfg *Config, in Inputs) (*Prepared, error) {
	var schema *feature.Schema
	var err error
	if in.Warm != nil {
		schema, err = in.Warm.schema(cfg)
	} else {
		schema, err = SchemaFor(cfg, in.Data)
	}
	if err != nil {
		return nil, err
	}
	opts := dataset.Options{Read: data.ReadOptions{SkipBad: cfg.Data.SkipBad, MaxLineBytes: cfg.Data.MaxLineBytes}, OnProgress: in.OnProgress, Threads: in.Threads}
	ratios := cfg.Data.Split
	switch {
	case in.Valid != "" && in.Test != "":
		ratios = nil
	case in.Valid != "":
		return nil, errors.New("a validation file without a test file: give --test too, or neither")
	case in.Test != "":
		ratios = []float64{9, 1}
	case len(ratios) == 0:
		ratios = defaultSplit
	case len(ratios) != 3:
		return nil, fmt.Errorf("data split %v: want three ratios train:valid:test", ratios)
	}
	var split *data.HashSplit
	if ratios != nil {
		if split, err = data.NewHashSplit(ratios, in.SplitSeed); err != nil {
			return nil, err
		}
		fitOpts := opts
		fitOpts.Keep = func(i int64) bool { return split.Part(i) == 0 }
		opts = fitOpts
	}
	var growth []feature.Growth
	var enc *feature.Encoders
	if in.Warm != nil {
		// Every value is counted, so that Extend applies min_count to the
		// new values itself and updates the counts of the old ones.
		today, err := dataset.Fit(ctx, in.Data, feature.GrowthSchema(schema), opts)
		if err != nil {
			return nil, err
		}
		enc, growth, err = in.Warm.Encoders.Extend(schema, today, feature.ExtendOptions{RefitStats: in.Warm.RefitStats})
		if err != nil {
			return nil, fmt.Errorf("warm start from %s: %w", in.Warm.Dir, err)
		}
	} else {
		chosen := "all records"
		if split != nil {
			chosen = fmt.Sprintf("part 0 of %v, seed %d", ratios, in.SplitSeed)
		}
		if enc, err = fitCached(ctx, in.CacheDir, in.Data, chosen, schema, opts); err != nil {
			return nil, err
		}
	}
	opts.Keep = nil
	p := &Prepared{Encoders: enc, Protocol: metric.ProtocolHoldout, Growth: growth}
	for _, f := range schema.Fields {
		p.Grouped = p.Grouped || f.Type == feature.Group
	}
	cb, err := newCacheBuilder(ctx, p, in.CacheDir, opts)
	if err != nil {
		return nil, err
	}
	build := cb.build
	all, err := build(in.Data)
	if err != nil {
		p.Close()
		return nil, err
	}
	if split != nil {
		parts := []*train.Data{&p.Train, &p.Valid, &p.Test}
		if len(ratios) == 2 {
			parts = parts[:2]
		}
		for _, d := range parts {
			d.Set, d.Rows = all, []int32{}
		}
		for i := range all.Rows {
			d := parts[split.Part(all.Ordinal(i))]
			d.Rows = append(d.Rows, int32(i))
		}
		p.Split = fmt.Sprintf("%s split of %s, seed %d", ratioString(ratios), in.Data, in.SplitSeed)
	} else {
		p.Train = train.Data{Set: all}
	}
	for _, x := range []struct {
		spec string
		dst  *train.Data
	}{{in.Valid, &p.Valid}, {in.Test, &p.Test}} {
		if x.spec == "" {
			continue
		}
		d, err := build(x.spec)
		if err != nil {
			p.Close()
			return nil, err
		}
		*x.dst = train.Data{Set: d}
	}
	if in.Test != "" {
		p.Split = "train " + in.Data + ", test " + in.Test
		if in.Valid != "" {
			p.Split += ", valid " + in.Valid
		} else {
			p.Split += ", valid a 9:1 split of the training data"
		}
	}
	if p.Train.Len() == 0 || p.Test.Len() == 0 {
		p.Close()
		return nil, fmt.Errorf("%s: too few rows to split (%d training, %d test rows)", in.Data, p.Train.Len(), p.Test.Len())
	}
	p.Fingerprint = cb.fingerprint()
	return p, nil
}

// cacheBuilder builds the encoded caches of a run's specs with p's
// encoders, keeping them in p (closed with it) and adding each spec and
// the identity of its files to the data's fingerprint.
type cacheBuilder struct {
	ctx     context.Context
	p       *Prepared
	dir     string
	encJSON []byte
	opts    dataset.Options
	fp      hash.Hash
}

// newCacheBuilder prepares to build into cacheDir (default
// DefaultCacheDir()) with p.Encoders.
func newCacheBuilder(ctx context.Context, p *Prepared, cacheDir string, opts dataset.Options) (*cacheBuilder, error) {
	encJSON, err := json.Marshal(p.Encoders)
	if err != nil {
		return nil, err
	}
	if cacheDir == "" {
		cacheDir = DefaultCacheDir()
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("cache directory: %w", err)
	}
	b := &cacheBuilder{ctx: ctx, p: p, dir: cacheDir, encJSON: encJSON, opts: opts, fp: sha256.New()}
	b.fp.Write(encJSON)
	return b, nil
}

// build returns the encoded dataset of spec, building its cache unless it
// is current.
func (b *cacheBuilder) build(spec string) (*dataset.Dataset, error) {
	key := sha256.Sum256(append([]byte(spec+"\x00"), b.encJSON...))
	path := filepath.Join(b.dir, cacheName(spec)+"-"+hex.EncodeToString(key[:8])+CacheExt)
	d, _, err := dataset.Build(b.ctx, spec, b.p.Encoders, path, b.opts)
	if err != nil {
		return nil, err
	}
	b.p.sets = append(b.p.sets, d)
	b.p.Skipped += d.Skipped
	fmt.Fprintf(b.fp, "%s\x00", spec)
	files, _ := data.SourceFiles(spec)
	for _, f := range files {
		if id, err := cache.FileIdentity(f); err == nil {
			b.fp.Write(id)
		}
	}
	return d, nil
}

// fingerprint identifies the encoders and the data built so far.
func (b *cacheBuilder) fingerprint() string { return hex.EncodeToString(b.fp.Sum(nil)[:16]) }

// cacheName turns a spec into a readable file-name stem.
func cacheName(spec string) string {
	var b strings.Builder
	for _, r := range spec {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 60 {
		s = s[len(s)-60:]
	}
	return s
}

func ratioString(r []float64) string {
	var parts []string
	for _, x := range r {
		parts = append(parts, fmt.Sprint(x))
	}
	return strings.Join(parts, ":")
}
