package metric

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Protocol names for the evaluation protocols recforge reports under.
const (
	// ProtocolHoldout is a fixed train/valid/test split, metrics on test.
	ProtocolHoldout = "holdout"
	// ProtocolFullRanking ranks each user's held-out items against every
	// item in the catalogue.
	ProtocolFullRanking = "full-ranking"
)

// ProtocolLOO names leave-one-out with the given number of sampled
// negatives per held-out positive, e.g. "loo-99" for the NCF protocol.
func ProtocolLOO(negatives int) string { return "loo-" + strconv.Itoa(negatives) }

// ProtocolKFold names k-fold cross-validation, e.g. "kfold-5".
func ProtocolKFold(k int) string { return "kfold-" + strconv.Itoa(k) }

// Report is a set of named metric values together with the protocol they
// were measured under. Its JSON form is
//
//	{"protocol":"holdout","metrics":{"auc":0.78,"logloss":0.45}}
//
// with metric names in sorted order, so equal reports serialize to equal
// bytes. NaN and infinite values, which JSON cannot hold, are written as
// null and read back as NaN.
type Report struct {
	// Protocol names the evaluation protocol, e.g. ProtocolHoldout.
	Protocol string
	// Metrics maps a metric name ("auc", "ndcg@10", ...) to its value.
	Metrics map[string]float64
}

// NewReport returns an empty report for the given protocol.
func NewReport(protocol string) *Report {
	return &Report{Protocol: protocol, Metrics: map[string]float64{}}
}

// Set records a metric value, replacing any previous value of that name.
func (r *Report) Set(name string, v float64) {
	if r.Metrics == nil {
		r.Metrics = map[string]float64{}
	}
	r.Metrics[name] = v
}

// Names returns the metric names in sorted order.
func (r *Report) Names() []string {
	names := make([]string, 0, len(r.Metrics))
	for n := range r.Metrics {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// MarshalJSON writes the report with sorted metric names; see Report.
func (r Report) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"protocol":`)
	p, err := json.Marshal(r.Protocol)
	if err != nil {
		return nil, err
	}
	b.Write(p)
	b.WriteString(`,"metrics":{`)
	for i, name := range r.Names() {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(name)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v := r.Metrics[name]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.WriteString("null")
		} else {
			b.Write(strconv.AppendFloat(nil, v, 'g', -1, 64))
		}
	}
	b.WriteString("}}")
	return b.Bytes(), nil
}

// UnmarshalJSON reads the form MarshalJSON writes; a null value becomes
// NaN.
func (r *Report) UnmarshalJSON(data []byte) error {
	var raw struct {
		Protocol string              `json:"protocol"`
		Metrics  map[string]*float64 `json:"metrics"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("metric: reading report: %w", err)
	}
	r.Protocol = raw.Protocol
	r.Metrics = make(map[string]float64, len(raw.Metrics))
	for k, v := range raw.Metrics {
		if v == nil {
			r.Metrics[k] = math.NaN()
		} else {
			r.Metrics[k] = *v
		}
	}
	return nil
}
