package serve

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
)

// Recommendation ranks a model's whole catalogue for one user: the ranking
// and rating models (ItemPop, MF, GMF, MLP, NeuMF; the rating baseline,
// biased MF, AutoRec) read a (user, item) layout, so every item of the
// item field's vocabulary is a candidate. The items the user met in
// training come from the log stored with the artifact (artifact.SeenFile)
// and are left out unless asked otherwise; a request may name more.

// DefaultRecommendK is the number of items a recommendation returns when
// the request does not say.
const DefaultRecommendK = 10

// recommender is what a version needs to recommend: where the user and
// item are in a row, the catalogue, and the training log.
type recommender struct {
	userSlot, itemSlot int
	userCol, itemCol   int
	users              feature.Table
	// items lists the catalogue's ids, ascending: the item field's
	// vocabulary, after its OOV ids. names are their tokens.
	items []int32
	names []string
	// filler is an item token that fills the item column while a user's
	// row is encoded, so that the user is mapped exactly as predict maps
	// it.
	filler []byte
	vocab  *feature.Vocab
	seen   *artifact.Seen // nil: the artifact holds no training log
}

// recScratch is a replica's recommendation buffers.
type recScratch struct {
	cand   []int32   // candidate ids after exclusions
	scores []float32 // their model outputs
	excl   []int32   // the request's extra exclusions, ascending
	top    []int32   // indices into cand, best first
}

// newRecommender returns the recommender of a ranking or rating model's
// version, checking the stored log against the layout; nil when the
// model's task recommends nothing.
func newRecommender(v *version, seen *artifact.Seen) (*recommender, error) {
	info, ok := model.Lookup(v.manifest.Model)
	if !ok || info.Task != model.TaskRanking && info.Task != model.TaskRating {
		if seen != nil {
			return nil, fmt.Errorf("%s holds a training log, but model %s (task %s) does not recommend", artifact.SeenFile, v.manifest.Model, info.Task)
		}
		return nil, nil
	}
	l := v.layout
	if len(l.Slots) != 2 || len(l.Seqs) != 0 {
		return nil, fmt.Errorf("model %s reads %d fields and %d sequences; recommendation needs a (user, item) layout", v.manifest.Model, len(l.Slots), len(l.Seqs))
	}
	rc := &recommender{userSlot: -1, itemSlot: -1, seen: seen}
	schema := v.enc.Schema()
	column := func(field string) int {
		for _, f := range schema.Fields {
			if f.Name == field {
				return v.in.index[f.Column]
			}
		}
		return -1
	}
	var items feature.Table
	for k, s := range l.Slots {
		switch {
		case s.Numeric:
		case s.Source == feature.User:
			rc.userSlot, rc.userCol, rc.users = k, column(s.Name), l.Tables[s.Table]
		case s.Source == feature.Item:
			rc.itemSlot, rc.itemCol, items = k, column(s.Name), l.Tables[s.Table]
		}
	}
	if rc.userSlot < 0 || rc.itemSlot < 0 || rc.userCol < 0 || rc.itemCol < 0 {
		return nil, fmt.Errorf("model %s: recommendation needs a categorical user field and a categorical item field", v.manifest.Model)
	}
	rc.vocab = v.enc.Vocab(items.Name)
	if rc.vocab == nil || rc.vocab.Len() == 0 {
		return nil, fmt.Errorf("model %s: the item field has no vocabulary to recommend from", v.manifest.Model)
	}
	base := items.Offset + items.OOV
	rc.names = rc.vocab.Tokens
	rc.items = make([]int32, len(rc.names))
	for k := range rc.items {
		rc.items[k] = base + int32(k)
	}
	rc.filler = []byte(rc.names[0])
	if seen != nil {
		uEnd, iEnd := rc.users.Offset+rc.users.Size, items.Offset+items.Size
		for k, u := range seen.Users {
			if u < rc.users.Offset || u >= uEnd {
				return nil, fmt.Errorf("%s: user id %d is outside the user field's ids [%d, %d)", artifact.SeenFile, u, rc.users.Offset, uEnd)
			}
			for _, it := range seen.Items[seen.Offsets[k]:seen.Offsets[k+1]] {
				if it < items.Offset || it >= iEnd {
					return nil, fmt.Errorf("%s: item id %d of user id %d is outside the item field's ids [%d, %d)", artifact.SeenFile, it, u, items.Offset, iEnd)
				}
			}
		}
	}
	return rc, nil
}

