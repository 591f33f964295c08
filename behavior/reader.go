package behavior

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/synth"
)

// The "behavior" reader serves behaviour samples through data.Open, so
// that recforge train, eval and zoo run on them:
//
//	behavior:sasrec?path=Video.txt&part=train
//	behavior:movielens?path=ml-100k&part=test
//	behavior:amazon-electronics?path=sample.csv&part=valid
//	behavior:synthetic?users=20000&seed=1&part=train
//
// See ParseSpec for the parameters and Schema for the columns' schema.
func init() {
	data.Register("behavior", func(path string, opts data.ReadOptions) (data.Reader, error) {
		return Open(path, opts)
	}, false)
	data.RegisterSourceFiles("behavior", Files)
	dataset.RegisterSchema("behavior", Schema)
}

// Formats lists the formats of a behaviour spec.
var Formats = []string{"sasrec", "movielens", "amazon-electronics", "synthetic"}

// Spec is a parsed behaviour spec.
type Spec struct {
	// Format is one of Formats; Path the log it reads (none for synthetic).
	Format, Path string
	// Part is the part of the split served.
	Part Part
	// Config chooses the samples of a log.
	Config Config
	// Synth configures the synthetic generator.
	Synth synth.SeqConfig
}

// ParseSpec parses the part of a behaviour spec after "behavior:",
// "FORMAT?key=value&…". Every format takes part (train, valid, test or
// all; required, so that no run mixes parts by accident) and max_len (the
// history window, default 50). The log formats — sasrec (`user item` lines
// in time order, as amazon-video-seq's Video.txt), movielens (an ML-100K
// directory or ratings file: DIN's MovieLens setup, the first genre as the
// category, a rating ≥ min_rating as the label, default 4) and
// amazon-electronics (the CSV user_id,item_id,time[,cate_id] of
// data.OpenEventLog) — take path (required), valid and test (each user's
// latest steps held out, default 1 each) and seed (of the negatives,
// default 1); the implicit ones (sasrec, amazon-electronics) take neg, the
// sampled negatives per positive (default 1). synthetic takes the
// generator's users, items, categories, per_user, min_history,
// max_history, recent, strength, base_ctr and seed (see synth.SeqConfig);
// its examples are split 8:1:1 by a hash seeded by seed.
func ParseSpec(path string) (*Spec, error) {
	format, query, _ := strings.Cut(path, "?")
	if !slices.Contains(Formats, format) {
		return nil, fmt.Errorf("behavior data %q: unknown format %q, expected one of %s (e.g. behavior:sasrec?path=Video.txt&part=train)", path, format, strings.Join(Formats, ", "))
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, fmt.Errorf("behavior data %q: %w", path, err)
	}
	sp := &Spec{Format: format, Config: DefaultConfig(), Part: -1}
	if format == "movielens" {
		sp.Config.Negatives = 0
	}
	var allowed []string
	switch format {
	case "synthetic":
		allowed = []string{"users", "items", "categories", "per_user", "min_history", "max_history", "recent", "strength", "base_ctr", "seed"}
	case "movielens":
		allowed = []string{"path", "valid", "test", "seed", "min_rating"}
	default:
		allowed = []string{"path", "valid", "test", "seed", "neg"}
	}
	allowed = append(allowed, "part", "max_len")
	bad := func(k, v, want string) error {
		return fmt.Errorf("behavior data %q: %s=%q, want %s", path, k, v, want)
	}
	nat := func(k, v string, lo int) (int, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < lo {
			return 0, bad(k, v, fmt.Sprintf("an integer ≥ %d", lo))
		}
		return n, nil
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys) // errors name the same parameter every time
	for _, k := range keys {
		v := q[k][len(q[k])-1]
		if !slices.Contains(allowed, k) {
			return nil, fmt.Errorf("behavior data %q: unknown parameter %q for format %s, expected %s", path, k, format, strings.Join(allowed, ", "))
		}
		var n int
		var f float64
		switch k {
		case "path":
			if v == "" {
				return nil, bad(k, v, "a file")
			}
			sp.Path = v
		case "part":
			if sp.Part, err = ParsePart(v); err != nil {
				return nil, fmt.Errorf("behavior data %q: %w", path, err)
			}
		case "seed":
			s, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return nil, bad(k, v, "a non-negative integer")
			}
			sp.Config.Seed, sp.Synth.Seed = s, s
		case "strength", "base_ctr", "min_rating":
			if f, err = strconv.ParseFloat(v, 64); err != nil {
				return nil, bad(k, v, "a number")
			}
			switch k {
			case "strength":
				sp.Synth.Strength = f
			case "base_ctr":
				sp.Synth.BaseCTR = f
			default:
				sp.Config.MinRating = f
			}
		default:
			lo := 1
			if k == "valid" || k == "test" {
				lo = 0
			}
			if n, err = nat(k, v, lo); err != nil {
				return nil, err
			}
			*map[string]*int{"max_len": &sp.Config.MaxLen, "neg": &sp.Config.Negatives, "valid": &sp.Config.Valid, "test": &sp.Config.Test,
				"users": &sp.Synth.Users, "items": &sp.Synth.Items, "categories": &sp.Synth.Categories, "per_user": &sp.Synth.PerUser,
				"min_history": &sp.Synth.MinHistory, "max_history": &sp.Synth.MaxHistory, "recent": &sp.Synth.Recent}[k] = n
		}
	}
	if sp.Part < 0 {
		return nil, fmt.Errorf("behavior data %q: part is required: give part=train as the training data and the same spec with part=valid and part=test as the validation and test data (the split is per user in time order)", path)
	}
	if format != "synthetic" && sp.Path == "" {
		return nil, fmt.Errorf("behavior data %q: path is required (the %s log to read)", path, format)
	}
	if format == "synthetic" && sp.Synth.Seed == 0 && !q.Has("seed") {
		sp.Synth.Seed = 1
	}
	return sp, nil
}

