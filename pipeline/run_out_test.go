package pipeline

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recforge/recforge/internal/dirlock"
)

// killedTemps are what a run killed with SIGKILL leaves beside its files:
// a checkpoint and learning curves being written (internal/atomicfile) and
// an artifact being saved (artifact.Save).
var killedTemps = []string{"." + CheckpointFile + ".tmp3141592", "." + CurveFile + ".tmp27", "." + ArtifactDir + ".tmp-1618/"}

// The next run in the directory removes them, resumed or overwriting,
// keeping the run's own files; a live run holding the directory keeps
// them and refuses the second run.
func TestPrepareOutRemovesTempsOfKilledRun(t *testing.T) {
	if !dirlock.Supported {
		t.Skip("no directory locks here: temporaries cannot be known abandoned")
	}
	run := []string{ArtifactDir, CheckpointFile, CurveFile, LogFile}
	slices.Sort(run)
	for _, c := range []struct {
		resume, overwrite bool
		want              []string
	}{{true, false, run}, {false, true, []string{ArtifactDir}}} {
		d := filepath.Join(t.TempDir(), "run")
		touch(t, d, append([]string{ArtifactDir + "/", CheckpointFile, LogFile, CurveFile}, killedTemps...)...)
		touch(t, filepath.Join(d, killedTemps[2]), "weights.safetensors")
		if err := prepareOutOnce(d, c.resume, c.overwrite); err != nil {
			t.Fatalf("resume %v overwrite %v: %v", c.resume, c.overwrite, err)
		}
		if got := names(t, d); !slices.Equal(got, c.want) {
			t.Errorf("resume %v overwrite %v: the directory holds %v, want %v", c.resume, c.overwrite, got, c.want)
		}
	}

	// A live run holds the lock: its temporaries are its own.
	d := filepath.Join(t.TempDir(), "run")
	touch(t, d, append([]string{CheckpointFile, LogFile}, killedTemps...)...)
	before := names(t, d)
	release, err := dirlock.Lock(d)
	if err != nil {
		t.Fatal(err)
	}
	err = prepareOutOnce(d, true, false)
	if err == nil || !strings.Contains(err.Error(), "in use by another recforge run") {
		t.Errorf("a directory a live run holds: %v", err)
	}
	if got := names(t, d); !slices.Equal(got, before) {
		t.Errorf("a live run's directory changed: %v, was %v", got, before)
	}
	release()
	if err := prepareOutOnce(d, true, false); err != nil || len(names(t, d)) != 2 {
		t.Errorf("after the live run ended: %v, %v", err, names(t, d))
	}
}

// A run killed before its first checkpoint leaves its log and nothing to
// resume from: --resume and a plain rerun both say so and what to do;
// --overwrite starts afresh.
func TestPrepareOutKilledBeforeFirstCheckpoint(t *testing.T) {
	d := filepath.Join(t.TempDir(), "run")
	touch(t, d, LogFile, killedTemps[0])
	want := d + " holds a run killed before its first checkpoint: nothing to resume; rerun with --overwrite"
	for _, resume := range []bool{true, false} {
		err := prepareOutOnce(d, resume, false)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("resume %v: %v, want %q", resume, err, want)
		}
	}
	if dirlock.Supported {
		if got := names(t, d); !slices.Equal(got, []string{LogFile}) {
			t.Errorf("the killed run's temporary stayed: %v", got)
		}
	}
	if err := prepareOutOnce(d, false, true); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	if got := names(t, d); len(got) != 0 {
		t.Errorf("after overwrite: %v", got)
	}
	// Nothing there at all.
	if err := prepareOutOnce(d, true, false); err == nil || !strings.Contains(err.Error(), "cannot resume: "+d+" holds no run; train without --resume") {
		t.Errorf("resume of an empty directory: %v", err)
	}
	absent := filepath.Join(d, "absent")
	if err := prepareOutOnce(absent, true, false); err == nil || !strings.Contains(err.Error(), "cannot resume: "+absent+" does not exist") {
		t.Errorf("resume of an absent directory: %v", err)
	}
	if _, err := os.Stat(absent); !os.IsNotExist(err) {
		t.Errorf("resume created %s", absent)
	}
}
