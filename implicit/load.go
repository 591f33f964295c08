package implicit

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/train"
)

// Protocol is how a Dataset's held-out interactions are ranked.
type Protocol int

const (
	// LOO is NCF's leave-one-out protocol: each user's held-out item is
	// ranked among that user's sampled negatives; HR@K and NDCG@K, K = 10.
	LOO Protocol = iota
	// Full ranks, for each user, every item not trained on; Recall@K and
	// NDCG@K, K = 20.
	Full
)

// String names the protocol as reports do.
func (p Protocol) String() string {
	if p == LOO {
		return "leave-one-out"
	}
	return "full-ranking"
}

// Dataset is implicit feedback with its evaluation protocol: rows to train
// on and held-out interactions to rank.
type Dataset struct {
	// Name labels the data in reports, e.g. "ncf:lastfm".
	Name string
	// Protocol says how Evaluate ranks.
	Protocol Protocol
	// In holds the training rows and, under LOO, the held-out rows.
	In data.Interactions
	// Train lists the rows of In to train on.
	Train []int32
	// Split is the LOO split over In (LOO only): Split.Test are the
	// held-out rows, Split.Negatives their candidates.
	Split data.LOOSplit
	// Test maps each user to its held-out items (Full only).
	Test map[int32][]int32
	// K is the cutoff of the metrics: 10 under LOO, 20 under Full.
	K int
	// FirstID is the id the data spells dense id 0 with: 1 for
	// MovieLens's 1-based ids, 0 for the NCF and LCF files.
	FirstID int
	// Files are the files the dataset was read from.
	Files []string

	seen *data.UserItems // training items per user, built on first use
}

// Metrics names the two metrics reported, primary (the one tuning
// maximizes) last: hr@10, ndcg@10 under LOO; recall@20, ndcg@20 under Full.
func (d *Dataset) Metrics() [2]string {
	if d.Protocol == LOO {
		return [2]string{fmt.Sprintf("hr@%d", d.K), fmt.Sprintf("ndcg@%d", d.K)}
	}
	return [2]string{fmt.Sprintf("recall@%d", d.K), fmt.Sprintf("ndcg@%d", d.K)}
}

// Seen returns each user's training items.
func (d *Dataset) Seen() *data.UserItems {
	if d.seen == nil {
		users := make([]int32, len(d.Train))
		items := make([]int32, len(d.Train))
		for k, r := range d.Train {
			users[k], items[k] = d.In.Users[r], d.In.Items[r]
		}
		d.seen = data.NewUserItems(users, items, d.In.NumUsers)
	}
	return d.seen
}

// Evaluator returns the evaluator of the held-out interactions under the
// dataset's protocol (train.LeaveOneOut or train.FullRanking) for a model
// whose layout ids ids gives; batch bounds a Forward of a model without
// model.ItemScorer.
func (d *Dataset) Evaluator(ids train.PairIDs, batch int) train.Evaluator {
	if d.Protocol == LOO {
		return train.LeaveOneOut{In: d.In, Split: d.Split, IDs: ids, K: []int{d.K}, Batch: batch}
	}
	return train.FullRanking{NumItems: d.In.NumItems, Seen: d.Seen(), Test: d.Test, IDs: ids, K: []int{d.K}, Batch: batch}
}

