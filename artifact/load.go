package artifact

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/recforge/recforge/nn"
)

// ReadManifest reads and checks the manifest of the artifact in dir.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("artifact: %w", err)
	}
	m, err := UnmarshalManifest(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Open reads the manifest and the weights of the artifact in dir. The
// manifest is checked first, so an artifact of a newer format version
// fails with that message whatever its weights hold.
func Open(dir string) (*Manifest, *File, error) {
	m, err := ReadManifest(dir)
	if err != nil {
		return nil, nil, err
	}
	f, err := ReadSafetensorsFile(filepath.Join(dir, WeightsFile))
	if err != nil {
		return nil, nil, err
	}
	return m, f, nil
}

// Load reads the artifact in dir and copies its weights into params and
// tables (see LoadWeights), which the caller has built with the shapes
// the manifest's hyper-parameters describe. It returns the manifest.
func Load(dir string, params []*nn.Param, tables []*nn.Table) (*Manifest, error) {
	m, f, err := Open(dir)
	if err != nil {
		return nil, err
	}
	if err := LoadWeights(f, params, tables); err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return m, nil
}