// RecommendQuery asks for the top items of one user.
type RecommendQuery struct {
	// User is the user's raw value, as the training file spells it.
	User []byte
	// K is the number of items to return (0: DefaultRecommendK).
	K int
	// KeepSeen keeps the items of the user's training log among the
	// candidates; by default they are left out.
	KeepSeen bool
	// Exclude are more items (raw values) to leave out; values the item
	// field does not know are not candidates anyway and are ignored.
	Exclude [][]byte
}

// Recommended is one recommended item.
type Recommended struct {
	// Item is the item's raw value.
	Item string
	// Score is what predict gives the (user, item) row: a probability
	// for a binary task, a predicted rating for a regression.
	Score float32
}

// Recommendation is the answer to a RecommendQuery.
type Recommendation struct {
	// Items are the top items, best first (ties by catalogue order).
	Items []Recommended
	// KnownUser is false when the user was not in the training data: the
	// model then scores with its out-of-vocabulary user.
	KnownUser bool
	// Candidates is the number of items scored.
	Candidates int
	// Version is the version that answered.
	Version string
}

// Recommend returns the top items of model name for one user, in process
// (see the :recommend endpoint). out's buffer is reused for the items.
func (s *Server) Recommend(ctx context.Context, name string, q RecommendQuery, out []Recommended) (Recommendation, error) {
	e := s.entry(name)
	if e == nil {
		return Recommendation{}, unknownModel(name)
	}
	v := e.cur.Load()
	k, err := v.recommendK(q.K, s.opts.MaxCandidates)
	if err != nil {
		return Recommendation{}, err
	}
	rep, err := v.acquire(ctx)
	if err != nil {
		return Recommendation{}, err
	}
	defer v.release(rep)
	rec := Recommendation{Version: v.id, Items: out[:0]}
	rep.rec.excl = v.rec.excluded(rep.rec.excl[:0], len(q.Exclude), func(i int) []byte { return q.Exclude[i] })
	top, known, err := v.recommend(rep, q.User, "user", k, q.KeepSeen)
	if err != nil {
		return Recommendation{}, err
	}
	rec.KnownUser, rec.Candidates = known, len(rep.rec.cand)
	for _, j := range top {
		rec.Items = append(rec.Items, Recommended{Item: v.rec.names[rep.rec.cand[j]-v.rec.items[0]], Score: v.task.Score(rep.rec.scores[j])})
	}
	return rec, nil
}

// recommendK checks a requested k (0: the default) against the model and
// the server's limit.
func (v *version) recommendK(k, limit int) (int, error) {
	if v.rec == nil {
		return 0, &Error{Status: http.StatusBadRequest, Code: CodeBadRequest,
			Message: fmt.Sprintf("model %s (%s) is not a ranking or rating model: it has no catalogue to recommend from; use :rank with candidates", v.name, v.manifest.Model)}
	}
	switch {
	case k == 0:
		return DefaultRecommendK, nil
	case k < 0:
		return 0, badRequest(CodeInvalidValue, "k", "expected a positive number of items, found %d", k)
	case k > limit:
		return 0, &Error{Status: http.StatusRequestEntityTooLarge, Code: CodeTooManyRows, Field: "k",
			Message: fmt.Sprintf("k %d is over %d, the server's limit (--max-candidates)", k, limit)}
	}
	return k, nil
}

// excluded appends the catalogue ids of the n raw items item(i) to dst,
// ascending and distinct; unknown items are skipped.
func (rc *recommender) excluded(dst []int32, n int, item func(i int) []byte) []int32 {
	for i := range n {
		if id, ok := rc.vocab.Lookup(item(i)); ok {
			dst = append(dst, rc.items[0]+id)
		}
	}
	slices.Sort(dst)
	return slices.Compact(dst)
}

