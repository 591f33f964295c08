package artifact

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/recforge/recforge/internal/atomicfile"
	"github.com/recforge/recforge/nn"
)

// File names inside an artifact directory.
const (
	ManifestFile = "manifest.json"
	WeightsFile  = "weights.safetensors"
)

// SaveOptions control Save.
type SaveOptions struct {
	// Replace allows replacing an existing artifact at the destination.
	// Without it, Save fails if the destination exists.
	Replace bool
	// Seen, when it holds pairs, is stored as SeenFile and counted in the
	// manifest's SeenPairs.
	Seen *Seen
}

// Save writes an artifact holding m and the weights of params and tables
// (see WriteWeights) to the directory dir. It writes everything into a
// temporary sibling directory, syncs it, and renames it into place, so
// that on any failure an existing artifact at dir is left as it was. When
// replacing, the new artifact is exchanged with the old one in one atomic
// rename on Linux; elsewhere the old one is first renamed to a sibling
// backup, removed once the new one is in place (a crash between the two
// renames leaves it intact under the backup name, ".NAME.old-*").
// Empty RecforgeVersion and zero FormatVersion and Created are filled in.
func Save(dir string, m *Manifest, params []*nn.Param, tables []*nn.Table, opt SaveOptions) error {
	return save(dir, m, opt, func(w io.Writer) error { return WriteWeights(w, params, tables, nil) })
}

// SaveTensors is Save for arbitrary tensors (see WriteSafetensors).
func SaveTensors(dir string, m *Manifest, tensors []Tensor, opt SaveOptions) error {
	return save(dir, m, opt, func(w io.Writer) error { return WriteSafetensors(w, tensors, nil) })
}

func save(dir string, m *Manifest, opt SaveOptions, weights func(io.Writer) error) (err error) {
	if m == nil {
		return fmt.Errorf("artifact: nil manifest")
	}
	mm := *m
	if mm.FormatVersion == 0 {
		mm.FormatVersion = FormatVersion
	}
	if mm.RecforgeVersion == "" {
		mm.RecforgeVersion = BuildVersion()
	}
	if mm.Created.IsZero() {
		mm.Created = time.Now().UTC()
	}
	var seen []byte
	mm.SeenPairs = 0
	if opt.Seen != nil && opt.Seen.Pairs() > 0 {
		if seen, err = seenBytes(opt.Seen); err != nil {
			return err
		}
		mm.SeenPairs = opt.Seen.Pairs()
	}
	manifest, err := MarshalManifest(&mm)
	if err != nil {
		return err
	}
	dir = filepath.Clean(dir)
	if _, err := os.Lstat(dir); err == nil && !opt.Replace {
		return fmt.Errorf("artifact: %s already exists (ask to replace it)", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("artifact: %w", err)
	}
	parent, base := filepath.Split(dir)
	if parent == "" {
		parent = "."
	}
	tmp, err := mkdirTemp(parent, "."+base+tmpInfix)
	if err != nil {
		return fmt.Errorf("artifact: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := writeFileSync(filepath.Join(tmp, ManifestFile), func(w io.Writer) error {
		_, err := w.Write(manifest)
		return err
	}); err != nil {
		return err
	}
	if err := writeFileSync(filepath.Join(tmp, WeightsFile), weights); err != nil {
		return err
	}
	if seen != nil {
		if err := writeFileSync(filepath.Join(tmp, SeenFile), func(w io.Writer) error {
			_, err := w.Write(seen)
			return err
		}); err != nil {
			return err
		}
	}
	if err := syncDir(tmp); err != nil {
		return err
	}
	return swapIn(tmp, dir, parent, base)
}

// swapIn renames tmp to dir. An existing dir is exchanged with tmp in one
// atomic step where the system allows it (Linux's renameat2); elsewhere it is
// moved aside first and restored if the final rename fails.
func swapIn(tmp, dir, parent, base string) error {
	if _, err := os.Lstat(dir); err != nil {
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("artifact: %w", err)
		}
		return syncDir(parent)
	}
	if exchange(tmp, dir) == nil {
		// One atomic swap: dir now holds the new artifact, tmp the old.
		if err := syncDir(parent); err != nil {
			return err
		}
		if err := os.RemoveAll(tmp); err != nil {
			return fmt.Errorf("artifact: saved, but removing the old artifact at %s: %w", tmp, err)
		}
		return nil
	}
	// Without an atomic exchange, move the old artifact aside first.
	backup, err := os.MkdirTemp(parent, "."+base+".old-")
	if err != nil {
		return fmt.Errorf("artifact: %w", err)
	}
	// MkdirTemp reserved a unique name; the rename needs it free.
	if err := os.Remove(backup); err != nil {
		return fmt.Errorf("artifact: %w", err)
	}
	if err := os.Rename(dir, backup); err != nil {
		return fmt.Errorf("artifact: moving the old artifact aside: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if rerr := os.Rename(backup, dir); rerr != nil {
			return fmt.Errorf("artifact: %w; the old artifact is kept at %s", err, backup)
		}
		return fmt.Errorf("artifact: %w", err)
	}
	if err := syncDir(parent); err != nil {
		return err
	}
	if err := os.RemoveAll(backup); err != nil {
		return fmt.Errorf("artifact: saved, but removing the old artifact at %s: %w", backup, err)
	}
	return nil
}

// Temps returns the temporary directories Save made for the artifact dir
// that are still beside it: left by a process that died while saving
// (kill -9), or being written by a live one — only the caller can tell
// which.
func Temps(dir string) ([]string, error) {
	dir = filepath.Clean(dir)
	return atomicfile.TempsIn(filepath.Dir(dir), "."+filepath.Base(dir)+tmpInfix)
}

// tmpInfix follows the artifact's name in its temporary directory's.
const tmpInfix = ".tmp-"

// mkdirTemp is os.MkdirTemp with the usual mode 0755 (less the umask)
// instead of 0700: the temporary directory becomes the artifact, which is
// meant to be read by other accounts (a server running under its own), as
// its 0644 files are.
func mkdirTemp(parent, prefix string) (string, error) {
	for range 10000 {
		name := filepath.Join(parent, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		err := os.Mkdir(name, 0o755)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("no free temporary name %s* in %s", prefix, parent)
}

// writeFileSync creates path, fills it with write, and syncs it.
func writeFileSync(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("artifact: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("artifact: %s: %w", filepath.Base(path), err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("artifact: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("artifact: %w", err)
	}
	return nil
}

// syncDir makes a directory's entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("artifact: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("artifact: syncing %s: %w", dir, err)
	}
	return nil
}
