package pipeline

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/dataset"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/train"
)

// InspectionConfig returns a configuration to start from for the source
// ins describes: ins's schema (built-in or guessed; none when it has
// neither), a model that fits the schema — din when it has a sequence
// field, else lr —, the default training settings, and the reading
// options the source was inspected with.
func InspectionConfig(ins *dataset.Inspection, read data.ReadOptions) Config {
	cfg := DefaultConfig()
	cfg.Schema = ins.Schema
	cfg.Model.Name = "lr"
	if ins.Schema != nil {
		for _, f := range ins.Schema.Fields {
			if f.Type == feature.Sequence {
				cfg.Model.Name = "din"
			}
		}
	}
	cfg.Data = DataConfig{SkipBad: read.SkipBad, MaxLineBytes: read.MaxLineBytes}
	return cfg
}

// WriteInspection writes the configuration InspectionConfig makes of ins
// as a YAML file that LoadConfig reads and `recforge train --config` uses
// as is: the inspection's report (dataset.Inspection.WriteText) comes
// first as YAML comments, then the schema, model, train and data sections,
// each after a comment saying what to check or change.
func WriteInspection(w io.Writer, ins *dataset.Inspection, read data.ReadOptions) error {
	cfg := InspectionConfig(ins, read)
	bw := bufio.NewWriter(w)
	var report bytes.Buffer
	if err := ins.WriteText(&report); err != nil {
		return err
	}
	comment(bw, report.String())
	comment(bw, "\nA configuration to start from: save this output to a file, check it, and train with\n"+
		"  recforge train --config FILE --data "+ins.Spec+"\n(every section is optional; the command's flags override it).\n\n")
	var sections []any
	switch ins.SchemaKind {
	case dataset.SchemaBuiltin:
		comment(bw, "Schema: the reader's built-in one (leaving the section out means it too); edit it to change the features.\n")
	case dataset.SchemaGuessed:
		why := ""
		if len(ins.Notes) > 0 {
			why = " (the notes above explain its choices)"
		}
		comment(bw, "Schema: guessed from the data: check it"+why+".\n")
	default:
		comment(bw, "Schema: none could be made for this source: declare one under `schema:` (fields: [...]).\n")
	}
	if cfg.Schema != nil {
		sections = append(sections, struct {
			Schema *feature.Schema `yaml:"schema"`
		}{cfg.Schema})
	}
	sections = append(sections, "Model: any registered model (recforge models lists them, docs/models describes them); --model overrides it.\n",
		struct {
			Model ModelConfig `yaml:"model"`
		}{cfg.Model},
		"Training: the defaults; --epochs, --batch and --seed override them.\n",
		struct {
			Train train.Config `yaml:"train"`
		}{cfg.Train})
	if cfg.Data.SkipBad || cfg.Data.MaxLineBytes != 0 {
		sections = append(sections, "Reading: as the source was inspected.\n", struct {
			Data DataConfig `yaml:"data"`
		}{cfg.Data})
	}
	for _, s := range sections {
		if c, ok := s.(string); ok {
			comment(bw, c)
			continue
		}
		b, err := yaml.Marshal(s)
		if err != nil {
			return fmt.Errorf("pipeline: writing the configuration: %w", err)
		}
		bw.Write(b)
	}
	return bw.Flush()
}

// yamlBreaks are the characters YAML may take for line breaks, which a
// comment must not hold: each is written escaped.
var yamlBreaks = strings.NewReplacer("\r", `\r`, "\u0085", `\u0085`, "\u2028", `\u2028`, "\u2029", `\u2029`)

// comment writes text as YAML comment lines, "#" alone for an empty line.
func comment(w *bufio.Writer, text string) {
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if l == "" {
			w.WriteString("#\n")
			continue
		}
		w.WriteString("# " + yamlBreaks.Replace(l) + "\n")
	}
}