// parseFull parses a full spec, "behavior:FORMAT?…".
func parseFull(spec string) (*Spec, error) {
	name, path, ok := strings.Cut(spec, ":")
	if !ok || name != "behavior" {
		return nil, fmt.Errorf("behavior data %q: expected behavior:FORMAT?key=value&…", spec)
	}
	return ParseSpec(path)
}

// Files lists the files a behaviour spec (the part after "behavior:")
// reads, for data.SourceFiles: none for synthetic data.
func Files(path string) ([]string, error) {
	sp, err := ParseSpec(path)
	if err != nil {
		return nil, err
	}
	switch sp.Format {
	case "synthetic":
		return nil, nil
	case "movielens":
		return data.SourceFiles("movielens-ctr:" + sp.Path)
	}
	return []string{sp.Path}, nil
}

// HasCategories reports whether the spec's samples have item categories
// (the cat and hist_cat columns).
func (sp *Spec) HasCategories() (bool, error) {
	switch sp.Format {
	case "sasrec":
		return false, nil
	case "amazon-electronics":
		return csvHas(sp.Path, "cate_id", data.ReadOptions{})
	}
	return true, nil
}

// Schema is the built-in schema of a behaviour spec ("behavior:…"): the
// label; the user, both an embedded field and the group key of gAUC; the
// candidate item and, when the source has categories, its category; and
// the history of items (and categories), sequences of max_len ids that
// keep the latest, sharing the candidate's embedding tables ("item",
// "cat") — the pairing by which DIN-style models attend over the history
// with the candidate.
func Schema(spec string) (*feature.Schema, error) {
	sp, err := parseFull(spec)
	if err != nil {
		return nil, err
	}
	cats, err := sp.HasCategories()
	if err != nil {
		return nil, err
	}
	n := sp.Config.MaxLen
	s := &feature.Schema{Name: "behavior-" + sp.Format, EmbeddingDim: 16, Fields: []feature.Field{
		{Name: "label", Type: feature.Label},
		{Name: "user", Type: feature.Categorical, Source: feature.User},
		{Name: "user_group", Column: "user", Type: feature.Group},
		{Name: "item", Type: feature.Categorical, Source: feature.Item, Share: "item"},
	}}
	if cats {
		s.Fields = append(s.Fields, feature.Field{Name: "cat", Type: feature.Categorical, Source: feature.Item, Share: "cat"})
	}
	s.Fields = append(s.Fields, feature.Field{Name: "hist_item", Type: feature.Sequence, Source: feature.User, Share: "item", MaxLen: n})
	if cats {
		s.Fields = append(s.Fields, feature.Field{Name: "hist_cat", Type: feature.Sequence, Source: feature.User, Share: "cat", MaxLen: n})
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("behavior: built-in schema of %s: %w", spec, err)
	}
	return s, nil
}

