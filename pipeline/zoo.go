package pipeline

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/recforge/recforge/internal/atomicfile"
	"github.com/recforge/recforge/metric"
	"github.com/recforge/recforge/plot"
	"github.com/recforge/recforge/train"
)

// Stat is a mean and sample standard deviation over runs.
type Stat = metric.Stat

// Entry is one model's line of a leaderboard.
type Entry struct {
	Model string `json:"model"`
	// Runs is the number of seeds averaged.
	Runs    int             `json:"runs"`
	Metrics map[string]Stat `json:"metrics"`
	// Valid holds the validation metrics of each run's best epoch: what
	// hyper-parameters may be chosen by (never the test metrics).
	Valid map[string]Stat `json:"valid,omitempty"`
	// RowsPerSec is the training throughput.
	RowsPerSec Stat `json:"train_rows_per_sec"`
	// Seconds is the wall time of one run, evaluation included.
	Seconds Stat `json:"seconds"`
	// Tuned, when the zoo searched each model's hyper-parameters
	// (ZooOptions.Tune), says what the search chose: the configuration
	// every seed trained.
	Tuned *TuneSummary `json:"tuned,omitempty"`
}

// Reference is a number to read the leaderboard against, such as the
// synthetic generator's oracle AUC.
type Reference struct {
	Name   string  `json:"name"`
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
}

// Leaderboard compares models trained and tested on the same rows.
type Leaderboard struct {
	Data     string `json:"data"`
	Protocol string `json:"protocol"`
	Split    string `json:"split"`
	// Metric ranks the entries (auc, or rmse for regression).
	Metric     string      `json:"metric"`
	Entries    []Entry     `json:"entries"`
	References []Reference `json:"references,omitempty"`
	// Title heads leaderboard.svg; empty means "recforge zoo: " and Data.
	Title string `json:"title,omitempty"`
}

// ZooOptions choose the models and seeds of a comparison.
type ZooOptions struct {
	Models []string
	// Seeds is the number of training seeds per model (cfg.Train.Seed,
	// +1, …); the split stays fixed.
	Seeds int
	// Params holds per-model hyper-parameters (JSON) over the defaults,
	// replacing those of the configuration's Models section.
	Params map[string][]byte
	// OnRun, when set, is told of each finished run.
	OnRun func(name string, seed uint64, o *Outcome)
	// Tune, when set, searches each model's hyper-parameters on the
	// validation part first (see Tune; the trials train with the first
	// seed) and trains the chosen configuration over the seeds. Its
	// Space, when set, applies to every model.
	Tune *TuneOptions
	// OnTuned, when set, is told of each model's finished search, before
	// its seeds train; an error it returns ends the zoo.
	OnTuned func(name string, t *Tuned) error
	// Run passes progress callbacks to each training run.
	Run RunOptions
}

