package artifact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"runtime/debug"
	"time"
)

// FormatVersion is the artifact format this build writes and the newest it
// reads.
const FormatVersion = 1

// Manifest describes an artifact: what model it holds, how it was trained
// and how well it did. It is stored as manifest.json.
type Manifest struct {
	// FormatVersion is the artifact format version; Save fills in
	// FormatVersion when it is zero.
	FormatVersion int `json:"format_version"`
	// RecforgeVersion is the version of recforge that wrote the artifact.
	RecforgeVersion string `json:"recforge_version"`
	// Model is the registered model name, e.g. "deepfm".
	Model string `json:"model"`
	// Task is what the model's output means: "binary" (a logit, scored
	// as a probability) or "regression".
	Task string `json:"task,omitempty"`
	// HyperParams are the model's hyper-parameters as JSON.
	HyperParams json.RawMessage `json:"hyper_params,omitempty"`
	// Schema is the feature schema as JSON.
	Schema json.RawMessage `json:"schema,omitempty"`
	// Encoders are the fitted feature encoders as JSON.
	Encoders json.RawMessage `json:"encoders,omitempty"`
	// DataFingerprint identifies the training data.
	DataFingerprint string `json:"data_fingerprint,omitempty"`
	// Metrics maps a metric name to its value.
	Metrics map[string]float64 `json:"metrics,omitempty"`
	// Protocol names the evaluation protocol the metrics were measured
	// under, e.g. "holdout 8:1:1".
	Protocol string `json:"protocol,omitempty"`
	// SeenPairs is the number of (user, item) pairs of the training log
	// stored in SeenFile (0: the artifact has no such file), the items
	// recommendation leaves out for each user.
	SeenPairs int64 `json:"seen_pairs,omitempty"`
	// SkippedRows counts the malformed records skipped while reading the
	// training data (recforge train --skip-bad); absent when none was.
	SkippedRows int64 `json:"skipped_rows,omitempty"`
	// WarmStart, when set, is the artifact the run continued from
	// (recforge train --warm-start); absent for a run from scratch.
	WarmStart *WarmStart `json:"warm_start,omitempty"`
	// Created is when the artifact was made.
	Created time.Time `json:"created"`
}

// WarmStart identifies the artifact a warm-started run continued from.
type WarmStart struct {
	// Dir is the source artifact's directory, absolute when known.
	Dir string `json:"dir"`
	// Created and DataFingerprint are the source manifest's: they tell
	// which of the artifacts ever written in Dir it was.
	Created         time.Time `json:"created"`
	DataFingerprint string    `json:"data_fingerprint,omitempty"`
}

// Validate checks what a manifest must hold to be written and read back:
// a supported format version, a model name, well-formed JSON fields and
// finite metrics.
func (m *Manifest) Validate() error {
	if m.FormatVersion < 1 || m.FormatVersion > FormatVersion {
		return versionError(m.FormatVersion)
	}
	if m.Model == "" {
		return fmt.Errorf("artifact: manifest has no model name")
	}
	for name, raw := range map[string]json.RawMessage{"hyper_params": m.HyperParams, "schema": m.Schema, "encoders": m.Encoders} {
		if len(raw) > 0 && !json.Valid(raw) {
			return fmt.Errorf("artifact: manifest field %s is not valid JSON", name)
		}
	}
	if m.SeenPairs < 0 {
		return fmt.Errorf("artifact: manifest has %d seen pairs", m.SeenPairs)
	}
	if m.SkippedRows < 0 {
		return fmt.Errorf("artifact: manifest has %d skipped rows", m.SkippedRows)
	}
	for name, v := range m.Metrics {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("artifact: metric %q is %v; JSON holds only finite numbers", name, v)
		}
	}
	return nil
}

// MarshalManifest validates m and returns it as indented JSON.
func MarshalManifest(m *Manifest) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("artifact: manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// UnmarshalManifest parses a manifest. A format version newer than this
// build supports fails with an error naming both versions, before any
// other field is interpreted.
func UnmarshalManifest(b []byte) (*Manifest, error) {
	var v struct {
		FormatVersion *int `json:"format_version"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("artifact: manifest is not valid JSON: %w", err)
	}
	if v.FormatVersion == nil {
		return nil, fmt.Errorf("artifact: manifest has no format_version")
	}
	if *v.FormatVersion < 1 || *v.FormatVersion > FormatVersion {
		return nil, versionError(*v.FormatVersion)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("artifact: manifest: %w", err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func versionError(v int) error {
	if v > FormatVersion {
		return fmt.Errorf("artifact: format version %d is newer than this recforge supports (format version %d); upgrade recforge to load it",
			v, FormatVersion)
	}
	return fmt.Errorf("artifact: invalid format version %d (this recforge reads versions 1 to %d)", v, FormatVersion)
}

// BuildVersion returns the recforge module version recorded in the running
// binary's build information, or "devel" when there is none.
func BuildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	// A build from a checkout says "(devel)": reported as "devel".
	if bi.Main.Path == "github.com/recforge/recforge" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/recforge/recforge" && d.Version != "" {
			return d.Version
		}
	}
	return "devel"
}
