package memlimit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"1024", 1024}, {"16GiB", 16 << 30}, {"16gib", 16 << 30}, {"1.5 GB", 1_500_000_000},
		{"500MB", 500_000_000}, {"512 MiB", 512 << 20}, {"8e9", 8_000_000_000}, {"2T", 2e12}, {"3KiB", 3072}, {"7b", 7},
	} {
		if got, err := Parse(c.in); err != nil || got != c.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "GiB", "12 parsecs", "-1GiB", "1e30", "x12"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMemAvailable(t *testing.T) {
	p := filepath.Join(t.TempDir(), "meminfo")
	write(t, p, "MemTotal:       16315464 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n")
	if n, err := memAvailable(p); err != nil || n != 8000000*1024 {
		t.Fatalf("memAvailable = %d, %v", n, err)
	}
	write(t, p, "MemTotal: 1 kB\n")
	if _, err := memAvailable(p); err == nil {
		t.Fatal("no MemAvailable line, no error")
	}
}

func TestCgroupLeft(t *testing.T) {
	dir := t.TempDir()
	self := filepath.Join(dir, "self")
	root := filepath.Join(dir, "fs")
	// cgroup v2: limit less usage.
	write(t, self, "0::/user.slice/job\n")
	write(t, filepath.Join(root, "user.slice/job/memory.max"), "4294967296\n")
	write(t, filepath.Join(root, "user.slice/job/memory.current"), "1073741824\n")
	if n, ok := cgroupLeft(self, root); !ok || n != 3<<30 {
		t.Fatalf("v2: %d, %v; want 3 GiB", n, ok)
	}
	// "max" is no limit.
	write(t, filepath.Join(root, "user.slice/job/memory.max"), "max\n")
	if _, ok := cgroupLeft(self, root); ok {
		t.Fatal(`v2 "max" read as a limit`)
	}
	// A namespaced path that does not exist: the mount's root is the
	// process's cgroup.
	write(t, self, "0::/elsewhere\n")
	write(t, filepath.Join(root, "memory.max"), "2147483648\n")
	write(t, filepath.Join(root, "memory.current"), "0\n")
	if n, ok := cgroupLeft(self, root); !ok || n != 2<<30 {
		t.Fatalf("v2 at the root: %d, %v", n, ok)
	}
	// cgroup v1, and its "no limit" value.
	write(t, self, "12:cpu,cpuacct:/x\n9:memory:/docker/abc\n")
	write(t, filepath.Join(root, "memory/docker/abc/memory.limit_in_bytes"), "1000000\n")
	write(t, filepath.Join(root, "memory/docker/abc/memory.usage_in_bytes"), "250000\n")
	if n, ok := cgroupLeft(self, root); !ok || n != 750000 {
		t.Fatalf("v1: %d, %v", n, ok)
	}
	write(t, filepath.Join(root, "memory/docker/abc/memory.limit_in_bytes"), "9223372036854771712\n")
	if _, ok := cgroupLeft(self, root); ok {
		t.Fatal("v1 unlimited read as a limit")
	}
}

func TestLimitFromEnv(t *testing.T) {
	t.Setenv(Env, "12GiB")
	if n, src, err := Limit(); err != nil || n != 12<<30 || src != Env+"=12GiB" {
		t.Fatalf("Limit = %d, %q, %v", n, src, err)
	}
	t.Setenv(Env, "off")
	if n, _, err := Limit(); err != nil || n != -1 {
		t.Fatalf("off: %d, %v", n, err)
	}
	t.Setenv(Env, "lots")
	if _, _, err := Limit(); err == nil || !strings.Contains(err.Error(), Env+`="lots"`) {
		t.Fatalf("bad value: %v", err)
	}
	t.Setenv(Env, "")
	if n, src, err := Limit(); err != nil || (n >= 0 && !strings.Contains(src, Env)) {
		t.Fatalf("machine limit %d, %q, %v", n, src, err)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		n    float64
		want string
	}{{512, "512 B"}, {3 << 20, "3.0 MiB"}, {1.5 * (1 << 30), "1.5 GiB"}, {2 << 40, "2.0 TiB"}} {
		if got := Format(c.n); got != c.want {
			t.Errorf("Format(%v) = %q, want %q", c.n, got, c.want)
		}
	}
}
