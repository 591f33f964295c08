package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/synth"
)

// The README is executable: TestREADME runs every shell block of
// README.md, in order, in one bash session in a temporary directory that
// holds small stand-ins for the data sets the README names, with a recforge
// built from this tree first on PATH. Each command runs as written except
// for the rewrites of readmeRewrites, which only shrink the work (fewer
// seeds, epochs and rows; no tuning grid) and never change what a command
// does. The walkthroughs that write into fixed places or serve then run a
// second time in the same directory, as a reader who follows the README
// twice would. A block fails the test when a command exits non-zero; a block the
// README follows with a JSON output must print JSON lines of the same shape
// (the same keys at every level). A block preceded by the comment
// `<!-- readme-test: skip REASON -->` is not run (the test suite itself,
// package installation).

// readmeRewrites shrink a README command for the test, in order.
var readmeRewrites = []struct {
	re   *regexp.Regexp
	with string
}{
	// The quick start builds and runs the demo and the test suite, and
	// installs recforge: the test has built it and runs in the suite.
	{regexp.MustCompile(`^go run \./cmd/recforge `), "recforge "},
	{regexp.MustCompile(`^(go (test|install) |export PATH=).*$`), ": $0"},
	{regexp.MustCompile(`^recforge demo\b`), "recforge demo --rows 3000"},
	{regexp.MustCompile(`--seeds \d+`), "--seeds 1"},
	{regexp.MustCompile(`--epochs \d+`), "--epochs 1"},
	// ranking's grid search; the --tune of train, zoo and sequence runs
	// (over --epochs 1 or 2, on the small stand-ins).
	{regexp.MustCompile(`^(recforge ranking .*) --tune\b`), "$1"},
	{regexp.MustCompile(`\brows=\d+`), "rows=3000"},
	{regexp.MustCompile(`\busers=\d+`), "users=150"},
	{regexp.MustCompile(`^(recforge drn .*)$`), "$1 --hours 48"},
	{regexp.MustCompile(`^(recforge drn --world generative .*)$`), "$1 --users 100"},
	{regexp.MustCompile(`^(recforge bench .*)$`), "$1 --repeats 20 --epochs 1 --data 'synthetic:ctr?rows=3000&seed=1'"},
	{regexp.MustCompile(`^(recforge (zoo|sequence|ratings) .*)$`), "$1 --epochs 2"},
}

// readmeBlock is one shell block of the README and the output block that
// follows it, if any.
type readmeBlock struct {
	line     int
	commands []string // logical lines, continuations joined
	output   string   // the following ```json block, or ""
	skip     string
}

