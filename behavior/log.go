package behavior

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"

	"github.com/recforge/recforge/data"
)

// Log is an interaction log held once: every user's events back to back,
// oldest first, with user, item and category ids interned to dense
// indexes. Samples refer into it instead of copying histories.
type Log struct {
	users, items, cats []string // raw ids by index; cats nil without categories
	itemCat            []int32  // category of each item; nil without categories
	off                []int64  // user u's events are [off[u], off[u+1])
	item               []int32  // item of each event
	time               []int64  // time of each event; nil without timestamps
	rating             []float32
	file               string
	skipped            int64
}

// Users is the number of users.
func (l *Log) Users() int { return len(l.users) }

// Items is the number of distinct items.
func (l *Log) Items() int { return len(l.items) }

// Events is the number of events.
func (l *Log) Events() int { return len(l.item) }

// HasCategories reports whether items have categories.
func (l *Log) HasCategories() bool { return l.cats != nil }

// HasTime reports whether events have timestamps.
func (l *Log) HasTime() bool { return l.time != nil }

// Explicit reports whether events carry ratings (labels come from them).
func (l *Log) Explicit() bool { return l.rating != nil }

// User returns user u's raw id.
func (l *Log) User(u int32) string { return l.users[u] }

// Item returns item i's raw id.
func (l *Log) Item(i int32) string { return l.items[i] }

// Category returns category c's raw name.
func (l *Log) Category(c int32) string { return l.cats[c] }

// ItemCategory returns item i's category index (items without categories
// have none: do not call it then).
func (l *Log) ItemCategory(i int32) int32 { return l.itemCat[i] }

// UserItems returns user u's items, oldest first: a view into the log, not
// a copy.
func (l *Log) UserItems(u int32) []int32 { return l.item[l.off[u]:l.off[u+1]] }

// Skipped counts the malformed lines skipped while reading (ReadOptions.SkipBad).
func (l *Log) Skipped() int64 { return l.skipped }

// event is one interaction while a log is being read.
type event struct {
	user, item int32
	time       int64
	rating     float32
}

// builder interns ids and collects events in file order.
type builder struct {
	l              Log
	userIx, itemIx map[string]int32
	catIx          map[string]int32
	catLine        []int // the line that fixed each item's category
	ev             []event
}

func newBuilder(file string, cats, times, ratings bool) *builder {
	b := &builder{l: Log{file: file}, userIx: map[string]int32{}, itemIx: map[string]int32{}}
	if cats {
		b.catIx = map[string]int32{}
		b.l.cats, b.l.itemCat = []string{}, []int32{}
	}
	if times {
		b.l.time = []int64{}
	}
	if ratings {
		b.l.rating = []float32{}
	}
	return b
}

// checkID rejects ids that would not survive a '|'-joined history.
func checkID(what string, v []byte) string {
	if len(v) == 0 {
		return "expected " + what + ", found an empty value"
	}
	if bytes.IndexByte(v, '|') >= 0 {
		return fmt.Sprintf("%s %q contains '|', the separator of the histories built from it", what, v)
	}
	return ""
}

func intern(ix map[string]int32, names *[]string, v []byte) int32 {
	if i, ok := ix[string(v)]; ok {
		return i
	}
	i := int32(len(*names))
	s := string(v)
	ix[s] = i
	*names = append(*names, s)
	return i
}

// add records one event; cat is ignored by a log without categories. rec
// locates errors.
func (b *builder) add(rec *data.Record, user, item, cat []byte, t int64, rating float32) error {
	if msg := checkID("a user id", user); msg != "" {
		return &data.ParseError{File: rec.File, Line: rec.Line, Msg: msg}
	}
	if msg := checkID("an item id", item); msg != "" {
		return &data.ParseError{File: rec.File, Line: rec.Line, Msg: msg}
	}
	u := intern(b.userIx, &b.l.users, user)
	n := len(b.l.items)
	i := intern(b.itemIx, &b.l.items, item)
	if b.catIx != nil {
		if msg := checkID("a category", cat); msg != "" {
			return &data.ParseError{File: rec.File, Line: rec.Line, Msg: msg}
		}
		c := intern(b.catIx, &b.l.cats, cat)
		if int(i) == n {
			b.l.itemCat = append(b.l.itemCat, c)
			b.catLine = append(b.catLine, rec.Line)
		} else if b.l.itemCat[i] != c {
			return &data.ParseError{File: rec.File, Line: rec.Line, Msg: fmt.Sprintf("item %s has category %q here but %q on line %d: an item has one category",
				item, cat, b.l.cats[b.l.itemCat[i]], b.catLine[i])}
		}
	}
	b.ev = append(b.ev, event{user: u, item: i, time: t, rating: rating})
	return nil
}

