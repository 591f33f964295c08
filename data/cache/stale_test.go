package cache

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// holdTempEnv makes the test binary act as a build that is assembling the
// cache at the path it names: it creates the build's temporary file, says
// its name, and waits to be killed.
const holdTempEnv = "RECFORGE_CACHE_HOLD_TEMP"

func TestHoldTempHelper(t *testing.T) {
	path := os.Getenv(holdTempEnv)
	if path == "" {
		t.Skip("a helper process of TestStaleTemporariesRemoved")
	}
	f, err := createTemp(path)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(f.Name())
	time.Sleep(time.Minute)
	os.Exit(1)
}

// The temporary files a killed build left beside a cache are removed by
// the next build of that cache; those of a build still running, and the
// files of other caches, are not.
func TestStaleTemporariesRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a helper process")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "train.rfc")
	dead := []string{path + ".123456.tmp", path + ".42.col"} // a killed build's
	others := []string{
		filepath.Join(dir, "train.rfc.5.123.tmp"), // of the cache train.rfc.5
		filepath.Join(dir, "other.rfc.77.tmp"),
		path + ".x1.tmp",
		path + ".bak",
	}
	for _, p := range append(slices.Clone(dead), others...) {
		if err := os.WriteFile(p, make([]byte, 4096), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	// A build in another process, assembling the cache right now.
	cmd := exec.Command(os.Args[0], "-test.run", "^TestHoldTempHelper$")
	cmd.Env = append(os.Environ(), holdTempEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	live := strings.TrimSpace(line)
	if err != nil || !strings.HasPrefix(live, path+".") {
		t.Fatalf("helper said %q (%v)", line, err)
	}

	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	c, _, err := OpenOrBuild(path, Fingerprint([]byte("a")), testCols, writeRows)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for _, p := range dead {
		if exists(p) {
			t.Errorf("a killed build's %s survived the next build", filepath.Base(p))
		}
	}
	for _, p := range append(slices.Clone(others), live) {
		if !exists(p) {
			t.Errorf("%s, not a killed build's, was removed", filepath.Base(p))
		}
	}

	// Killed, the build's temporary file is stale: the next build removes
	// it, even one that finds the cache valid and builds nothing.
	cmd.Process.Kill()
	cmd.Wait()
	c, rebuilt, err := OpenOrBuild(path, Fingerprint([]byte("a")), testCols, writeRows)
	if err != nil || rebuilt {
		t.Fatalf("reopening: rebuilt=%v err=%v", rebuilt, err)
	}
	c.Close()
	if exists(live) {
		t.Errorf("the killed build's %s survived", filepath.Base(live))
	}
	for _, p := range others {
		if !exists(p) {
			t.Errorf("%s was removed", filepath.Base(p))
		}
	}
}