// Zoo trains every model of opt on p for each seed and ranks them; with
// opt.Tune, each model with the configuration a search chose on the
// validation part.
func Zoo(ctx context.Context, p *Prepared, cfg *Config, dataSpec string, opt ZooOptions) (*Leaderboard, error) {
	if len(opt.Models) == 0 {
		return nil, fmt.Errorf("zoo: no models")
	}
	if opt.Seeds < 1 {
		opt.Seeds = 1
	}
	lb := &Leaderboard{Data: dataSpec, Protocol: p.Protocol, Split: p.Split}
	for _, name := range opt.Models {
		runs, valid := map[string][]float64{}, map[string][]float64{}
		var speed, secs []float64
		base := cfg.ForModel(name)
		if b := opt.Params[name]; b != nil {
			if err := json.Unmarshal(b, &base.Model.Params); err != nil {
				return nil, fmt.Errorf("zoo: %s params: %w", name, err)
			}
		}
		var tuned *Tuned
		if opt.Tune != nil {
			var err error
			if tuned, err = Search(ctx, p, &base, dataSpec, *opt.Tune); err != nil {
				return nil, fmt.Errorf("zoo: %w", err)
			}
			base = tuned.Config
			if opt.OnTuned != nil {
				if err := opt.OnTuned(name, tuned); err != nil {
					return nil, fmt.Errorf("zoo: %s: %w", name, err)
				}
			}
		}
		for s := range opt.Seeds {
			c := base
			c.Train.Seed = cfg.Train.Seed + uint64(s)
			ro := opt.Run
			ro.Out = ""
			o, err := TrainModel(ctx, p, &c, dataSpec, ro)
			if err != nil {
				return nil, fmt.Errorf("zoo: %s seed %d: %w", name, c.Train.Seed, err)
			}
			if lb.Metric == "" {
				lb.Metric = o.Result.Watched
				if o.Result.Task == train.Binary {
					lb.Metric = "auc"
				}
			}
			for k, v := range o.Report.Metrics {
				runs[k] = append(runs[k], v)
			}
			if b := o.BestEpoch; b >= 1 && b <= len(o.Result.Epochs) {
				for k, v := range o.Result.Epochs[b-1].Valid {
					valid[k] = append(valid[k], v)
				}
			}
			speed, secs = append(speed, o.TrainRowsPerSec), append(secs, o.Seconds)
			if opt.OnRun != nil {
				opt.OnRun(name, c.Train.Seed, o)
			}
		}
		e := Entry{Model: name, Runs: opt.Seeds, Metrics: map[string]Stat{}, RowsPerSec: metric.StatOf(speed), Seconds: metric.StatOf(secs)}
		if tuned != nil {
			e.Tuned = tuned.Summary("")
		}
		for k, xs := range runs {
			if len(xs) == opt.Seeds {
				e.Metrics[k] = metric.StatOf(xs)
			}
		}
		for k, xs := range valid {
			if len(xs) == opt.Seeds {
				if e.Valid == nil {
					e.Valid = map[string]Stat{}
				}
				e.Valid[k] = metric.StatOf(xs)
			}
		}
		lb.Entries = append(lb.Entries, e)
	}
	higher, _ := train.HigherIsBetter(lb.Metric)
	slices.SortStableFunc(lb.Entries, func(a, b Entry) int {
		x, y := a.Metrics[lb.Metric].Mean, b.Metrics[lb.Metric].Mean
		if higher {
			x, y = y, x
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return lb, nil
}

// metricNames lists the metrics every entry has, the ranking metric first.
func (lb *Leaderboard) metricNames() []string {
	var names []string
	if len(lb.Entries) > 0 {
		for k := range lb.Entries[0].Metrics {
			if k != lb.Metric {
				names = append(names, k)
			}
		}
	}
	slices.Sort(names)
	return append([]string{lb.Metric}, names...)
}

// WriteTable writes the leaderboard as an aligned text table.
func (lb *Leaderboard) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	names := lb.metricNames()
	fmt.Fprintf(tw, "model\t%s\tvalid %s\trows/s\t\n", strings.Join(names, "\t"), lb.Metric)
	for _, e := range lb.Entries {
		cells := []string{e.Model}
		for _, n := range names {
			s := e.Metrics[n]
			if e.Runs > 1 {
				cells = append(cells, fmt.Sprintf("%.4f ± %.4f", s.Mean, s.Std))
			} else {
				cells = append(cells, fmt.Sprintf("%.4f", s.Mean))
			}
		}
		if v, ok := e.Valid[lb.Metric]; ok {
			cells = append(cells, fmt.Sprintf("%.4f", v.Mean))
		} else {
			cells = append(cells, "")
		}
		cells = append(cells, fmt.Sprintf("%.0f", e.RowsPerSec.Mean))
		fmt.Fprintf(tw, "%s\t\n", strings.Join(cells, "\t"))
	}
	for _, r := range lb.References {
		cells := []string{r.Name}
		for _, n := range names {
			if n == r.Metric {
				cells = append(cells, fmt.Sprintf("%.4f", r.Value))
			} else {
				cells = append(cells, "")
			}
		}
		fmt.Fprintf(tw, "%s\t\t\t\n", strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// WriteFiles writes leaderboard.csv, leaderboard.json and leaderboard.svg
// into dir, each through a temporary file and a rename.
func (lb *Leaderboard) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(lb, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, "leaderboard.json"), append(js, '\n')); err != nil {
		return err
	}
	var b strings.Builder
	cw := csv.NewWriter(&b)
	names := lb.metricNames()
	head := []string{"model", "runs"}
	for _, n := range names {
		head = append(head, n+"_mean", n+"_std")
	}
	cw.Write(append(head, "train_rows_per_sec"))
	for _, e := range lb.Entries {
		row := []string{e.Model, strconv.Itoa(e.Runs)}
		for _, n := range names {
			row = append(row, fmtFloat(e.Metrics[n].Mean), fmtFloat(e.Metrics[n].Std))
		}
		cw.Write(append(row, fmtFloat(e.RowsPerSec.Mean)))
	}
	cw.Flush()
	if err := writeAtomic(filepath.Join(dir, "leaderboard.csv"), []byte(b.String())); err != nil {
		return err
	}
	title := lb.Title
	if title == "" {
		title = "recforge zoo: " + lb.Data
	}
	chart := plot.LeaderboardChart{Title: title, Metric: lb.Metric}
	for _, e := range lb.Entries {
		s := e.Metrics[lb.Metric]
		chart.Bars = append(chart.Bars, plot.Bar{Name: e.Model, Mean: s.Mean, Std: s.Std, N: e.Runs})
	}
	for _, r := range lb.References {
		if r.Metric == lb.Metric {
			chart.References = append(chart.References, plot.Line{Label: r.Name, Value: r.Value})
		}
	}
	return plot.Leaderboard(filepath.Join(dir, "leaderboard.svg"), chart)
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'g', 8, 64) }

// writeAtomic writes b to path through a temporary file and a rename, so a
// failure never leaves a half-written file.
func writeAtomic(path string, b []byte) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