// finish groups the events by user (users in order of first appearance)
// and orders each user's events by time, ties and untimed logs in file
// order.
func (b *builder) finish() (*Log, error) {
	if len(b.ev) == 0 {
		return nil, fmt.Errorf("behavior: %s: no events", b.l.file)
	}
	l := &b.l
	slices.SortStableFunc(b.ev, func(x, y event) int {
		if x.user != y.user {
			return int(x.user) - int(y.user)
		}
		if l.time != nil && x.time != y.time {
			if x.time < y.time {
				return -1
			}
			return 1
		}
		return 0
	})
	l.off = make([]int64, len(l.users)+1)
	l.item = make([]int32, len(b.ev))
	for k, e := range b.ev {
		l.off[e.user+1]++
		l.item[k] = e.item
		if l.time != nil {
			l.time = append(l.time, e.time)
		}
		if l.rating != nil {
			l.rating = append(l.rating, e.rating)
		}
	}
	for u := range l.users {
		l.off[u+1] += l.off[u]
	}
	b.ev = nil
	return l, nil
}

// ReadSeqLog reads an item-id-only log in SASRec's layout (the
// amazon-video-seq Video.txt): `user item` per line, each user's lines in
// time order (data.SeqReader's layout, which also reads one user per
// line). A user whose lines are not contiguous has them joined in file
// order.
func ReadSeqLog(path string, opts data.ReadOptions) (*Log, error) {
	r, err := data.OpenSeq(path, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b := newBuilder(path, false, false, false)
	err = data.ForEach(r, func(rec *data.Record) error {
		for it := range bytes.SplitSeq(rec.Cols[1], []byte{' '}) {
			if err := b.add(rec, rec.Cols[0], it, nil, 0, 0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	b.l.skipped = r.Skipped()
	return b.finish()
}

// ReadMovieLens reads MovieLens-100K ratings for DIN's MovieLens setup:
// the events are the ratings of path (an ML-100K directory, whose u.data
// is read, or a ratings file in one), ordered by timestamp; an item's
// category is its first genre in u.item ("unknown" for a movie without a
// genre flag).
func ReadMovieLens(path string, opts data.ReadOptions) (*Log, error) {
	r, err := data.OpenMovieLensCTR(path, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	col := map[string]int{}
	for i, c := range r.Columns() {
		col[c] = i
	}
	cu, ci, cr, ct, cg := col["user"], col["item"], col["rating"], col["timestamp"], col["genre"]
	b := newBuilder(path, true, true, true)
	unknown := []byte("unknown")
	err = data.ForEach(r, func(rec *data.Record) error {
		c := rec.Cols
		t, err1 := strconv.ParseInt(string(c[ct]), 10, 64)
		y, err2 := strconv.ParseFloat(string(c[cr]), 32)
		if err1 != nil || err2 != nil { // the reader checked both: a programming error
			return fmt.Errorf("behavior: %s:%d: timestamp %q or rating %q is not a number", rec.File, rec.Line, c[ct], c[cr])
		}
		g := c[cg]
		if len(g) == 0 {
			g = unknown
		}
		return b.add(rec, c[cu], c[ci], g, t, float32(y))
	})
	if err != nil {
		return nil, err
	}
	b.l.skipped = r.Skipped()
	return b.finish()
}

// ReadEventLog reads a timed behaviour log in the CSV layout of
// data.OpenEventLog (user_id, item_id, time and optionally cate_id, as
// torch-rechub's Amazon Electronics sample): each user's events are
// ordered by time, ties in file order. The log has categories when the
// header has cate_id; each item must then keep one non-empty category.
func ReadEventLog(path string, opts data.ReadOptions) (*Log, error) {
	hasCat, err := csvHas(path, "cate_id", opts)
	if err != nil {
		return nil, err
	}
	r, err := data.OpenEventLog(path, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b := newBuilder(path, hasCat, true, false)
	err = data.ForEach(r, func(rec *data.Record) error {
		c := rec.Cols
		t, err := strconv.ParseInt(string(c[2]), 10, 64)
		if err != nil { // the reader checked it: a programming error
			return fmt.Errorf("behavior: %s:%d: time %q is not an integer", rec.File, rec.Line, c[2])
		}
		return b.add(rec, c[0], c[1], c[3], t, 0)
	})
	if err != nil {
		return nil, err
	}
	b.l.skipped = r.Skipped()
	return b.finish()
}

// csvHas reports whether the CSV header of path names column.
func csvHas(path, column string, opts data.ReadOptions) (bool, error) {
	r, err := data.OpenCSV(path, data.ReadOptions{MaxLineBytes: opts.MaxLineBytes})
	if err != nil {
		return false, err
	}
	defer r.Close()
	return slices.Contains(r.Columns(), column), nil
}
