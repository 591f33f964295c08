package artifact

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recforge/recforge/nn"
)

// snapshot returns the names and contents of the files in dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// onlyEntry fails unless parent holds exactly one entry, name.
func onlyEntry(t *testing.T, parent, name string) {
	t.Helper()
	es, _ := os.ReadDir(parent)
	if len(es) != 1 || es[0].Name() != name {
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		t.Fatalf("%s holds %v, want only %s", parent, names, name)
	}
}

func TestSaveLoad(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "model")
	ps, ts := model(7)
	m := testManifest()
	m.RecforgeVersion = ""
	if err := Save(dir, m, ps, ts, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	onlyEntry(t, parent, "model")
	if got := snapshot(t, dir); len(got) != 2 || got[ManifestFile] == "" || got[WeightsFile] == "" {
		t.Fatalf("artifact holds %d files", len(got))
	}
	ps2, ts2 := model(0)
	got, err := Load(dir, ps2, ts2)
	if err != nil {
		t.Fatal(err)
	}
	if got.Model != "deepfm" || got.Metrics["auc"] != 0.8125 || got.RecforgeVersion == "" || got.FormatVersion != FormatVersion {
		t.Errorf("manifest %+v", got)
	}
	for i := range ps {
		if !bitsEqual(ps[i].W, ps2[i].W) {
			t.Errorf("param %s differs", ps[i].Name)
		}
	}
	for i := range ts {
		for r := range ts[i].Rows {
			if !bitsEqual(ts[i].Row(int32(r)), ts2[i].Row(int32(r))) {
				t.Errorf("table %s row %d differs", ts[i].Name, r)
			}
		}
	}
	// Shape mismatch on load names the tensor.
	ps3, ts3 := model(0)
	ps3[2] = nn.NewParam("bias", 2)
	if _, err := Load(dir, ps3, ts3); err == nil || !strings.Contains(err.Error(), `"bias"`) {
		t.Errorf("shape mismatch: got %v", err)
	}
}

func TestSaveRefusesExistingWithoutReplace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	ps, ts := model(1)
	if err := Save(dir, testManifest(), ps, ts, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	ps2, ts2 := model(2)
	if err := Save(dir, testManifest(), ps2, ts2, SaveOptions{}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("got %v", err)
	}
	after := snapshot(t, dir)
	if before[WeightsFile] != after[WeightsFile] {
		t.Fatal("refused save changed the artifact")
	}
	if err := Save(dir, testManifest(), ps2, ts2, SaveOptions{Replace: true}); err != nil {
		t.Fatal(err)
	}
	onlyEntry(t, filepath.Dir(dir), "model")
	ps3, ts3 := model(0)
	if _, err := Load(dir, ps3, ts3); err != nil {
		t.Fatal(err)
	}
	if !bitsEqual(ps3[0].W, ps2[0].W) {
		t.Fatal("replace did not install the new weights")
	}
}

func TestFailedSaveKeepsOldArtifact(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "model")
	ps, ts := model(1)
	if err := Save(dir, testManifest(), ps, ts, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	// The second table's storage is short: the header and the earlier
	// tensors are already written when its data fails validation.
	ps2, ts2 := model(2)
	ts2[1].Data = ts2[1].Data[:2]
	m := testManifest()
	m.Model = "other"
	err := Save(dir, m, ps2, ts2, SaveOptions{Replace: true})
	if err == nil || !strings.Contains(err.Error(), `"lin"`) {
		t.Fatalf("got %v", err)
	}
	after := snapshot(t, dir)
	if len(after) != len(before) || after[ManifestFile] != before[ManifestFile] || after[WeightsFile] != before[WeightsFile] {
		t.Fatal("failed save changed the previous artifact")
	}
	onlyEntry(t, parent, "model")
}

func TestLoadNewerFormatVersion(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	ps, ts := model(1)
	if err := Save(dir, testManifest(), ps, ts, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ManifestFile)
	b, _ := os.ReadFile(path)
	b = []byte(strings.Replace(string(b), `"format_version": 1`, `"format_version": 2`, 1))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir, ps, ts)
	if err == nil || !strings.Contains(err.Error(), "format version 2") || !strings.Contains(err.Error(), "format version 1") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadMissingOrCorrupt(t *testing.T) {
	ps, ts := model(0)
	if _, err := Load(filepath.Join(t.TempDir(), "none"), ps, ts); err == nil {
		t.Error("missing artifact loaded")
	}
	dir := filepath.Join(t.TempDir(), "model")
	if err := Save(dir, testManifest(), ps, ts, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	w := filepath.Join(dir, WeightsFile)
	b, _ := os.ReadFile(w)
	if err := os.WriteFile(w, b[:len(b)-1], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, ps, ts); err == nil || !strings.Contains(err.Error(), WeightsFile) {
		t.Errorf("truncated weights: got %v", err)
	}
	if err := Save(filepath.Join(t.TempDir(), "x"), nil, ps, ts, SaveOptions{}); err == nil {
		t.Error("nil manifest saved")
	}
}
