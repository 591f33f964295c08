package pipeline

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/optim"
	"github.com/recforge/recforge/train"
)

// writeConfig writes src as a configuration file in a fresh directory.
func writeConfig(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A complete file decodes into every section, the hyper-parameters reach
// the model as numbers, and what the file leaves out keeps its default.
func TestLoadConfigFullFile(t *testing.T) {
	src := `schema:
  name: tiny
  fields:
    - {name: label, type: label}
    - {name: user, type: categorical, source: user, min_count: 2}
    - {name: price, type: numeric, normalizer: standardize}
model:
  name: deepfm
  params:
    hidden: [400, 200]
    l2_v: 1e-4
    dropout: 0.5
    nested: {rates: [1e-3, "x"]}
train:
  epochs: 3
  batch: 256
  optimizer: {rule: adagrad, lr: 0.05}
  parts:
    wide: {rule: ftrl, lr: 0.1}
  early_stop: {metric: logloss, patience: 4}
data:
  skip_bad: true
  split: [7, 2, 1]
`
	c, err := LoadConfig(writeConfig(t, src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Schema == nil || c.Schema.Name != "tiny" || len(c.Schema.Fields) != 3 {
		t.Fatalf("schema %+v", c.Schema)
	}
	if f := c.Schema.Fields[1]; f.Name != "user" || f.Type != feature.Categorical || f.Source != feature.User || f.MinCount != 2 {
		t.Errorf("field user decoded as %+v", f)
	}
	if f := c.Schema.Fields[2]; f.Type != feature.Numeric || f.Normalizer != feature.Standardize {
		t.Errorf("field price decoded as %+v", f)
	}
	if c.Model.Name != "deepfm" {
		t.Errorf("model name %q", c.Model.Name)
	}
	if !reflect.DeepEqual(c.Data, DataConfig{SkipBad: true, Split: []float64{7, 2, 1}}) {
		t.Errorf("data %+v", c.Data)
	}

	want := train.DefaultConfig()
	want.Epochs, want.Batch = 3, 256
	want.Optimizer = optim.Spec{Rule: "adagrad", LR: 0.05}
	want.Parts = map[string]optim.Spec{"wide": {Rule: "ftrl", LR: 0.1}}
	want.EarlyStop = train.EarlyStop{Metric: "logloss", Patience: 4}
	if !reflect.DeepEqual(c.Train, want) {
		t.Errorf("train\n got %+v\nwant %+v", c.Train, want)
	}

	// The model receives its hyper-parameters as JSON with every plain
	// number a number, however YAML typed it; other strings stay strings.
	raw, err := c.Model.params()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("params %s: %v", raw, err)
	}
	wantParams := map[string]any{
		"hidden":  []any{400.0, 200.0},
		"l2_v":    1e-4,
		"dropout": 0.5,
		"nested":  map[string]any{"rates": []any{1e-3, "x"}},
	}
	if !reflect.DeepEqual(got, wantParams) {
		t.Errorf("params JSON %s, want %v", raw, wantParams)
	}
}

// A file that sets one field of a section keeps the defaults of the rest
// of that section and of the sections it does not name.
func TestLoadConfigDefaultsWhereSilent(t *testing.T) {
	c, err := LoadConfig(writeConfig(t, "model: {name: fm}\ntrain:\n  epochs: 4\n  optimizer: {lr: 0.01}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := train.DefaultConfig()
	want.Epochs = 4
	want.Optimizer.LR = 0.01
	if !reflect.DeepEqual(c.Train, want) {
		t.Errorf("train\n got %+v\nwant %+v", c.Train, want)
	}
	if c.Schema != nil || c.Model.Params != nil || c.Data.SkipBad || c.Data.Split != nil {
		t.Errorf("unnamed sections not at their defaults: %+v", c)
	}
	raw, err := c.Model.params()
	if raw != nil || err != nil {
		t.Errorf("no params: %q, %v; want nil", raw, err)
	}
}

// A file with nothing in it (or only comments) is the default
// configuration, as "every section is optional" promises.
func TestLoadConfigEmptyFile(t *testing.T) {
	for _, src := range []string{"", "# settings to come\n"} {
		c, err := LoadConfig(writeConfig(t, src))
		if err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if !reflect.DeepEqual(c, DefaultConfig()) {
			t.Errorf("%q: %+v, want DefaultConfig", src, c)
		}
	}
}

// Unknown keys anywhere (top level, train, its optimizer, a schema field)
// are errors that name the key and its line; malformed YAML and invalid
// settings are errors too, each naming the file.
func TestLoadConfigErrors(t *testing.T) {
	for _, c := range []struct {
		src  string
		want []string
	}{
		{"modle: {name: lr}\n", []string{`unknown field "modle"`, ":1:1: "}},
		{"train:\n  epochs: 3\n  epoch: 4\n", []string{`unknown field "epoch"`, ":3:3: "}},
		{"train:\n  optimizer:\n    rule: adam\n    learning_rate: 0.1\n", []string{`unknown field "learning_rate"`, ":4:5: "}},
		{"schema:\n  fields:\n    - {name: a, type: categorical, colour: red}\n", []string{`unknown field "colour"`, ":3:"}},
		{"data: {skip_bad: true, shuffle: true}\n", []string{`unknown field "shuffle"`}},
		{"train: [\n", []string{":1:"}},
		{"train: {epochs: 0}\n", []string{"epochs = 0"}},
		{"train: {batch: -5}\n", []string{"batch = -5"}},
		{"train: {task: ranking}\n", []string{`task "ranking"`}},
		{"train: {optimizer: {rule: rmsprop}}\n", []string{"rmsprop"}},
		{"train: {parts: {wide: {rule: nope}}}\n", []string{`part "wide"`}},
		{"train: {early_stop: {metric: f1}}\n", []string{`metric "f1"`}},
		{"train: {plateau: {factor: 1.5}}\n", []string{"plateau factor"}},
		{"train: {clip_norm: -1}\n", []string{"clip_norm"}},
		{"schema: {fields: [{name: a, type: colour}]}\n", []string{"colour"}},
	} {
		path := writeConfig(t, c.src)
		_, err := LoadConfig(path)
		if err == nil {
			t.Errorf("%q: no error", c.src)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, path) {
			t.Errorf("%q: error does not name the file: %v", c.src, err)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%q: error %q lacks %q", c.src, msg, w)
			}
		}
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "absent.yaml")); err == nil {
		t.Error("a missing file loaded")
	}
}

// numbers turns exactly the plain decimal strings into numbers, at any
// depth, and leaves every other value as it was.
func TestNumbers(t *testing.T) {
	in := map[string]any{
		"a": "1e-4", "b": "-2.5", "c": "+3", "d": ".5", "e": "7.", "f": "1E+3",
		"g": "abc", "h": "0x10", "i": "inf", "j": "NaN", "k": "1e", "l": "", "m": "1_000", "n": " 1",
		"o": []any{"2e2", "x", 3, true, nil},
		"p": map[string]any{"q": "6e-1", "r": []any{map[string]any{"s": "8"}}},
		"t": 5, "u": 1.25, "v": false,
	}
	want := map[string]any{
		"a": 1e-4, "b": -2.5, "c": 3.0, "d": 0.5, "e": 7.0, "f": 1000.0,
		"g": "abc", "h": "0x10", "i": "inf", "j": "NaN", "k": "1e", "l": "", "m": "1_000", "n": " 1",
		"o": []any{200.0, "x", 3, true, nil},
		"p": map[string]any{"q": 0.6, "r": []any{map[string]any{"s": 8.0}}},
		"t": 5, "u": 1.25, "v": false,
	}
	if got := numbers(in); !reflect.DeepEqual(got, want) {
		t.Errorf("numbers\n got %#v\nwant %#v", got, want)
	}
	// The input is not modified.
	if in["a"] != "1e-4" || in["o"].([]any)[0] != "2e2" {
		t.Errorf("numbers modified its input: %v", in)
	}
}
