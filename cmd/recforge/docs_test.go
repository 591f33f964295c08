package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/recforge/recforge/behavior"
	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/implicit"
	"github.com/recforge/recforge/internal/shareddata"
	"github.com/recforge/recforge/model"
)

// The model pages in docs/models are checked here, in the command's
// package, because it links every package that registers a model, so that
// model.Names() is the list `recforge models` prints.

// repoRoot is the repository root as seen from this package's directory.
const repoRoot = "../.."

var (
	// docsIndexRow is a row of docs/models/README.md's table: a registered
	// name in backticks, its task, and a link to its page.
	docsIndexRow = regexp.MustCompile("^\\| `([a-z0-9-]+)` \\|[^|]*\\| \\[[^\\]]*\\]\\(([a-z0-9-]+\\.md)\\)")
	// docsCitation is how code comments cite a model page.
	docsCitation = regexp.MustCompile(`docs/models/[A-Za-z0-9._-]+\.md`)
	// mdLink is an inline Markdown link's target and optional anchor.
	mdLink = regexp.MustCompile(`\]\(([^)#\s]*)(#[^)\s]*)?\)`)
	// mdHeading is an ATX heading.
	mdHeading = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)
	// meanStd is a "mean ± std" figure as BENCHMARKS.md writes them.
	meanStd = regexp.MustCompile(`\d+\.\d+ ± \d+\.\d+`)
)

// readDoc returns the file at path (relative to the repository root).
func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// docsIndex returns docs/models/README.md's rows: each listed name's page.
func docsIndex(t *testing.T) map[string]string {
	t.Helper()
	pages := map[string]string{}
	for i, line := range strings.Split(readDoc(t, "docs/models/README.md"), "\n") {
		m := docsIndexRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if _, dup := pages[m[1]]; dup {
			t.Errorf("docs/models/README.md:%d: %q is listed twice", i+1, m[1])
		}
		pages[m[1]] = m[2]
	}
	if len(pages) == 0 {
		t.Fatal("docs/models/README.md: no row of the form | `name` | task | [title](page.md) | … |")
	}
	return pages
}

// Every registered model has a page listed in the index, the page names the
// model, and it documents every option the model's configuration accepts
// (as `key`). Pages the index lists without a registered model are allowed
// (a model documented before it is registered), but no page may be left
// out of the index.
func TestModelDocsCoverRegisteredModels(t *testing.T) {
	pages := docsIndex(t)
	texts := map[string]string{}
	for _, name := range model.Names() {
		page, ok := pages[name]
		if !ok {
			t.Errorf("model %q is registered but docs/models/README.md does not list it", name)
			continue
		}
		text, ok := texts[page]
		if !ok {
			text = readDoc(t, "docs/models/"+page)
			texts[page] = text
		}
		if !strings.Contains(text, "`"+name+"`") {
			t.Errorf("docs/models/%s does not name the model `%s`", page, name)
		}
		info, _ := model.Lookup(name)
		for _, key := range configKeys(reflect.TypeOf(info.Config())) {
			if !strings.Contains(text, "`"+key+"`") {
				t.Errorf("docs/models/%s does not document option `%s` of model %s", page, key, name)
			}
		}
	}
	listed := map[string]bool{}
	for _, page := range pages {
		listed[page] = true
	}
	files, err := filepath.Glob(filepath.Join(repoRoot, "docs/models/*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if base := filepath.Base(f); base != "README.md" && !listed[base] {
			t.Errorf("docs/models/%s is not listed in docs/models/README.md", base)
		}
	}
}

// internalSpec is the name of the project's internal model specification,
// which users of the repository do not have: code and documentation cite
// docs/models instead. (Spelled in two parts so that this file does not
// cite it.)
const internalSpec = "MODELS" + ".md"

