package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/recforge/recforge/artifact"
)

// runVersion prints the module version (the one artifacts record), the Go
// version and, when the binary was built from a checkout, its revision.
func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", "version   (also recforge --version)", stdout, stderr)
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	goVersion := runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
	_, err := fmt.Fprintln(stdout, versionLine(artifact.BuildVersion(), goVersion, buildSettings()))
	return err
}

// buildSettings returns the build information's settings (vcs.revision,
// vcs.modified…), none when the binary has no build information.
func buildSettings() map[string]string {
	out := map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			out[s.Key] = s.Value
		}
	}
	return out
}

// versionLine is the version's one line: "recforge VERSION, GO[, revision
// REV[ (modified)]]", the version being the one artifacts record.
func versionLine(version, goVersion string, settings map[string]string) string {
	line := fmt.Sprintf("recforge %s, %s", version, goVersion)
	if rev := settings["vcs.revision"]; rev != "" {
		line += ", revision " + rev
		if settings["vcs.modified"] == "true" {
			line += " (modified)"
		}
	}
	return line
}
