package pipeline

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

func init() {
	preparers[model.TaskRating] = func(ctx context.Context, cfg *Config, in Inputs) (*Prepared, error) {
		return PrepareRating(ctx, cfg, in, RatingHoldout{})
	}
}

// RatingHoldout is how PrepareRating draws the validation part of a rating
// run from its training file, which chooses the epoch count by early
// stopping; the test file is never used for a choice.
type RatingHoldout struct {
	// Mode "random" (the default) holds out a uniform share of the
	// training ratings; "users" holds out a share of the ratings of a
	// sampled share of the users (at least one rating of each drawn user
	// and never all), as ML-100K's user-blocked test files remove them.
	Mode string
	// Share is the share held out: of all ratings (random, default 0.05),
	// of each drawn user's (users, default 0.2).
	Share float64
	// Users is the share of the users with at least two ratings drawn in
	// "users" mode (default 0.5).
	Users float64
	// Seed seeds the draw (0: the run's split seed, Inputs.SplitSeed).
	Seed uint64
}

func (h RatingHoldout) withDefaults(seed uint64) RatingHoldout {
	if h.Mode == "" {
		h.Mode = "random"
	}
	if h.Share == 0 {
		h.Share = 0.05
		if h.Mode == "users" {
			h.Share = 0.2
		}
	}
	if h.Users == 0 {
		h.Users = 0.5
	}
	if h.Seed == 0 {
		h.Seed = seed
	}
	return h
}

func (h RatingHoldout) check() error {
	switch {
	case h.Mode != "random" && h.Mode != "users":
		return fmt.Errorf("validation mode %q, want random or users", h.Mode)
	case !(h.Share > 0 && h.Share < 1):
		return fmt.Errorf("validation share %v, want in (0, 1)", h.Share)
	case h.Mode == "users" && !(h.Users > 0 && h.Users <= 1):
		return fmt.Errorf("validation user share %v, want in (0, 1]", h.Users)
	}
	return nil
}

// String describes the hold-out for Prepared.Split.
func (h RatingHoldout) String() string {
	if h.Mode == "users" {
		return fmt.Sprintf("valid %g%% of the ratings of a seeded %g%% of the users (seed %d)", 100*h.Share, 100*h.Users, h.Seed)
	}
	return fmt.Sprintf("valid a seeded %g%% of the training ratings (seed %d)", 100*h.Share, h.Seed)
}

// PrepareRating prepares a rating model's run: examples are (user, item)
// rows with the rating as label (the movielens schema), a regression
// watched by RMSE. Given a test file and no validation file, as the
// protocol of `recforge ratings` runs a fold, the encoders (the id
// vocabularies) are fitted on the whole training file and h draws the
// validation part out of it; otherwise the files are split as for any
// model (Prepare).
func PrepareRating(ctx context.Context, cfg *Config, in Inputs, h RatingHoldout) (*Prepared, error) {
	if in.Test == "" || in.Valid != "" {
		p, err := prepareRows(ctx, cfg, in)
		if err != nil {
			return nil, err
		}
		p.Task, p.Watch = train.Regression, "rmse"
		if p.Seen, err = seenOfRows(model.NewLayout(p.Encoders), p.Train, p.Valid); err != nil {
			p.Close()
			return nil, err
		}
		return p, nil
	}
	h = h.withDefaults(in.SplitSeed)
	if err := h.check(); err != nil {
		return nil, err
	}
	schema, err := SchemaFor(cfg, in.Data)
	if err != nil {
		return nil, err
	}
	opts := dataset.Options{Read: data.ReadOptions{SkipBad: cfg.Data.SkipBad, MaxLineBytes: cfg.Data.MaxLineBytes}, OnProgress: in.OnProgress, Threads: in.Threads}
	enc, err := fitCached(ctx, in.CacheDir, in.Data, "all records", schema, opts)
	if err != nil {
		return nil, err
	}
	p := &Prepared{Encoders: enc, Protocol: metric.ProtocolHoldout, Task: train.Regression, Watch: "rmse",
		Split: fmt.Sprintf("train %s, test %s, %s", in.Data, in.Test, h)}
	cb, err := newCacheBuilder(ctx, p, in.CacheDir, opts)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cb.fp, "%s\x00", p.Split)
	all, err := cb.build(in.Data)
	if err != nil {
		p.Close()
		return nil, err
	}
	test, err := cb.build(in.Test)
	if err != nil {
		p.Close()
		return nil, err
	}
	rest, held, err := h.draw(all, model.NewLayout(enc))
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("%s: %w", in.Data, err)
	}
	p.Train, p.Valid, p.Test = train.Data{Set: all, Rows: rest}, train.Data{Set: all, Rows: held}, train.Data{Set: test}
	if p.Test.Len() == 0 {
		p.Close()
		return nil, fmt.Errorf("%s: no test ratings", in.Test)
	}
	p.Fingerprint = cb.fingerprint()
	if p.Seen, err = seenOfRows(model.NewLayout(enc), train.Data{Set: all}); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// draw splits the rows of set into the rest and the held-out part, each
// in the order of the file.
func (h RatingHoldout) draw(set *dataset.Dataset, l model.Layout) (rest, held []int32, err error) {
	n := set.Rows
	isHeld := make([]bool, n)
	switch h.Mode {
	case "random":
		k := int(math.Round(h.Share * float64(n)))
		if k < 1 || k >= n {
			return nil, nil, fmt.Errorf("validation share %v of %d ratings leaves an empty part", h.Share, n)
		}
		for _, r := range rand.New(rand.NewPCG(h.Seed, 0x5eed_5b11_7000)).Perm(n)[:k] {
			isHeld[r] = true
		}
	case "users":
		slot := -1
		for k, s := range l.Slots {
			if s.Source == feature.User && !s.Numeric {
				slot = k
			}
		}
		if slot < 0 {
			return nil, nil, fmt.Errorf("validation mode users needs a categorical user field")
		}
		// Each user's rows, users in order of first appearance.
		byUser := map[int32]int{}
		var rows [][]int
		for r := range n {
			u := set.IDs[r*set.Slots+slot]
			k, ok := byUser[u]
			if !ok {
				k = len(rows)
				byUser[u] = k
				rows = append(rows, nil)
			}
			rows[k] = append(rows[k], r)
		}
		var eligible []int
		for k, rs := range rows {
			if len(rs) >= 2 {
				eligible = append(eligible, k)
			}
		}
		draw := int(math.Round(h.Users * float64(len(eligible))))
		if draw < 1 {
			return nil, nil, fmt.Errorf("validation user share %v of %d users with ≥ 2 ratings draws none", h.Users, len(eligible))
		}
		rng := rand.New(rand.NewPCG(h.Seed, 0x5eed_05e5_7000))
		for _, j := range rng.Perm(len(eligible))[:draw] {
			rs := rows[eligible[j]]
			k := min(max(int(math.Round(h.Share*float64(len(rs)))), 1), len(rs)-1)
			for _, p := range rng.Perm(len(rs))[:k] {
				isHeld[rs[p]] = true
			}
		}
	}
	for r, x := range isHeld {
		if x {
			held = append(held, int32(r))
		} else {
			rest = append(rest, int32(r))
		}
	}
	return rest, held, nil
}