// Every docs/models page that a Go comment cites exists, and no Go file
// cites the internal specification.
func TestModelDocCitationsInCodeResolve(t *testing.T) {
	cited := 0
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != repoRoot {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, internalSpec) {
				rel, _ := filepath.Rel(repoRoot, path)
				t.Errorf("%s:%d cites %s, which users do not have; cite its docs/models page", rel, i+1, internalSpec)
			}
			for _, c := range docsCitation.FindAllString(line, -1) {
				cited++
				if _, err := os.Stat(filepath.Join(repoRoot, c)); err != nil {
					rel, _ := filepath.Rel(repoRoot, path)
					t.Errorf("%s:%d cites %s, which does not exist", rel, i+1, c)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cited == 0 {
		t.Fatal("no Go file cites a docs/models page: the walk found nothing to check")
	}
}

// headingAnchor is the anchor GitHub gives a heading: lower case, spaces
// as hyphens, punctuation other than hyphens and underscores dropped.
func headingAnchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Every relative link of README.md, BENCHMARKS.md, the data, tuning and
// warm-start pages and the model pages reaches a file, an anchor into a Markdown file names one of
// its headings, and none of them cites the internal specification.
func TestModelDocLinksResolve(t *testing.T) {
	docs := []string{"README.md", "BENCHMARKS.md", dataDoc, "docs/tuning.md", "docs/warm-start.md"}
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs/models/*.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		rel, _ := filepath.Rel(repoRoot, p)
		docs = append(docs, filepath.ToSlash(rel))
	}
	for _, doc := range docs {
		text := readDoc(t, doc)
		for i, line := range strings.Split(text, "\n") {
			if strings.Contains(line, internalSpec) {
				t.Errorf("%s:%d cites %s, which users do not have", doc, i+1, internalSpec)
			}
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target, anchor := m[1], strings.TrimPrefix(m[2], "#")
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				file := doc
				if target != "" {
					file = filepath.ToSlash(filepath.Join(filepath.Dir(doc), target))
					if _, err := os.Stat(filepath.Join(repoRoot, file)); err != nil {
						t.Errorf("%s:%d links to %s, which does not exist", doc, i+1, target)
						continue
					}
				}
				if anchor == "" || !strings.HasSuffix(file, ".md") {
					continue
				}
				var anchors []string
				for _, h := range mdHeading.FindAllStringSubmatch(readDoc(t, file), -1) {
					anchors = append(anchors, headingAnchor(h[1]))
				}
				if !slices.Contains(anchors, anchor) {
					t.Errorf("%s:%d links to %s#%s, but %s has no such heading", doc, i+1, target, anchor, file)
				}
			}
		}
	}
}

// Every "mean ± std" figure on a model page is one that BENCHMARKS.md
// reports, so that the pages cannot drift from the measurements.
func TestModelDocFiguresComeFromBenchmarks(t *testing.T) {
	bench := readDoc(t, "BENCHMARKS.md")
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs/models/*.md"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, p := range pages {
		rel, _ := filepath.Rel(repoRoot, p)
		for i, line := range strings.Split(readDoc(t, filepath.ToSlash(rel)), "\n") {
			for _, fig := range meanStd.FindAllString(line, -1) {
				checked++
				if !strings.Contains(bench, fig) {
					t.Errorf("%s:%d: %q is not in BENCHMARKS.md", filepath.ToSlash(rel), i+1, fig)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no mean ± std figure on any model page: nothing was checked")
	}
}

// dataDoc is the page on the public data sets.
const dataDoc = "docs/data.md"

var (
	// codeSpan is an inline code span of Markdown.
	codeSpan = regexp.MustCompile("`([^`\n]+)`")
	// specToken is a data spec as the docs write one: a lower-case reader
	// or data set name, a colon, and a path that is not another colon
	// (which "user::item" would be).
	specToken = regexp.MustCompile(`^([a-z][a-z0-9-]*):([^:\s][^\s]*)$`)
	// dataFlag is a data flag of a command line and its value, quoted or
	// not, as README.md and BENCHMARKS.md write them.
	dataFlag = regexp.MustCompile("--(?:data|train|valid|test)[ =]('[^']*'|\"[^\"]*\"|[^\\s`|)]+)")
)

// docSpec is a data spec named on a documentation page.
type docSpec struct {
	line       int
	name, path string
}

// dataDocSpecs returns the data specs in docs/data.md's code spans.
func dataDocSpecs(t *testing.T) []docSpec {
	t.Helper()
	var specs []docSpec
	for i, line := range strings.Split(readDoc(t, dataDoc), "\n") {
		for _, span := range codeSpan.FindAllStringSubmatch(line, -1) {
			for _, tok := range strings.Fields(span[1]) {
				if m := specToken.FindStringSubmatch(strings.Trim(tok, "'\"")); m != nil {
					specs = append(specs, docSpec{line: i + 1, name: m[1], path: m[2]})
				}
			}
		}
	}
	return specs
}

// isReader reports whether name is a row reader of data.Open; isDataSet
// whether it is a ranking data set kind of implicit.Open.
func isReader(name string) bool  { return slices.Contains(data.ReaderNames(), name) }
func isDataSet(name string) bool { return slices.Contains(implicit.Kinds, name) }

// Every data spec docs/data.md names starts with a registered reader or a
// ranking data set kind, and a behaviour spec names one of its formats, so
// that the page cannot advertise a spec the command would refuse.
func TestDataDocSpecsAreRegistered(t *testing.T) {
	specs := dataDocSpecs(t)
	if len(specs) < 20 {
		t.Fatalf("%s names %d data specs in code spans; expected the page's tables of READER:PATH specs", dataDoc, len(specs))
	}
	for _, sp := range specs {
		if !isReader(sp.name) && !isDataSet(sp.name) {
			t.Errorf("%s:%d: %s:%s: %q is neither a reader (%s) nor a data set kind (%s)", dataDoc, sp.line, sp.name, sp.path, sp.name,
				strings.Join(data.ReaderNames(), ", "), strings.Join(implicit.Kinds, ", "))
		}
		if sp.name == "behavior" {
			format, _, _ := strings.Cut(sp.path, "?")
			// An upper-case format is the page's placeholder, FORMAT.
			if format != strings.ToUpper(format) && !slices.Contains(behavior.Formats, format) {
				t.Errorf("%s:%d: behavior:%s: format %q is not one of %s", dataDoc, sp.line, sp.path, format, strings.Join(behavior.Formats, ", "))
			}
		}
	}
}

// sharedPrefixes are how BENCHMARKS.md spells the data folder: a path
// relative to the repository root, or the shell variable it sets to it.
var sharedPrefixes = []string{"../shared/data/", "$S/"}

// trimShared removes a leading shared-data prefix from p.
func trimShared(p string) string {
	for _, pre := range sharedPrefixes {
		p = strings.TrimPrefix(p, pre)
	}
	return p
}

// commandDataDir returns the data set directory a data flag's value
// names: the first element of its path (after the reader, the shared-data
// prefix and, for a behaviour spec, inside path=), or the path itself when
// it has no extension (a directory such as ml-1m-implicit-m1). A file in
// the working directory (criteo:train.txt), generated data, values built
// from shell variables and placeholders (SPEC, DIR) name none.
func commandDataDir(value string) string {
	v := trimShared(strings.Trim(value, "'\""))
	if v == strings.ToUpper(v) {
		return ""
	}
	if name, rest, ok := strings.Cut(v, ":"); ok && (isReader(name) || isDataSet(name)) {
		if data.Generated(v) {
			return ""
		}
		v = rest
		if name == "behavior" {
			_, query, _ := strings.Cut(rest, "?")
			q, err := url.ParseQuery(query)
			if err != nil || q.Get("path") == "" {
				return ""
			}
			v = q.Get("path")
		}
	}
	v = trimShared(v)
	if v == "" || strings.ContainsAny(v, "$:") {
		return ""
	}
	if i := strings.IndexByte(v, '/'); i > 0 {
		return v[:i]
	}
	if filepath.Ext(v) == "" {
		return v
	}
	return ""
}

// The directory each data set's commands assume is on the data page: every
// folder that a --data, --train, --valid or --test value of README.md or
// BENCHMARKS.md reads from appears there as DIR/.
func TestDataDocCoversCommandDirectories(t *testing.T) {
	page := readDoc(t, dataDoc)
	for _, doc := range []string{"README.md", "BENCHMARKS.md"} {
		dirs := map[string]int{}
		for i, line := range strings.Split(readDoc(t, doc), "\n") {
			for _, m := range dataFlag.FindAllStringSubmatch(line, -1) {
				if d := commandDataDir(m[1]); d != "" {
					if _, seen := dirs[d]; !seen {
						dirs[d] = i + 1
					}
				}
			}
		}
		// README's commands use at least ml-100k, ncf-loo and
		// ml-1m-implicit-m1; fewer means the flags were not found.
		if len(dirs) < 3 {
			t.Fatalf("%s: found data directories %v in its commands; expected at least three (the flag pattern no longer matches?)", doc, dirs)
		}
		t.Logf("%s: commands read from %v", doc, slices.Sorted(maps.Keys(dirs)))
		for d, line := range dirs {
			if !strings.Contains(page, d+"/") {
				t.Errorf("%s:%d: a command reads from %s/, which %s does not describe", doc, line, d, dataDoc)
			}
		}
	}
}

// absentFromShared are files of the public releases that the shared copy
// lacks (../shared/data/README.md, "Not obtainable here"): the page names
// them rightly, but they cannot be opened here.
var absentFromShared = []string{"frappe-nfm/frappe.train.libfm"}

// Where the shared data sets are present, every spec of docs/data.md that
// points into one of their folders opens and yields a record (a ranking
// data set loads), so that the file names the page gives are the ones the
// readers expect.
func TestDataDocSpecsReadSharedData(t *testing.T) {
	root := shareddata.Dir(t)
	opened := 0
	for _, sp := range dataDocSpecs(t) {
		path := strings.ReplaceAll(sp.path, "{fold}", "1")
		local := path
		if sp.name == "behavior" {
			format, query, _ := strings.Cut(path, "?")
			q, err := url.ParseQuery(query)
			if err != nil || q.Get("path") == "" {
				continue
			}
			local = q.Get("path")
			q.Set("path", filepath.Join(root, local))
			path = format + "?" + q.Encode()
		} else {
			path = filepath.Join(root, path)
		}
		first, _, _ := strings.Cut(local, "/")
		if _, err := os.Stat(filepath.Join(root, first)); err != nil || first == "" || slices.Contains(absentFromShared, local) {
			continue // a data set, or a file, the shared folder does not hold
		}
		where := fmt.Sprintf("%s:%d: %s:%s", dataDoc, sp.line, sp.name, sp.path)
		if isReader(sp.name) {
			opened++
			r, err := data.Open(sp.name+":"+path, data.ReadOptions{})
			if err != nil {
				t.Errorf("%s: %v", where, err)
				continue
			}
			var rec data.Record
			if err := r.Next(&rec); err != nil {
				if errors.Is(err, io.EOF) {
					err = errors.New("no records")
				}
				t.Errorf("%s: first record: %v", where, err)
			}
			r.Close()
		}
		// A movielens spec is also a ranking data set when it names a
		// rating file; the page names u.data for that.
		if isDataSet(sp.name) && (sp.name != "movielens" || filepath.Base(local) == "u.data") {
			opened++
			if _, err := implicit.Open(sp.name+":"+path, implicit.LoadOptions{}); err != nil {
				t.Errorf("%s as a ranking data set: %v", where, err)
			}
		}
	}
	t.Logf("opened %d specs of %s in %s", opened, dataDoc, root)
	if opened < 10 {
		t.Errorf("opened %d of %s's specs in %s; expected most of its examples to point into the shared folders", opened, dataDoc, root)
	}
}