// Validation returns a dataset for tuning, carved out of d's training rows
// alone (never its test items), under the same protocol:
//   - LOO: each user's latest training row is held out with as many
//     sampled negatives as d's test rows have (data.LeaveOneOut). Without
//     timestamps the held-out row is a random one of the user's rows, not
//     the file's last, whose order may follow item ids.
//   - Full: a random fraction of each user's training rows is held out
//     (rounded, at least one row kept for training).
func (d *Dataset) Validation(fraction float64, seed uint64) (*Dataset, error) {
	rng := rand.New(rand.NewPCG(seed, 0x76616c))
	if d.Protocol == LOO {
		rows := append([]int32(nil), d.Train...)
		if d.In.Times == nil {
			rng.Shuffle(len(rows), func(a, b int) { rows[a], rows[b] = rows[b], rows[a] })
		}
		sub := data.Interactions{NumUsers: d.In.NumUsers, NumItems: d.In.NumItems,
			Users: make([]int32, len(rows)), Items: make([]int32, len(rows))}
		if d.In.Times != nil {
			sub.Times = make([]int64, len(rows))
		}
		for k, r := range rows {
			sub.Users[k], sub.Items[k] = d.In.Users[r], d.In.Items[r]
			if sub.Times != nil {
				sub.Times[k] = d.In.Times[r]
			}
		}
		negs := 99
		if len(d.Split.Negatives) > 0 {
			negs = len(d.Split.Negatives[0])
		}
		split, err := data.LeaveOneOut(sub, negs, rng.Uint64())
		if err != nil {
			return nil, fmt.Errorf("%s: validation hold-out: %w", d.Name, err)
		}
		return &Dataset{Name: d.Name + " (validation)", Protocol: LOO, In: sub, Train: split.Train, Split: split, K: d.K, FirstID: d.FirstID}, nil
	}
	if !(fraction > 0 && fraction < 1) {
		return nil, fmt.Errorf("%s: validation fraction %v, want a share in (0, 1)", d.Name, fraction)
	}
	byUser := make([][]int32, d.In.NumUsers)
	for _, r := range d.Train {
		u := d.In.Users[r]
		byUser[u] = append(byUser[u], r)
	}
	v := &Dataset{Name: d.Name + " (validation)", Protocol: Full, In: d.In, Test: map[int32][]int32{}, K: d.K, FirstID: d.FirstID}
	for u, rows := range byUser {
		rng.Shuffle(len(rows), func(a, b int) { rows[a], rows[b] = rows[b], rows[a] })
		held := min(len(rows)-1, int(math.Round(fraction*float64(len(rows)))))
		for _, r := range rows[:max(held, 0)] {
			v.Test[int32(u)] = append(v.Test[int32(u)], d.In.Items[r])
		}
		v.Train = append(v.Train, rows[max(held, 0):]...)
	}
	return v, nil
}

// LoadOptions tune Open.
type LoadOptions struct {
	// Negatives is the number of sampled negatives per held-out item when
	// the LOO split is drawn here (MovieLens). Default 99.
	Negatives int
	// SplitSeed selects those negatives.
	SplitSeed uint64
}

// Kinds are the data set kinds Open accepts, the KIND of its KIND:PATH
// specs (for tools and documentation checks that list them).
var Kinds = []string{"ncf", "movielens", "ml1m-implicit"}

// Open loads a dataset from a spec:
//
//	ncf:PREFIX           NCF/DeepCF files PREFIX.train.rating, PREFIX.test.rating
//	                     and PREFIX.test.negative (e.g. ncf:data/ncf-loo/lastfm), LOO
//	movielens:FILE       a MovieLens rating file (u.data), every rating an
//	                     interaction, leave-one-out by time with sampled negatives
//	ml1m-implicit:DIR    DIR/train.txt and DIR/test.txt, one `user item item …`
//	                     line per user (the LCF/UltraGCN ML-1M split), full ranking
func Open(spec string, opts LoadOptions) (*Dataset, error) {
	kind, path, ok := strings.Cut(spec, ":")
	if !ok || path == "" {
		return nil, fmt.Errorf("data spec %q: want KIND:PATH with KIND ncf, movielens or ml1m-implicit", spec)
	}
	switch kind {
	case "ncf":
		return LoadNCF(path)
	case "movielens":
		negs := opts.Negatives
		if negs == 0 {
			negs = 99
		}
		return LoadMovieLens(path, negs, opts.SplitSeed)
	case "ml1m-implicit":
		return LoadML1MImplicit(path)
	}
	return nil, fmt.Errorf("data spec %q: unknown kind %q, want ncf, movielens or ml1m-implicit", spec, kind)
}

// idParser turns checked id columns into int32, with the record's place in
// errors.
type idParser struct{ err error }

// id parses col (already checked as a non-negative integer by the reader)
// as an id below 2³¹.
func (p *idParser) id(rec *data.Record, col int, field string, b []byte) int32 {
	v, err := strconv.ParseInt(string(b), 10, 32)
	if err != nil && p.err == nil {
		p.err = &data.ParseError{File: rec.File, Line: rec.Line, Column: col, Field: field,
			Msg: fmt.Sprintf("expected an id below 2^31, found %q", b)}
	}
	return int32(v)
}

// readAll calls fn for every record of r, then closes it.
func readAll(r data.Reader, fn func(rec *data.Record) error) error {
	defer r.Close()
	return data.ForEach(r, fn)
}

