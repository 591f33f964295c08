package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/data/cache"
	"github.com/recforge/recforge/implicit"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// The ranking task: implicit feedback (package implicit) for the models of
// task "ranking". Its data spec names a data set that carries its own
// held-out part and protocol (ncf:PREFIX, movielens:FILE, ml1m-implicit:DIR,
// see implicit.Open); the examples are its training positives with
// negatives sampled afresh every epoch, and the run is evaluated by the
// data set's protocol (leave-one-out or full ranking).

const (
	// rankingNegatives is the number of sampled negatives per positive,
	// NCF's (`recforge ranking --negatives` sets its own).
	rankingNegatives = 4
	// rankingSplitSeed draws MovieLens's held-out negatives, whatever the
	// training seed, as `recforge ranking` does by default: runs of every
	// seed, and `recforge eval`, rank against the same test candidates.
	rankingSplitSeed = 1
	// rankingValidFraction is the share of each user's training items held
	// out for validation under full ranking.
	rankingValidFraction = 0.1
)

func init() {
	preparers[model.TaskRanking] = prepareRanking
	artifactEvaluators[model.TaskRanking] = evaluateRanking
}

// prepareRanking prepares a ranking run: the encoders of the data set's
// ids, its training rows less a validation hold-out (each user's latest
// training interaction against sampled items, or a random tenth of each
// user's training items under full ranking) as the source, and the
// validation and test evaluators. Early stopping watches NDCG@K.
func prepareRanking(ctx context.Context, cfg *Config, in Inputs) (*Prepared, error) {
	if in.Valid != "" || in.Test != "" {
		return nil, errors.New("a ranking data set carries its held-out part: give --data alone (ncf:PREFIX, movielens:FILE or ml1m-implicit:DIR)")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d, err := implicit.Open(in.Data, implicit.LoadOptions{SplitSeed: rankingSplitSeed})
	if err != nil {
		return nil, err
	}
	enc, err := d.Encoders()
	if err != nil {
		return nil, err
	}
	ids, err := d.IDs(enc)
	if err != nil {
		return nil, err
	}
	v, err := d.Validation(rankingValidFraction, in.SplitSeed)
	if err != nil {
		return nil, err
	}
	// The sampling stream differs from the initialization stream of the
	// same seed, as in `recforge ranking`.
	src, err := implicit.NewSource(v.In, v.Train, rankingNegatives, cfg.Train.Seed^0x6e656773, ids)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", in.Data, err)
	}
	batch := cfg.Train.Batch
	p := &Prepared{
		Encoders: enc, Examples: src, ValidEval: v.Evaluator(ids, batch), TestEval: d.Evaluator(ids, batch),
		Task: train.Binary, Watch: d.Metrics()[1], Protocol: metric.ProtocolFullRanking,
	}
	if p.Seen, err = seenOfLog(d.In, d.Train, ids); err != nil {
		return nil, err
	}
	held := len(d.Test)
	valid := fmt.Sprintf("a random %g of each user's training items", rankingValidFraction)
	if d.Protocol == implicit.LOO {
		p.Protocol = metric.ProtocolLOO(len(d.Split.Negatives[0]))
		held = len(d.Split.Test)
		valid = "each user's latest training interaction"
	}
	p.Split = fmt.Sprintf("%s: %s over %d users; validation %s (seed %d)", d.Name, d.Protocol, held, valid, in.SplitSeed)
	p.Summary = fmt.Sprintf("%d users, %d items, %d training interactions (%d after the validation hold-out), %d negatives per positive",
		d.In.NumUsers, d.In.NumItems, len(d.Train), len(v.Train), rankingNegatives)
	encJSON, err := json.Marshal(enc)
	if err != nil {
		return nil, err
	}
	fp := sha256.New()
	fmt.Fprintf(fp, "%s\x00%d\x00%d\x00%g\x00", in.Data, rankingNegatives, in.SplitSeed, rankingValidFraction)
	fp.Write(encJSON)
	for _, f := range d.Files {
		if id, err := cache.FileIdentity(f); err == nil {
			fp.Write(id)
		}
	}
	p.Fingerprint = hex.EncodeToString(fp.Sum(nil)[:16])
	return p, nil
}

// evaluateRanking evaluates a ranking artifact on the held-out part of the
// ranking data set spec under its protocol, the artifact's encoders mapping
// the data's ids (an id unseen in training to its OOV id), the users on
// l.Threads threads.
func evaluateRanking(ctx context.Context, l *Loaded, spec string, _ data.ReadOptions) (*metric.Report, error) {
	d, err := implicit.Open(spec, implicit.LoadOptions{SplitSeed: rankingSplitSeed})
	if err != nil {
		return nil, err
	}
	ids, err := d.IDs(l.Encoders)
	if err != nil {
		return nil, err
	}
	return l.scoring().Evaluate(ctx, d.Evaluator(ids, l.Batch), l.Task)
}
