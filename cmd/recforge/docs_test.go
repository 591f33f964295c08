package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

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

// Every relative link of README.md, BENCHMARKS.md and the model pages
// reaches a file, an anchor into a Markdown file names one of its
// headings, and none of them cites the internal specification.
func TestModelDocLinksResolve(t *testing.T) {
	docs := []string{"README.md", "BENCHMARKS.md"}
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