// recommend scores the catalogue for the user of raw value user on
// replica r, leaving out r.rec.excl and (unless keepSeen) the user's
// training log, and returns the indices into r.rec.cand of the top k
// candidates, best first, and whether the user was known. field names
// the user in errors.
func (v *version) recommend(r *replica, user []byte, field string, k int, keepSeen bool) (top []int32, known bool, err error) {
	rc, sc := v.rec, &r.rec
	uid, err := v.encodeUser(r, user, field)
	if err != nil {
		return nil, false, err
	}
	known = uid >= rc.users.Offset+rc.users.OOV
	var seen []int32
	if !keepSeen {
		if rc.seen == nil {
			return nil, false, badRequest(CodeBadRequest, "exclude_seen",
				"artifact of model %s holds no training log to leave out seen items (it predates recforge's seen.safetensors); retrain it, or send \"exclude_seen\": false with the items to leave out in \"seen\"", v.name)
		}
		seen = rc.seen.Of(uid)
	}
	sc.cand = candidates(sc.cand[:0], rc.items, seen, sc.excl)
	n := len(sc.cand)
	if cap(sc.scores) < n {
		sc.scores = make([]float32, n)
	}
	sc.scores = sc.scores[:n]
	if is, ok := r.m.(model.ItemScorer); ok {
		is.ScoreItems(uid, sc.cand, sc.scores)
	} else {
		v.forwardPairs(r, uid, sc.cand, sc.scores)
	}
	if !finite(sc.scores) {
		return nil, false, fmt.Errorf("model %s version %s produced a non-finite score", v.name, v.id)
	}
	sc.top = topK(sc.top[:0], sc.scores, k)
	return sc.top, known, nil
}

// encodeUser maps the raw user value to its id as predict would: it
// encodes a row of the user and a known item.
func (v *version) encodeUser(r *replica, user []byte, field string) (int32, error) {
	rc := v.rec
	clear(r.vals)
	r.vals[rc.userCol], r.vals[rc.itemCol] = user, rc.filler
	f := len(v.layout.Slots)
	r.ex.IDs, r.ex.Values = r.b.IDs[:f], r.b.Values[:f]
	r.ex.Seq, r.ex.SeqLens = r.b.Seq[:0], r.b.SeqLens[:0]
	if err := v.re.Encode(r.vals, &r.ex); err != nil {
		return 0, v.valueError(userRow{field}, 0, err)
	}
	return r.ex.IDs[rc.userSlot], nil
}

// userRow names the user's value in encoding errors.
type userRow struct{ field string }

func (u userRow) rowCount() int          { return 1 }
func (u userRow) fill(int, [][]byte)     {}
func (u userRow) path(i, col int) string { return u.field }

// candidates writes into dst the catalogue's ids less those in the
// ascending lists a and b.
func candidates(dst, items, a, b []int32) []int32 {
	i, j := 0, 0
	for _, it := range items {
		for i < len(a) && a[i] < it {
			i++
		}
		for j < len(b) && b[j] < it {
			j++
		}
		if i < len(a) && a[i] == it || j < len(b) && b[j] == it {
			continue
		}
		dst = append(dst, it)
	}
	return dst
}

// forwardPairs scores the rows (user, items[k]) with Forward, in batches
// of the replica's size, for a model without ItemScorer.
func (v *version) forwardPairs(r *replica, user int32, items []int32, scores []float32) {
	rc := v.rec
	for lo := 0; lo < len(items); lo += v.maxBatch {
		n := min(v.maxBatch, len(items)-lo)
		for k, it := range items[lo : lo+n] {
			r.b.IDs[2*k+rc.userSlot], r.b.IDs[2*k+rc.itemSlot] = user, it
			r.b.Values[2*k], r.b.Values[2*k+1] = 1, 1
		}
		r.view = model.Batch{N: n, IDs: r.b.IDs[:2*n], Values: r.b.Values[:2*n]}
		copy(scores[lo:], r.m.Forward(&r.view))
	}
}

// topK returns the indices of the k highest scores, best first, ties by
// lower index, in dst's buffer: a bounded min-heap, O(n log k).
func topK(dst []int32, scores []float32, k int) []int32 {
	k = min(k, len(scores))
	if k == 0 {
		return dst[:0]
	}
	// worse reports whether a ranks below b.
	worse := func(a, b int32) bool {
		return scores[a] < scores[b] || scores[a] == scores[b] && a > b
	}
	h := dst[:0]
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && worse(h[r], h[l]) {
				m = r
			}
			if !worse(h[m], h[i]) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := range int32(len(scores)) {
		switch {
		case len(h) < k:
			h = append(h, i)
			for c := len(h) - 1; c > 0; {
				p := (c - 1) / 2
				if !worse(h[c], h[p]) {
					break
				}
				h[c], h[p] = h[p], h[c]
				c = p
			}
		case worse(h[0], i):
			h[0] = i
			down(0)
		}
	}
	// Pop the worst to the back: the heap's array ends best first.
	for end := len(h) - 1; end > 0; end-- {
		h[0], h[end] = h[end], h[0]
		hh := h
		h = h[:end]
		down(0)
		h = hh
	}
	return h
}

