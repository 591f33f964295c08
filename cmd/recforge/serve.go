package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/recforge/recforge/pipeline"
	"github.com/recforge/recforge/serve"
)

// artifactArgs collects repeated --artifact [NAME=]DIR flags.
type artifactArgs struct{ names, dirs []string }

func (a *artifactArgs) String() string { return strings.Join(a.dirs, ",") }

// Set adds one artifact; without NAME=, the model is named after its
// directory, or after the run directory for a run's DIR/model.
func (a *artifactArgs) Set(v string) error {
	name, dir, named := strings.Cut(v, "=")
	if !named {
		dir = v
		clean := filepath.Clean(dir)
		name = filepath.Base(clean)
		if name == pipeline.ArtifactDir {
			name = filepath.Base(filepath.Dir(clean))
		}
	}
	if dir == "" || name == "" {
		return fmt.Errorf("%q: expected DIR or NAME=DIR", v)
	}
	a.names, a.dirs = append(a.names, name), append(a.dirs, dir)
	return nil
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve --artifact [NAME=]DIR [--artifact [NAME=]DIR …] [--addr HOST:PORT] [flags]", stdout, stderr)
	var arts artifactArgs
	fs.Var(&arts, "artifact", "serve the artifact in `[NAME=]DIR` (repeatable); NAME defaults to the directory's name, the run's for RUN/model")
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	maxBody := fs.Int64("max-body", 8<<20, "largest request body in `BYTES` (413 beyond)")
	maxCand := fs.Int("max-candidates", 1000, "most rows or candidates per request, and recommend's largest k (413 beyond); each replica's batch size")
	maxConc := fs.Int("max-concurrent", 64, "most scoring requests at once (503 with Retry-After beyond)")
	replicas := fs.Int("replicas", 0, "model replicas per model, the requests scored in parallel (0: GOMAXPROCS)")
	readT := fs.Duration("read-timeout", 10*time.Second, "time to read a request, headers and body")
	writeT := fs.Duration("write-timeout", 10*time.Second, "time from the end of the request's headers to the end of the response")
	idleT := fs.Duration("idle-timeout", 120*time.Second, "how long a keep-alive connection waits for its next request")
	drainT := fs.Duration("drain-timeout", 10*time.Second, "on SIGTERM or interrupt, how long to let requests in flight finish")
	watch := fs.Duration("watch", 0, "poll the artifacts' manifests every `DURATION` and reload the changed ones (0: reload on SIGHUP only)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if len(arts.dirs) == 0 {
		return missing(fs, "artifact")
	}
	if *watch < 0 {
		return badFlag("--watch %v: want a positive interval, or 0 for none", *watch)
	}
	// The library takes 0 for its defaults; on the command line the
	// defaults are the flags' own, so 0 is a mistake.
	for _, c := range []struct {
		name string
		v    int64
	}{{"max-body", *maxBody}, {"max-candidates", int64(*maxCand)}, {"max-concurrent", int64(*maxConc)}} {
		if c.v < 1 {
			return badFlag("--%s %d: want ≥ 1", c.name, c.v)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	s, err := serve.New(serve.Options{
		MaxBody: *maxBody, MaxCandidates: *maxCand, MaxConcurrent: *maxConc, Replicas: *replicas,
		ReadTimeout: *readT, WriteTimeout: *writeT, IdleTimeout: *idleT, DrainTimeout: *drainT, Logger: log,
	})
	if err != nil {
		return err
	}
	for i, dir := range arts.dirs {
		if err := s.AddModel(arts.names[i], dir); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "recforge serve: listening on http://%s; models: %s\n", ln.Addr(), strings.Join(arts.names, ", "))

	// SIGHUP reloads every artifact; a failed reload is logged and the old
	// version keeps serving.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				s.ReloadAll()
			}
		}
	}()
	if *watch > 0 {
		go s.Watch(ctx, *watch)
	}
	return s.Serve(ctx, ln)
}