// LoadNCF reads the NCF leave-one-out files PREFIX.train.rating,
// PREFIX.test.rating and PREFIX.test.negative (TAB-separated, 0-based ids;
// the DeepCF release of lastfm, AToy and AMusic, or NCF's own). Every
// training row is a positive. The k-th .negative line must name the k-th
// test pair; each user may have one test row; every line must list the
// same number of negatives. Negatives that are training items of the user
// (the released files have some) are kept, to stay comparable with
// published numbers.
func LoadNCF(prefix string) (*Dataset, error) {
	d := &Dataset{Name: "ncf:" + filepath.Base(prefix), Protocol: LOO, K: 10,
		Files: []string{prefix + ".train.rating", prefix + ".test.rating", prefix + ".test.negative"}}
	in := &d.In
	var p idParser
	var times []int64
	addRow := func(rec *data.Record) {
		in.Users = append(in.Users, p.id(rec, 1, "user", rec.Cols[0]))
		in.Items = append(in.Items, p.id(rec, 2, "item", rec.Cols[1]))
		if len(rec.Cols) > 3 {
			t, _ := strconv.ParseInt(string(rec.Cols[3]), 10, 64)
			times = append(times, t)
		}
	}
	open := func(path string) (*data.DelimitedReader, error) { return data.OpenNCFRating(path, data.ReadOptions{}) }
	r, err := open(prefix + ".train.rating")
	if err != nil {
		return nil, err
	}
	if err := readAll(r, func(rec *data.Record) error { addRow(rec); return p.err }); err != nil {
		return nil, err
	}
	nTrain := len(in.Users)
	if nTrain == 0 {
		return nil, fmt.Errorf("%s.train.rating: no rows", prefix)
	}
	testFile := prefix + ".test.rating"
	testLine := map[int32]int{}
	if r, err = open(testFile); err != nil {
		return nil, err
	}
	err = readAll(r, func(rec *data.Record) error {
		addRow(rec)
		u := in.Users[len(in.Users)-1]
		if l, dup := testLine[u]; dup && p.err == nil {
			p.err = &data.ParseError{File: rec.File, Line: rec.Line, Column: 1, Field: "user",
				Msg: fmt.Sprintf("user %d already has a test row on line %d: expected one per user", u, l)}
		}
		testLine[u] = rec.Line
		return p.err
	})
	if err != nil {
		return nil, err
	}
	if len(times) != 0 && len(times) != len(in.Users) {
		return nil, fmt.Errorf("%s: the training and test files disagree on the timestamp column", prefix)
	}
	if len(times) != 0 {
		in.Times = times
	}
	nTest := len(in.Users) - nTrain
	if nTest == 0 {
		return nil, fmt.Errorf("%s: no rows", testFile)
	}
	negFile := prefix + ".test.negative"
	nr, err := data.OpenNCFNegative(negFile, data.ReadOptions{})
	if err != nil {
		return nil, err
	}
	k := 0
	err = readAll(nr, func(rec *data.Record) error {
		if k >= nTest {
			return &data.ParseError{File: rec.File, Line: rec.Line, Msg: fmt.Sprintf("expected %d lines, one per line of %s, found more", nTest, testFile)}
		}
		row := int32(nTrain + k)
		u, it := p.id(rec, 1, "user", rec.Cols[0]), p.id(rec, 1, "item", rec.Cols[1])
		if p.err == nil && (u != in.Users[row] || it != in.Items[row]) {
			return &data.ParseError{File: rec.File, Line: rec.Line, Column: 1, Field: "user",
				Msg: fmt.Sprintf("expected the test pair (%d,%d) of %s line %d, found (%d,%d)", in.Users[row], in.Items[row], testFile, k+1, u, it)}
		}
		var negs []int32
		for tok := range bytes.SplitSeq(rec.Cols[2], []byte{'\t'}) {
			if len(tok) > 0 {
				negs = append(negs, p.id(rec, 2, "negatives", tok))
			}
		}
		if p.err != nil {
			return p.err
		}
		if len(negs) == 0 || (k > 0 && len(negs) != len(d.Split.Negatives[0])) {
			want := "at least one"
			if k > 0 {
				want = strconv.Itoa(len(d.Split.Negatives[0])) + " (as line 1)"
			}
			return &data.ParseError{File: rec.File, Line: rec.Line, Column: 2, Field: "negatives",
				Msg: fmt.Sprintf("expected %s negatives, found %d", want, len(negs))}
		}
		d.Split.Test = append(d.Split.Test, row)
		d.Split.Negatives = append(d.Split.Negatives, negs)
		k++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if k != nTest {
		return nil, fmt.Errorf("%s: %d lines for the %d lines of %s: expected one per test row", negFile, k, nTest, testFile)
	}
	for r := range int32(nTrain) {
		d.Train = append(d.Train, r)
	}
	d.Split.Train = d.Train
	in.NumUsers, in.NumItems = idBounds(in.Users, in.Items, d.Split.Negatives)
	return d, nil
}

// idBounds returns 1 + the largest user and item ids.
func idBounds(users, items []int32, more [][]int32) (int, int) {
	var mu, mi int32 = -1, -1
	for _, u := range users {
		mu = max(mu, u)
	}
	for _, it := range items {
		mi = max(mi, it)
	}
	for _, l := range more {
		for _, it := range l {
			mi = max(mi, it)
		}
	}
	return int(mu) + 1, int(mi) + 1
}

// LoadMovieLens reads a MovieLens rating file (u.data layout: user, item,
// rating, timestamp; 1-based ids, or ratings.dat) as implicit feedback,
// every rating an interaction, and splits it leave-one-out: each user's
// latest rating by timestamp is held out with negatives items the user
// never rated (data.LeaveOneOut, seeded by seed).
func LoadMovieLens(path string, negatives int, seed uint64) (*Dataset, error) {
	r, err := data.OpenMovieLens(path, data.ReadOptions{})
	if err != nil {
		return nil, err
	}
	var in data.Interactions
	var p idParser
	err = readAll(r, func(rec *data.Record) error {
		u, it := p.id(rec, 1, "user", rec.Cols[0]), p.id(rec, 2, "item", rec.Cols[1])
		if p.err != nil {
			return p.err
		}
		if u < 1 || it < 1 {
			col, field := 1, "user"
			if u >= 1 {
				col, field = 2, "item"
			}
			return &data.ParseError{File: rec.File, Line: rec.Line, Column: col, Field: field, Msg: "expected a 1-based MovieLens id, found 0"}
		}
		t, _ := strconv.ParseInt(string(rec.Cols[3]), 10, 64)
		in.Users = append(in.Users, u-1)
		in.Items = append(in.Items, it-1)
		in.Times = append(in.Times, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(in.Users) == 0 {
		return nil, fmt.Errorf("%s: no ratings", path)
	}
	in.NumUsers, in.NumItems = idBounds(in.Users, in.Items, nil)
	split, err := data.LeaveOneOut(in, negatives, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Dataset{Name: "movielens:" + filepath.Base(path), Protocol: LOO, In: in, Train: split.Train, Split: split, K: 10, FirstID: 1,
		Files: []string{path}}, nil
}

// LoadML1MImplicit reads DIR/train.txt and DIR/test.txt, one line per user
// of space-separated 0-based ids, `user item item …` (the ML-1M split of
// LCF and UltraGCN, "Movielens1M_m1"), for full ranking: every training
// item is a positive, and each user's test items are ranked among all the
// items the user has no training interaction with. A user may have one
// line per file.
func LoadML1MImplicit(dir string) (*Dataset, error) {
	d := &Dataset{Name: "ml1m-implicit:" + filepath.Base(filepath.Clean(dir)), Protocol: Full, Test: map[int32][]int32{}, K: 20,
		Files: []string{filepath.Join(dir, "train.txt"), filepath.Join(dir, "test.txt")}}
	var p idParser
	read := func(name string, add func(u, it int32)) error {
		r, err := data.OpenSeq(filepath.Join(dir, name), data.ReadOptions{})
		if err != nil {
			return err
		}
		lines := map[int32]int{}
		return readAll(r, func(rec *data.Record) error {
			u := p.id(rec, 1, "user", rec.Cols[0])
			if l, dup := lines[u]; dup && p.err == nil {
				return &data.ParseError{File: rec.File, Line: rec.Line, Column: 1, Field: "user",
					Msg: fmt.Sprintf("user %d already listed on line %d: expected one line per user", u, l)}
			}
			lines[u] = rec.Line
			col := 1
			for tok := range bytes.FieldsSeq(rec.Cols[1]) {
				col++
				add(u, p.id(rec, col, "items", tok))
			}
			return p.err
		})
	}
	in := &d.In
	err := read("train.txt", func(u, it int32) {
		in.Users = append(in.Users, u)
		in.Items = append(in.Items, it)
	})
	if err != nil {
		return nil, err
	}
	if len(in.Users) == 0 {
		return nil, fmt.Errorf("%s: no interactions", filepath.Join(dir, "train.txt"))
	}
	var testItems []int32
	err = read("test.txt", func(u, it int32) {
		d.Test[u] = append(d.Test[u], it)
		testItems = append(testItems, it)
		in.NumUsers = max(in.NumUsers, int(u)+1)
	})
	if err != nil {
		return nil, err
	}
	nu, ni := idBounds(in.Users, in.Items, [][]int32{testItems})
	in.NumUsers, in.NumItems = max(in.NumUsers, nu), ni
	for r := range int32(len(in.Users)) {
		d.Train = append(d.Train, r)
	}
	return d, nil
}