// readmeBlocks parses the shell blocks of the README at path.
func readmeBlocks(t *testing.T, path string) []readmeBlock {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []readmeBlock
	lines := strings.Split(string(b), "\n")
	skip := ""
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if m := regexp.MustCompile(`^<!-- readme-test: skip (.+) -->$`).FindStringSubmatch(l); m != nil {
			skip = m[1]
			continue
		}
		if !strings.HasPrefix(l, "```") {
			if strings.TrimSpace(l) != "" {
				skip = ""
			}
			continue
		}
		lang := strings.TrimPrefix(l, "```")
		start := i
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		switch {
		case lang == "sh":
			blk := readmeBlock{line: start + 1, skip: skip}
			cur := ""
			for _, c := range body {
				if strings.HasSuffix(c, `\`) {
					cur += strings.TrimSuffix(c, `\`)
					continue
				}
				cur += c
				if s := strings.TrimSpace(cur); s != "" && !strings.HasPrefix(s, "#") {
					blk.commands = append(blk.commands, s)
				}
				cur = ""
			}
			blocks = append(blocks, blk)
		case lang == "json" && len(blocks) > 0 && blocks[len(blocks)-1].output == "":
			blocks[len(blocks)-1].output = strings.Join(body, "\n")
		}
		skip = ""
	}
	return blocks
}

// rewrite applies readmeRewrites to one command.
func rewrite(cmd string) string {
	for _, r := range readmeRewrites {
		cmd = r.re.ReplaceAllString(cmd, r.with)
	}
	return cmd
}

func TestREADME(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every README walkthrough (about a minute); skipped with -short")
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README's walkthroughs need %s: %v", tool, err)
		}
	}
	blocks := readmeBlocks(t, "../../README.md")
	if len(blocks) < 10 {
		t.Fatalf("found %d shell blocks in README.md", len(blocks))
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "recforge"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	writeREADMEData(t, work)
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(repo, "configs"), filepath.Join(work, "configs")); err != nil {
		t.Fatal(err)
	}

	var script strings.Builder
	script.WriteString("set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n")
	run := 0
	// The second pass follows the walkthroughs that write into fixed
	// places (runs/…, an --output file) or start servers once more, in the
	// same directory: a reader who follows the README twice must not fail.
	again := regexp.MustCompile(`--out runs/|--output |recforge serve`)
	for pass := 1; pass <= 2; pass++ {
		for k, b := range blocks {
			if b.skip != "" {
				if pass == 1 {
					t.Logf("README.md:%d: not run (%s)", b.line, b.skip)
				}
				continue
			}
			if pass == 2 && !again.MatchString(strings.Join(b.commands, "\n")) {
				continue
			}
			run++
			if pass == 1 {
				fmt.Fprintf(&script, "echo '@@block %d'\n", k)
			} else {
				script.WriteString("echo '@@again'\n")
			}
			for _, c := range b.commands {
				fmt.Fprintf(&script, "echo '@@cmd %s' >&2\n%s\n", strings.ReplaceAll(c, "'", ""), rewrite(c))
			}
		}
	}
	script.WriteString("echo '@@end'\n")
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"XDG_CACHE_HOME="+filepath.Join(work, ".cache"), "HOME="+work)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	t.Logf("%d README blocks ran (walkthroughs that write or serve twice) in %v", run, time.Since(start).Round(time.Second))
	if err != nil {
		// The last command announced on stderr is the one that failed.
		last := ""
		for _, l := range strings.Split(stderr.String(), "\n") {
			if strings.HasPrefix(l, "@@cmd ") {
				last = strings.TrimPrefix(l, "@@cmd ")
			}
		}
		tail := stderr.String()
		if len(tail) > 3000 {
			tail = tail[len(tail)-3000:]
		}
		t.Fatalf("README command failed: %s\n%v\nstderr (end):\n%s", last, err, tail)
	}
	out := map[int]string{}
	cur := -1
	for _, l := range strings.Split(stdout.String(), "\n") {
		if strings.HasPrefix(l, "@@block ") {
			fmt.Sscanf(l, "@@block %d", &cur)
			continue
		}
		if l == "@@again" {
			cur = -1 // the second pass's output is not compared
			continue
		}
		if cur >= 0 {
			out[cur] += l + "\n"
		}
	}
	if !strings.Contains(stdout.String(), "@@end") {
		t.Fatal("the README script stopped before its end")
	}
	for k, b := range blocks {
		if b.skip != "" || b.output == "" {
			continue
		}
		want := jsonShapes(b.output)
		got := jsonShapes(out[k])
		if len(want) == 0 {
			continue
		}
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("README.md:%d: the block prints no JSON line shaped like the README's\n  README: %s\n  printed: %q", b.line, w, out[k])
			}
		}
	}
}

// jsonShapes returns the shape of each JSON object line of s: its keys at
// every level, arrays by their first element.
func jsonShapes(s string) []string {
	var shapes []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var v any
		if json.Unmarshal([]byte(l), &v) != nil {
			continue
		}
		shapes = append(shapes, shape(v))
	}
	return shapes
}

func shape(v any) string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(k + ":" + shape(x[k]))
		}
		return b.String() + "}"
	case []any:
		if len(x) == 0 {
			return "[]"
		}
		return "[" + shape(x[0]) + "]"
	}
	return "_"
}

// writeREADMEData writes, into dir, small stand-ins in the formats of the
// data sets the README's commands name: Criteo-format train.txt,
// valid.txt, test.txt and new.txt (without labels); ml-100k/ (u.data, the five folds,
// u.item, u.user); ncf-loo/lastfm.*; ml-1m-implicit-m1/; events.csv.
func writeREADMEData(t *testing.T, dir string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for name, n := range map[string]int{"train.txt": 3000, "valid.txt": 400, "test.txt": 400, "new.txt": 50} {
		g, err := synth.NewCTR(synth.CTRConfig{Seed: uint64(len(name) + n), Vocab: readmeVocab()})
		must(err)
		must(g.WriteTSVFile(filepath.Join(dir, name), n))
	}
	// New rows to score have no label, as Kaggle's test.txt.
	labeled, err := os.ReadFile(filepath.Join(dir, "new.txt"))
	must(err)
	var unlabeled strings.Builder
	for _, l := range strings.SplitAfter(string(labeled), "\n") {
		if _, rest, ok := strings.Cut(l, "\t"); ok {
			unlabeled.WriteString(rest)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "new.txt"), []byte(unlabeled.String()), 0o644))

	// MovieLens-100K's layout: 150 users, 300 items.
	ml := filepath.Join(dir, "ml-100k")
	must(os.MkdirAll(ml, 0o755))
	m, err := synth.NewMatrix(synth.MatrixConfig{Seed: 5, Users: 150, Items: 300, Density: 0.08})
	must(err)
	must(m.WriteUDataFile(filepath.Join(ml, "u.data")))
	udata, err := os.ReadFile(filepath.Join(ml, "u.data"))
	must(err)
	rows := strings.SplitAfter(strings.TrimSuffix(string(udata), "\n"), "\n")
	for f := 1; f <= 5; f++ {
		var base, test strings.Builder
		for i, r := range rows {
			r = strings.TrimSuffix(r, "\n") + "\n"
			if i%5 == f-1 {
				test.WriteString(r)
			} else {
				base.WriteString(r)
			}
		}
		must(os.WriteFile(filepath.Join(ml, fmt.Sprintf("u%d.base", f)), []byte(base.String()), 0o644))
		must(os.WriteFile(filepath.Join(ml, fmt.Sprintf("u%d.test", f)), []byte(test.String()), 0o644))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var items, users strings.Builder
	for i := 1; i <= m.NumItems; i++ {
		genres := make([]string, 19)
		for g := range genres {
			genres[g] = "0"
		}
		genres[rng.IntN(19)] = "1"
		fmt.Fprintf(&items, "%d|Movie %d (1995)|01-Jan-1995||http://example.org/%d|%s\n", i, i, i, strings.Join(genres, "|"))
	}
	for u := 1; u <= m.NumUsers; u++ {
		fmt.Fprintf(&users, "%d|%d|%s|%s|%05d\n", u, 18+rng.IntN(50), []string{"M", "F"}[rng.IntN(2)],
			[]string{"student", "engineer", "writer"}[rng.IntN(3)], rng.IntN(99999))
	}
	must(os.WriteFile(filepath.Join(ml, "u.item"), []byte(items.String()), 0o644))
	must(os.WriteFile(filepath.Join(ml, "u.user"), []byte(users.String()), 0o644))

	// The implicit logs: each user's items, 0-based.
	byUser := make([][]int32, m.NumUsers)
	for k := range m.Users {
		byUser[m.Users[k]] = append(byUser[m.Users[k]], m.Items[k])
	}
	ncf := filepath.Join(dir, "ncf-loo")
	must(os.MkdirAll(ncf, 0o755))
	var train, test, neg strings.Builder
	for u, its := range byUser {
		if len(its) < 2 {
			continue
		}
		for _, it := range its[:len(its)-1] {
			fmt.Fprintf(&train, "%d\t%d\t1\n", u, it)
		}
		held := its[len(its)-1]
		fmt.Fprintf(&test, "%d\t%d\t1\n", u, held)
		fmt.Fprintf(&neg, "(%d,%d)", u, held)
		for n := 0; n < 99; {
			c := int32(rng.IntN(m.NumItems))
			if !slices.Contains(its, c) {
				fmt.Fprintf(&neg, "\t%d", c)
				n++
			}
		}
		neg.WriteString("\n")
	}
	must(os.WriteFile(filepath.Join(ncf, "lastfm.train.rating"), []byte(train.String()), 0o644))
	must(os.WriteFile(filepath.Join(ncf, "lastfm.test.rating"), []byte(test.String()), 0o644))
	must(os.WriteFile(filepath.Join(ncf, "lastfm.test.negative"), []byte(neg.String()), 0o644))
	m1 := filepath.Join(dir, "ml-1m-implicit-m1")
	must(os.MkdirAll(m1, 0o755))
	var tr, te bytes.Buffer
	for u, its := range byUser {
		if len(its) < 3 {
			continue
		}
		cut := len(its) * 4 / 5
		writeIDs(&tr, u, its[:cut])
		writeIDs(&te, u, its[cut:])
	}
	must(os.WriteFile(filepath.Join(m1, "train.txt"), tr.Bytes(), 0o644))
	must(os.WriteFile(filepath.Join(m1, "test.txt"), te.Bytes(), 0o644))

	// events.csv: the configuration example's columns.
	var ev bytes.Buffer
	w := bufio.NewWriter(&ev)
	fmt.Fprintln(w, "clicked,user,item,price")
	for i := range 600 {
		u, it := rng.IntN(40), rng.IntN(60)
		click := 0
		if (u+it)%3 == 0 && rng.Float64() < 0.7 {
			click = 1
		}
		fmt.Fprintf(w, "%d,u%d,i%d,%.2f\n", click, u, it, float64(i%50)+0.5)
	}
	must(w.Flush())
	must(os.WriteFile(filepath.Join(dir, "events.csv"), ev.Bytes(), 0o644))
}

// readmeVocab is a small Criteo-shaped vocabulary: 26 fields of up to 200
// values.
func readmeVocab() []int {
	v := make([]int, 26)
	for i := range v {
		v[i] = 20 + 7*i
	}
	return v
}

func writeIDs(b *bytes.Buffer, user int, items []int32) {
	fmt.Fprintf(b, "%d", user)
	for _, it := range items {
		fmt.Fprintf(b, " %d", it)
	}
	b.WriteString("\n")
}

// Every YAML example of the README and the docs is a configuration
// recforge loads, naming a registered model with parameters it accepts;
// the README's full example is the file configs/examples/events-deepfm.yaml
// it names, line for line.
func TestDocYAMLExamples(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("../../docs/models/*.md")
	files = append(append(files, more...), "../../README.md")
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for k, block := range fencedBlocks(string(b), "yaml") {
			n++
			path := filepath.Join(t.TempDir(), "example.yaml")
			if err := os.WriteFile(path, []byte(block), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := pipeline.LoadConfig(path)
			if err != nil {
				t.Errorf("%s, YAML example %d: %v", f, k+1, err)
				continue
			}
			if cfg.Model.Name != "" {
				params, _ := json.Marshal(cfg.Model.Params)
				if _, _, err := model.ResolveConfig(cfg.Model.Name, params); err != nil {
					t.Errorf("%s, YAML example %d: %v", f, k+1, err)
				}
			}
			if f == "../../README.md" && strings.Contains(block, "name: events") {
				file, err := os.ReadFile("../../configs/examples/events-deepfm.yaml")
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(file), block) {
					t.Errorf("README's configuration example differs from configs/examples/events-deepfm.yaml")
				}
			}
		}
	}
	if n < 3 {
		t.Errorf("found %d YAML examples, expected the README's and the docs'", n)
	}
}

// fencedBlocks returns the bodies of the ```lang blocks of a Markdown text.
func fencedBlocks(md, lang string) []string {
	var out []string
	var cur []string
	in := false
	for _, l := range strings.Split(md, "\n") {
		switch {
		case !in && l == "```"+lang:
			in, cur = true, nil
		case in && l == "```":
			in = false
			out = append(out, strings.Join(cur, "\n")+"\n")
		case in:
			cur = append(cur, l)
		}
	}
	return out
}
