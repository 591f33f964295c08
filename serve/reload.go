package serve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/recforge/recforge/artifact"
)

// Reload loads model name's artifact again and, unless its content is
// unchanged, swaps the new version in atomically: requests that took the
// old version finish with it, later ones get the new one. A reload that
// fails leaves the old version serving; the error is logged, counted and
// returned.
func (s *Server) Reload(name string) error {
	e := s.entry(name)
	if e == nil {
		return fmt.Errorf("serve: no model %q is served", name)
	}
	e.reloadMu.Lock()
	defer e.reloadMu.Unlock()
	old := e.cur.Load()
	v, err := loadVersion(name, e.dir, s.opts.MaxCandidates, s.opts.Replicas)
	if err != nil {
		s.metrics.reloads.WithLabelValues(name, "error").Inc()
		s.log.Error("serve: reload failed; the old version keeps serving", "model", name, "version", old.id, "err", err)
		return err
	}
	if v.id == old.id {
		// Same content: keep the old version (and its warm replicas), but
		// remember the new file info so that --watch stops firing.
		old.stat = v.stat
		s.metrics.reloads.WithLabelValues(name, "unchanged").Inc()
		s.log.Info("serve: model reloaded, unchanged", "model", name, "version", old.id)
		return nil
	}
	e.cur.Store(v)
	s.metrics.setVersion(name, old.id, v.id, v.manifest.Model)
	s.metrics.reloads.WithLabelValues(name, "ok").Inc()
	s.log.Info("serve: model reloaded", "model", name, "type", v.manifest.Model, "version", v.id, "previous", old.id)
	return nil
}

// ReloadAll reloads every model (see Reload) and returns their errors
// joined.
func (s *Server) ReloadAll() error {
	var errs []error
	for _, name := range s.names() {
		errs = append(errs, s.Reload(name))
	}
	return errors.Join(errs...)
}

func (s *Server) names() []string {
	var out []string
	for name := range *s.models.Load() {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Watch polls every model's manifest every interval until ctx ends and
// reloads a model whose manifest changed (another file, size or
// modification time): artifact.Save replaces the whole directory, so a new
// manifest means a new artifact.
func (s *Server) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, name := range s.names() {
			e := s.entry(name)
			st, err := os.Stat(filepath.Join(e.dir, artifact.ManifestFile))
			if err != nil {
				continue // being replaced, or gone: keep serving, look again
			}
			e.reloadMu.Lock()
			prev := e.cur.Load().stat
			e.reloadMu.Unlock()
			if os.SameFile(prev, st) && prev.ModTime().Equal(st.ModTime()) && prev.Size() == st.Size() {
				continue
			}
			s.Reload(name) // logged and counted on failure
		}
	}
}
