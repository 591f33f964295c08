package behavior

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/synth"
)

// writeFile writes text to name in a fresh directory and returns its path.
func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// handLog is a SASRec-style log: user 7 has items 10..15, user 3 has 20 21
// 22 23, user 9 one item, user 5 two (not contiguous: joined in order).
const handLog = "7 10\n7 11\n7 12\n7 13\n7 14\n7 15\n3 20\n3 21\n3 22\n3 23\n9 30\n5 40\n3 24\n5 41\n"

func collect(t *testing.T, s *Sampler, p Part) []Sample {
	t.Helper()
	var out []Sample
	if err := s.Each(p, func(x Sample) error { out = append(out, x); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func rawItems(l *Log, ids []int32) []string {
	var out []string
	for _, i := range ids {
		out = append(out, l.Item(i))
	}
	return out
}

func TestSeqLogAndSamples(t *testing.T) {
	l, err := ReadSeqLog(writeFile(t, "log.txt", handLog), data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Users() != 4 || l.Events() != 14 || l.Items() != 14 || l.HasCategories() || l.HasTime() || l.Explicit() {
		t.Fatalf("log: %d users, %d events, %d items", l.Users(), l.Events(), l.Items())
	}
	users := map[string][]string{}
	for u := range int32(l.Users()) {
		users[l.User(u)] = rawItems(l, l.UserItems(u))
	}
	want := map[string][]string{"7": {"10", "11", "12", "13", "14", "15"}, "3": {"20", "21", "22", "23", "24"}, "9": {"30"}, "5": {"40", "41"}}
	if !reflect.DeepEqual(users, want) {
		t.Fatalf("users' sequences %v, want %v", users, want)
	}

	cfg := Config{MaxLen: 3, Negatives: 2, Valid: 1, Test: 1, Seed: 5}
	s, err := NewSampler(l, cfg)
	if err != nil {
		t.Fatal(err)
	}
	all := collect(t, s, All)
	// Steps: user 7 has 5 (1..5), user 3 has 4, user 9 none, user 5 one;
	// three samples per step.
	if len(all) != 3*(5+4+0+1) {
		t.Fatalf("%d samples, want 30", len(all))
	}
	for k, x := range all {
		ev := rawItems(l, l.UserItems(x.User))
		hist := rawItems(l, s.History(x))
		// The history is the latest MaxLen items before the step, never
		// the step's item or anything later.
		if x.End != x.Step || len(hist) != min(int(x.Step), 3) || !slices.Equal(hist, ev[int(x.Step)-len(hist):x.Step]) {
			t.Errorf("sample %d %+v: history %v of %v", k, x, hist, ev)
		}
		if k%3 == 0 {
			// A positive is the next real item.
			if x.Label != 1 || l.Item(x.Item) != ev[x.Step] {
				t.Errorf("sample %d: %+v is not the positive of step %d", k, x, x.Step)
			}
			continue
		}
		// A negative shares its positive's history and is an item the
		// user never touched, in the past or the future.
		if p := all[k-k%3]; x.Label != 0 || x.User != p.User || x.Step != p.Step || x.End != p.End {
			t.Errorf("sample %d: %+v is not a negative of %+v", k, x, p)
		}
		if slices.Contains(ev, l.Item(x.Item)) {
			t.Errorf("sample %d: negative %s was touched by user %s (%v)", k, l.Item(x.Item), l.User(x.User), ev)
		}
	}

	// The split: user 7's last step (5) is test, the one before (4)
	// validation, the rest training; user 3's steps 4 and 3 likewise;
	// user 5 has one step only, which trains.
	steps := func(p Part) map[string][]int32 {
		m := map[string][]int32{}
		for _, x := range collect(t, s, p) {
			if x.Label == 1 {
				m[l.User(x.User)] = append(m[l.User(x.User)], x.Step)
			}
		}
		return m
	}
	for p, w := range map[Part]map[string][]int32{
		Train: {"7": {1, 2, 3}, "3": {1, 2}, "5": {1}},
		Valid: {"7": {4}, "3": {3}},
		Test:  {"7": {5}, "3": {4}},
	} {
		if got := steps(p); !reflect.DeepEqual(got, w) {
			t.Errorf("%s steps %v, want %v", p, got, w)
		}
	}
	// The parts partition All in order: a negative depends on its user and
	// step, not on the steps enumerated before it.
	var parts []Sample
	for _, p := range []Part{Train, Valid, Test} {
		parts = append(parts, collect(t, s, p)...)
	}
	key := func(x Sample) string { return l.User(x.User) + "/" + strconv.Itoa(int(x.Step)) + "/" + l.Item(x.Item) }
	var a, b []string
	for _, x := range all {
		a = append(a, key(x))
	}
	for _, x := range parts {
		b = append(b, key(x))
	}
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		t.Errorf("train ∪ valid ∪ test differs from all:\n%v\n%v", a, b)
	}

	// Determinism: the same seed draws the same negatives; another seed
	// other ones.
	s2, _ := NewSampler(l, cfg)
	if !reflect.DeepEqual(collect(t, s2, All), all) {
		t.Error("the same seed drew different samples")
	}
	cfg.Seed = 6
	s3, _ := NewSampler(l, cfg)
	if reflect.DeepEqual(collect(t, s3, All), all) {
		t.Error("another seed drew the same negatives")
	}
}

// A user who touched every item leaves no negative to sample: an error,
// not an endless loop.
func TestNoNegativeLeft(t *testing.T) {
	l, err := ReadSeqLog(writeFile(t, "log.txt", "1 5\n1 6\n2 5\n"), data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSampler(l, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	err = s.Each(All, func(Sample) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "touched every item") {
		t.Fatalf("got %v, want an error about no negative left", err)
	}
}

// writeML writes a tiny ML-100K directory: u.data with the given lines,
// and u.user / u.item for users 1-2 and items 1-4.
func writeML(t *testing.T, ratings string) string {
	t.Helper()
	dir := t.TempDir()
	flags := func(k int) string { // genre k set (0 unknown, 1 Action, …)
		f := make([]string, 19)
		for i := range f {
			f[i] = "0"
		}
		if k >= 0 {
			f[k] = "1"
		}
		return strings.Join(f, "|")
	}
	item := ""
	for i, g := range []int{1, 8, -1, 5} { // Action, Drama, none, Comedy
		item += strconv.Itoa(i+1) + "|Movie " + strconv.Itoa(i+1) + " (1995)|01-Jan-1995||http://x|" + flags(g) + "\n"
	}
	files := map[string]string{
		"u.data": ratings,
		"u.user": "1|24|M|technician|85711\n2|53|F|other|94043\n",
		"u.item": item,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestMovieLensTimedExplicit(t *testing.T) {
	// User 1 rates in time order 3@100, 1@200 and 2@200 (a tie), 4@300;
	// the file lists them out of order. User 2 rates 1@50 and 2@60.
	dir := writeML(t, "1\t4\t2\t300\n1\t1\t5\t200\n1\t3\t4\t100\n1\t2\t3\t200\n2\t1\t4\t50\n2\t2\t1\t60\n")
	l, err := ReadMovieLens(dir, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !l.HasTime() || !l.Explicit() || !l.HasCategories() {
		t.Fatal("an ML log has timestamps, ratings and genres")
	}
	u1 := rawItems(l, l.UserItems(0))
	if !slices.Equal(u1, []string{"3", "1", "2", "4"}) {
		t.Fatalf("user 1's items %v, want time order 3 1 2 4 (ties in file order)", u1)
	}
	cats := map[string]string{}
	for i := range int32(l.Items()) {
		cats[l.Item(i)] = l.Category(l.ItemCategory(i))
	}
	if want := map[string]string{"1": "Action", "2": "Drama", "3": "unknown", "4": "Comedy"}; !reflect.DeepEqual(cats, want) {
		t.Fatalf("categories %v, want %v", cats, want)
	}
	if _, err := NewSampler(l, DefaultConfig()); err == nil {
		t.Fatal("sampled negatives on a rated log were accepted")
	}
	s, err := NewSampler(l, Config{MaxLen: 50, MinRating: 4, Valid: 0, Test: 1})
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		user, item string
		label      float32
		hist       string
	}
	var all []got
	for _, x := range collect(t, s, All) {
		all = append(all, got{l.User(x.User), l.Item(x.Item), x.Label, strings.Join(rawItems(l, s.History(x)), " ")})
	}
	// Items rated at 200 see only item 3 (rated at 100), not each other;
	// the first rating of each user has no history and gives no sample.
	want := []got{{"1", "1", 1, "3"}, {"1", "2", 0, "3"}, {"1", "4", 0, "3 1 2"}, {"2", "2", 0, "1"}}
	if !reflect.DeepEqual(all, want) {
		t.Fatalf("samples %v, want %v", all, want)
	}
	test := collect(t, s, Test)
	if len(test) != 1 || l.Item(test[0].Item) != "4" {
		t.Fatalf("test part %v, want user 1's last rating only (user 2 has one step, which trains)", test)
	}
}

func TestEventLog(t *testing.T) {
	p := writeFile(t, "ev.csv", "user_id,item_id,time,cate_id,extra\nu1,i2,20,c1,x\nu1,i1,10,c2,x\nu2,i1,5,c2,x\nu1,i3,20,c1,x\n")
	l, err := ReadEventLog(p, data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rawItems(l, l.UserItems(0)); !slices.Equal(got, []string{"i1", "i2", "i3"}) {
		t.Fatalf("u1's items %v, want time order i1 i2 i3", got)
	}
	if !l.HasCategories() || l.Category(l.ItemCategory(0)) != "c1" {
		t.Fatal("categories lost")
	}
	// Without cate_id the log has no categories.
	l, err = ReadEventLog(writeFile(t, "ev.csv", "time,item_id,user_id\n1,a,u\n2,b,u\n"), data.ReadOptions{})
	if err != nil || l.HasCategories() || l.Events() != 2 {
		t.Fatalf("log without categories: %v", err)
	}
	for _, tc := range []struct{ text, want string }{
		{"user_id,item_id,cate_id\nu,i,c\n", "lacks column(s) time"},
		{"user_id,item_id,time\nu,i,soon\n", `ev.csv:2: column 3 (time): expected an integer, found "soon"`},
		{"user_id,item_id,time\nu,,1\n", "ev.csv:2: column 2 (item_id): expected a value"},
		{"user_id,item_id,time,cate_id\nu,i,1,a\nu,i,2,b\n", `ev.csv:3: item i has category "b" here but "a" on line 2`},
		{"user_id,item_id,time,cate_id\nu,i,1,\n", "ev.csv:2: expected a category, found an empty value"},
		{"user_id,item_id,time\nu,a|b,1\n", `contains '|'`},
	} {
		_, err := ReadEventLog(writeFile(t, "ev.csv", tc.text), data.ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.text, err, tc.want)
		}
	}
	// Under SkipBad a malformed line is counted and skipped.
	l, err = ReadEventLog(writeFile(t, "ev.csv", "user_id,item_id,time\nu,a,1\nu,b,x\nu,c,3\n"), data.ReadOptions{SkipBad: true})
	if err != nil || l.Events() != 2 || l.Skipped() != 1 {
		t.Fatalf("skip-bad: %v, %d events, %d skipped", err, l.Events(), l.Skipped())
	}
}

func TestSeqLogErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"1\n", "log.txt:1: column 2 (items): expected a user id followed by at least one item id"},
		{"1 x\n", `log.txt:1: column 2 (items): expected an integer, found "x"`},
	} {
		_, err := ReadSeqLog(writeFile(t, "log.txt", tc.text), data.ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestReaderRecords(t *testing.T) {
	p := writeFile(t, "ev.csv", "user_id,item_id,time,cate_id\nu,a,1,x\nu,b,2,y\nu,c,3,x\nv,c,1,x\nv,d,2,z\n")
	r, err := Open("amazon-electronics?path="+p+"&part=all&max_len=2&seed=3", data.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"label", "user", "item", "cat", "hist_item", "hist_cat"}; !slices.Equal(r.Columns(), want) {
		t.Fatalf("columns %v, want %v", r.Columns(), want)
	}
	var rec data.Record
	var lines []string
	for {
		err := r.Next(&rec)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for _, c := range rec.Cols {
			cols = append(cols, string(c))
		}
		x := r.Sample()
		if x.Label == 1 {
			lines = append(lines, strings.Join(cols, " "))
		} else if cols[0] != "0" || cols[4] != strings.Join(rawItems(r.log, r.log.UserItems(x.User)[max(0, x.End-2):x.End]), "|") {
			t.Errorf("negative record %v of sample %+v", cols, x)
		}
		for col, name := range r.Columns() {
			key, end, ok := r.SeqWindow(col)
			if ok != strings.HasPrefix(name, "hist_") || ok && (key != int64(x.User) || end != int64(x.End)) {
				t.Errorf("SeqWindow(%d) = %d %d %v for sample %+v", col, key, end, ok, x)
			}
		}
	}
	want := []string{"1 u b y a x", "1 u c x a|b x|y", "1 v d z c x"}
	if !slices.Equal(lines, want) {
		t.Fatalf("positive records\n%q\nwant\n%q", lines, want)
	}
}

func TestParseSpec(t *testing.T) {
	sp, err := ParseSpec("sasrec?path=a.txt&part=valid&max_len=20&neg=3&valid=2&test=0&seed=9")
	if err != nil {
		t.Fatal(err)
	}
	if sp.Part != Valid || sp.Path != "a.txt" || sp.Config != (Config{MaxLen: 20, Negatives: 3, MinRating: 4, Valid: 2, Test: 0, Seed: 9}) {
		t.Fatalf("spec %+v", sp)
	}
	sp, err = ParseSpec("movielens?path=ml&part=test")
	if err != nil || sp.Config.Negatives != 0 {
		t.Fatalf("movielens takes no negatives: %+v %v", sp, err)
	}
	sp, err = ParseSpec("synthetic?users=10&per_user=2&strength=3.5&part=train")
	if err != nil || sp.Synth.Users != 10 || sp.Synth.PerUser != 2 || sp.Synth.Strength != 3.5 || sp.Synth.Seed != 1 {
		t.Fatalf("synthetic spec %+v %v", sp, err)
	}
	for _, tc := range []struct{ spec, want string }{
		{"csv?path=a&part=train", `unknown format "csv"`},
		{"sasrec?path=a", "part is required"},
		{"sasrec?part=train", "path is required"},
		{"sasrec?path=a&part=later", `part "later"`},
		{"sasrec?path=a&part=train&max_len=0", `max_len="0", want an integer ≥ 1`},
		{"sasrec?path=a&part=train&min_rating=4", `unknown parameter "min_rating" for format sasrec`},
		{"movielens?path=a&part=train&neg=1", `unknown parameter "neg"`},
		{"synthetic?part=train&path=x", `unknown parameter "path"`},
		{"synthetic?part=train&strength=x", `strength="x", want a number`},
	} {
		_, err := ParseSpec(tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.spec, err, tc.want)
		}
	}
}

// The synthetic source serves the generator's examples: the parts
// partition them, each record is its example (history truncated to the
// latest max_len), and the oracle is the generator's.
func TestSynthetic(t *testing.T) {
	const spec = "synthetic?users=200&items=90&categories=7&per_user=3&min_history=4&max_history=12&seed=3&max_len=6"
	sp, err := ParseSpec(spec + "&part=all")
	if err != nil {
		t.Fatal(err)
	}
	g, err := newSynthetic(sp.Synth)
	if err != nil {
		t.Fatal(err)
	}
	ex := g.gen.Examples()
	byPart := map[string]int{}
	for _, part := range []string{"train", "valid", "test"} {
		r, err := Open(spec+"&part="+part, data.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var rec data.Record
		for {
			err := r.Next(&rec)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			byPart[part]++
			x := r.Sample()
			// Find the example: the user's examples are consecutive.
			found := false
			for _, e := range ex[int(x.User)*3 : int(x.User)*3+3] {
				if e.Item != x.Item || e.Label != (x.Label == 1) {
					continue
				}
				h := e.HistItems[max(0, len(e.HistItems)-6):]
				var want []string
				for _, i := range h {
					want = append(want, strconv.Itoa(int(i)))
				}
				if string(rec.Cols[4]) == strings.Join(want, "|") && string(rec.Cols[3]) == strconv.Itoa(int(e.Cat)) {
					found = true
				}
			}
			if !found {
				t.Fatalf("%s: record %q is no example of user %d", part, rec.Cols, x.User)
			}
		}
	}
	if n := byPart["train"] + byPart["valid"] + byPart["test"]; n != len(ex) || byPart["train"] < len(ex)*7/10 || byPart["test"] < len(ex)/20 {
		t.Fatalf("parts %v of %d examples", byPart, len(ex))
	}
	auc, n, err := SyntheticOracle("behavior:" + spec + "&part=all")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := synth.SeqOracleAUC(ex)
	if auc != want || n != len(ex) {
		t.Fatalf("oracle %v over %d, want %v over %d", auc, n, want, len(ex))
	}
	if _, _, err := SyntheticOracle("behavior:sasrec?path=x&part=test"); err == nil {
		t.Fatal("a log source had an oracle")
	}
}