// recommend answers {"user": "42", "k": 10, "exclude_seen": true, "seen":
// ["7", …]} with the user's top k items of the catalogue:
//
//	{"model": …, "version": …, "user": "42", "known_user": true,
//	 "candidates": 3650, "items": [{"item": "1193", "score": 0.93}, …]}
//
// best first, ties by catalogue order. exclude_seen (default true) leaves
// out the items of the user's training log stored with the artifact;
// seen lists more items to leave out.
func (s *Server) recommend(ctx context.Context, v *version, req *request) (int, error) {
	if err := req.parseRecommend(); err != nil {
		return 0, err
	}
	k, err := v.recommendK(req.k, s.opts.MaxCandidates)
	if err != nil {
		return 0, err
	}
	rep, err := v.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer v.release(rep)
	sc := &rep.rec
	sc.excl = v.rec.excluded(sc.excl[:0], len(req.seen), func(i int) []byte { return req.bytes(req.seen[i]) })
	user := req.bytes(req.user)
	top, known, err := v.recommend(rep, user, "user", k, req.keepSeen)
	if err != nil {
		return 0, err
	}
	b := v.appendIdentity(req.out[:0], `{"model":`, `,"version":`)
	b = append(b, `,"user":`...)
	b = appendJSONString(b, string(user))
	b = append(b, `,"known_user":`...)
	b = strconv.AppendBool(b, known)
	b = append(b, `,"candidates":`...)
	b = strconv.AppendInt(b, int64(len(sc.cand)), 10)
	b = append(b, `,"items":[`...)
	for n, j := range top {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"item":`...)
		b = appendJSONString(b, v.rec.names[sc.cand[j]-v.rec.items[0]])
		b = append(b, `,"score":`...)
		b = appendScore(b, v.task.Score(sc.scores[j]))
		b = append(b, '}')
	}
	req.out = append(b, "]}\n"...)
	return len(sc.cand), nil
}

// parseRecommend decodes {"user": …, "k": N, "exclude_seen": bool,
// "seen": […]}.
func (r *request) parseRecommend() *Error {
	s := &scanner{b: r.body}
	var seenUser, seenK, seenExcl, seenSeen bool
	const shape = "a recommend request is {\"user\": \"42\", \"k\": 10, \"exclude_seen\": true, \"seen\": [\"7\", …]}"
	err := s.object(&r.keybuf, func(key []byte) *Error {
		switch string(key) {
		case "user":
			if err := firstTime(&seenUser, "user"); err != nil {
				return err
			}
			if s.peek() == 'n' {
				return s.literal("null") // missing, answered below
			}
			sp, err := r.scalar(s, "user")
			r.user = sp
			return err
		case "k":
			if err := firstTime(&seenK, "k"); err != nil {
				return err
			}
			k, err := s.count("k", "a positive integer", false)
			if err != nil {
				return err
			}
			r.k = k
			return nil
		case "exclude_seen":
			if err := firstTime(&seenExcl, "exclude_seen"); err != nil {
				return err
			}
			exclude, err := s.boolean("exclude_seen")
			r.keepSeen = !exclude
			return err
		case "seen":
			if err := firstTime(&seenSeen, "seen"); err != nil {
				return err
			}
			if c := s.peek(); c != '[' {
				return s.typeError("seen", "expected an array of items (strings or numbers), found %s", kindOf(c))
			}
			return s.array(func(i int) *Error {
				sp, err := r.scalar(s, "seen["+itoa(i)+"]")
				r.seen = append(r.seen, sp)
				return err
			})
		}
		return badRequest(CodeUnknownField, clip(key), "unknown key; "+shape)
	})
	if err == nil {
		err = s.end()
	}
	if err != nil {
		return err
	}
	if r.user.src == srcAbsent || r.user.src == srcNull {
		return badRequest(CodeMissingValue, "user", "expected the user's id; "+shape)
	}
	return nil
}

// scalar decodes a string or a number as its text.
func (r *request) scalar(s *scanner, field string) (span, *Error) {
	switch c := s.peek(); {
	case c == '"':
		return r.scalarString(s)
	case c == '-' || (c >= '0' && c <= '9'):
		start, end, err := s.number()
		return bodySpan(start, end), err
	}
	return span{}, s.typeError(field, "expected a string or a number, found %s", kindOf(s.peek()))
}