// Reader serves the samples of one part of a behaviour source as records
// with the columns label, user, item, [cat,] hist_item[, hist_cat]: the
// label 0/1, raw ids, and the history window's raw ids oldest first,
// joined by '|'. It holds the log once and formats each history as it
// serves the sample, and tells dataset.Build where each history lies in
// its user's sequence (SeqWindow), so that the encoded cache stores every
// user's sequence once too.
type Reader struct {
	log     *Log
	maxLen  int32
	it      interface{ Next(*Sample) (bool, error) }
	cur     Sample
	columns []string
	cats    bool
	buf     []byte
	ends    []int
	cols    [][]byte
}

// Open opens the source of a behaviour spec (the part after
// "behavior:"), reading its whole log into memory.
func Open(path string, opts data.ReadOptions) (*Reader, error) {
	sp, err := ParseSpec(path)
	if err != nil {
		return nil, err
	}
	var log *Log
	var it interface{ Next(*Sample) (bool, error) }
	switch sp.Format {
	case "synthetic":
		g, err := newSynthetic(sp.Synth)
		if err != nil {
			return nil, err
		}
		log, it = g.log, g.iter(sp.Part)
	default:
		read := map[string]func(string, data.ReadOptions) (*Log, error){
			"sasrec": ReadSeqLog, "movielens": ReadMovieLens, "amazon-electronics": ReadEventLog}[sp.Format]
		if log, err = read(sp.Path, opts); err != nil {
			return nil, err
		}
		s, err := NewSampler(log, sp.Config)
		if err != nil {
			return nil, err
		}
		it = s.Iter(sp.Part)
	}
	return newReader(log, sp.Config.MaxLen, it), nil
}

// NewReader serves the samples of part p of s as records (see Reader).
func NewReader(s *Sampler, p Part) *Reader {
	return newReader(s.log, s.cfg.MaxLen, s.Iter(p))
}

func newReader(log *Log, maxLen int, it interface{ Next(*Sample) (bool, error) }) *Reader {
	r := &Reader{log: log, maxLen: int32(maxLen), it: it, cats: log.HasCategories()}
	r.columns = []string{"label", "user", "item"}
	if r.cats {
		r.columns = append(r.columns, "cat")
	}
	r.columns = append(r.columns, "hist_item")
	if r.cats {
		r.columns = append(r.columns, "hist_cat")
	}
	r.cols = make([][]byte, len(r.columns))
	r.ends = make([]int, len(r.columns))
	return r
}

// Columns names the record's columns.
func (r *Reader) Columns() []string { return r.columns }

// Skipped counts the log's malformed lines skipped (ReadOptions.SkipBad).
func (r *Reader) Skipped() int64 { return r.log.skipped }

// Close releases nothing: the log is in memory.
func (r *Reader) Close() error { return nil }

// Sample returns the sample of the record Next returned last.
func (r *Reader) Sample() Sample { return r.cur }

// SeqWindow implements dataset.SeqWindower: the history columns hold the
// latest behaviours of the sample's user before its End.
func (r *Reader) SeqWindow(col int) (key, end int64, ok bool) {
	if col < 0 || col >= len(r.columns) || !strings.HasPrefix(r.columns[col], "hist_") {
		return 0, 0, false
	}
	return int64(r.cur.User), int64(r.cur.End), true
}

// Next fills rec with the next sample's record; it returns io.EOF after
// the last. Record.File is the log's file and Line is 0: a sample is no
// line of it.
func (r *Reader) Next(rec *data.Record) error {
	ok, err := r.it.Next(&r.cur)
	if err != nil {
		return err
	}
	if !ok {
		return io.EOF
	}
	l, x := r.log, r.cur
	b := r.buf[:0]
	c := 0
	mark := func() { r.ends[c] = len(b); c++ }
	if x.Label == 1 {
		b = append(b, '1')
	} else {
		b = append(b, '0')
	}
	mark()
	b = append(b, l.users[x.User]...)
	mark()
	b = append(b, l.items[x.Item]...)
	mark()
	if r.cats {
		b = append(b, l.cats[l.itemCat[x.Item]]...)
		mark()
	}
	ev := l.UserItems(x.User)
	hist := ev[max(0, x.End-r.maxLen):x.End]
	for k, it := range hist {
		if k > 0 {
			b = append(b, '|')
		}
		b = append(b, l.items[it]...)
	}
	mark()
	if r.cats {
		for k, it := range hist {
			if k > 0 {
				b = append(b, '|')
			}
			b = append(b, l.cats[l.itemCat[it]]...)
		}
		mark()
	}
	r.buf = b
	start := 0
	for i, end := range r.ends {
		r.cols[i] = b[start:end:end]
		start = end
	}
	rec.File, rec.Line, rec.Cols = l.file, 0, r.cols
	return nil
}
