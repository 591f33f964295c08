package artifact

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func testManifest() *Manifest {
	return &Manifest{
		FormatVersion:   FormatVersion,
		RecforgeVersion: "v0.1.0",
		Model:           "deepfm",
		HyperParams:     json.RawMessage(`{"dim":8,"mlp":[64,32]}`),
		Schema:          json.RawMessage(`{"fields":[{"name":"C1"}]}`),
		Encoders:        json.RawMessage(`{"version":1}`),
		DataFingerprint: "sha256:abc",
		Metrics:         map[string]float64{"auc": 0.8125, "logloss": 0.4375},
		Protocol:        "holdout 8:1:1",
		SkippedRows:     2,
		Created:         time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
	}
}

func TestManifestRoundTrip(t *testing.T) {
	m := testManifest()
	b, err := MarshalManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	// RawMessage fields come back re-indented; compare them compacted.
	for _, p := range []*json.RawMessage{&got.HyperParams, &got.Schema, &got.Encoders} {
		var c bytes.Buffer
		if err := json.Compact(&c, *p); err != nil {
			t.Fatal(err)
		}
		*p = json.RawMessage(c.Bytes())
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("got %+v\nwant %+v", got, m)
	}
	if !bytes.Contains(b, []byte(`"skipped_rows": 2`)) {
		t.Fatalf("manifest lacks skipped_rows:\n%s", b)
	}
	// No skipped rows: the field is left out, as manifests written before
	// it were.
	m.SkippedRows = 0
	if b, err = MarshalManifest(m); err != nil || bytes.Contains(b, []byte("skipped_rows")) {
		t.Fatalf("no skipped rows: %v\n%s", err, b)
	}
}

func TestManifestNewerVersion(t *testing.T) {
	_, err := UnmarshalManifest([]byte(`{"format_version": 7, "model": "x", "future_field": [1]}`))
	if err == nil {
		t.Fatal("accepted format version 7")
	}
	for _, want := range []string{"format version 7", "format version 1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

func TestManifestRejects(t *testing.T) {
	for name, in := range map[string]string{
		"not json":    `{`,
		"no version":  `{"model":"x"}`,
		"version 0":   `{"format_version":0,"model":"x"}`,
		"no model":    `{"format_version":1}`,
		"bad metrics": `{"format_version":1,"model":"x","metrics":{"auc":"high"}}`,
		"skipped < 0": `{"format_version":1,"model":"x","skipped_rows":-1}`,
	} {
		if _, err := UnmarshalManifest([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	m := testManifest()
	m.Metrics["auc"] = math.NaN()
	if _, err := MarshalManifest(m); err == nil || !strings.Contains(err.Error(), `"auc"`) {
		t.Errorf("NaN metric: got %v", err)
	}
	m = testManifest()
	m.Schema = json.RawMessage(`{`)
	if _, err := MarshalManifest(m); err == nil {
		t.Error("invalid schema JSON accepted")
	}
}
