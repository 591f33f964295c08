// Package memlimit says how much memory a model may take: the memory the
// machine (or the process's cgroup) has available, or what the
// RECFORGE_MEMORY_LIMIT environment variable sets. model.New refuses a
// model whose estimated footprint exceeds it, before allocating anything,
// so that an oversized configuration is an error instead of the Go
// runtime's fatal "out of memory".
package memlimit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Env names the environment variable that overrides the limit: a size
// ("16GiB", "500MB", "8e9" bytes) or "off".
const Env = "RECFORGE_MEMORY_LIMIT"

// Limit returns the bytes a model may take and where the figure comes
// from, for error messages. Env, when set, decides; "off" gives -1, no
// limit. Otherwise it is the memory available now: MemAvailable of
// /proc/meminfo, lowered to what the cgroup's memory limit leaves. Where
// neither can be read (not Linux) it returns -1.
func Limit() (int64, string, error) {
	if s, ok := os.LookupEnv(Env); ok && strings.TrimSpace(s) != "" {
		if strings.EqualFold(strings.TrimSpace(s), "off") {
			return -1, Env + "=off", nil
		}
		n, err := Parse(s)
		if err != nil {
			return 0, "", fmt.Errorf("%s=%q: %w", Env, s, err)
		}
		return n, Env + "=" + strings.TrimSpace(s), nil
	}
	avail, src := int64(-1), ""
	if n, err := memAvailable("/proc/meminfo"); err == nil {
		avail, src = n, "MemAvailable in /proc/meminfo"
	}
	if n, ok := cgroupLeft("/proc/self/cgroup", "/sys/fs/cgroup"); ok && (avail < 0 || n < avail) {
		avail, src = n, "the cgroup's memory limit less its usage"
	}
	if avail < 0 {
		return -1, "", nil
	}
	return avail, src + "; set " + Env + " to change it", nil
}

// memAvailable reads MemAvailable from a meminfo file.
func memAvailable(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			break
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, err
		}
		if len(fields) > 1 && fields[1] == "kB" {
			n *= 1024
		}
		return n, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no MemAvailable")
}

// cgroupLeft returns the memory the process's cgroup lets it still take:
// its limit less its usage, under cgroup v2 (memory.max, memory.current)
// or v1 (memory.limit_in_bytes, memory.usage_in_bytes). ok is false
// without a limit.
func cgroupLeft(selfCgroup, root string) (int64, bool) {
	b, err := os.ReadFile(selfCgroup)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(bytes.TrimSpace(b)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var limitFile, usageFile string
		switch {
		case parts[0] == "0" && parts[1] == "": // v2
			dir := filepath.Join(root, parts[2])
			limitFile, usageFile = filepath.Join(dir, "memory.max"), filepath.Join(dir, "memory.current")
		case strings.Contains(","+parts[1]+",", ",memory,"): // v1
			dir := filepath.Join(root, "memory", parts[2])
			limitFile, usageFile = filepath.Join(dir, "memory.limit_in_bytes"), filepath.Join(dir, "memory.usage_in_bytes")
		default:
			continue
		}
		limit, ok := readBytes(limitFile)
		// In a cgroup namespace the path may not exist as written: the
		// process's own cgroup is then the root of the mount.
		if !ok {
			limitFile, usageFile = filepath.Join(root, filepath.Base(limitFile)), filepath.Join(root, filepath.Base(usageFile))
			if parts[1] != "" {
				limitFile, usageFile = filepath.Join(root, "memory", filepath.Base(limitFile)), filepath.Join(root, "memory", filepath.Base(usageFile))
			}
			if limit, ok = readBytes(limitFile); !ok {
				continue
			}
		}
		// v1 writes "no limit" as a huge page-rounded number.
		if limit >= 1<<60 {
			continue
		}
		used, _ := readBytes(usageFile)
		return max(limit-used, 0), true
	}
	return 0, false
}

// readBytes reads a cgroup file holding a byte count; "max" and
// unreadable files are not a limit.
func readBytes(path string) (int64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// units are the suffixes Parse accepts, lower case.
var units = map[string]float64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "kib": 1 << 10,
	"m": 1e6, "mb": 1e6, "mib": 1 << 20,
	"g": 1e9, "gb": 1e9, "gib": 1 << 30,
	"t": 1e12, "tb": 1e12, "tib": 1 << 40,
}

// Parse reads a size in bytes: a number and an optional unit, B, kB, MB,
// GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), in any
// case: "16GiB", "1.5 GB", "8e9".
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := len(t)
	for i > 0 && (t[i-1] < '0' || t[i-1] > '9') && t[i-1] != '.' {
		i--
	}
	num, unit := strings.TrimSpace(t[:i]), strings.ToLower(strings.TrimSpace(t[i:]))
	mul, ok := units[unit]
	if !ok {
		return 0, fmt.Errorf("unknown unit %q: expected a size such as 16GiB, 500MB or 8e9", t[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || !(v >= 0) || v*mul >= math.MaxInt64 {
		return 0, fmt.Errorf("expected a size such as 16GiB, 500MB or 8e9, found %q", s)
	}
	return int64(v * mul), nil
}

// Format writes n bytes for people: "512 B", "3.1 MiB", "120.5 GiB".
func Format(n float64) string {
	switch {
	case n >= 1<<40:
		return fmt.Sprintf("%.1f TiB", n/(1<<40))
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", n/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", n/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", n/(1<<10))
	}
	return fmt.Sprintf("%.0f B", n)
}
