package serve

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics, in a registry of its own so
// that several servers (tests) do not share counters.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // model, endpoint, code
	latency  *prometheus.HistogramVec // model, endpoint, code
	errors   *prometheus.CounterVec   // model, endpoint, error code
	panics   *prometheus.CounterVec   // endpoint
	inFlight prometheus.Gauge
	rows     *prometheus.CounterVec // model, endpoint
	info     *prometheus.GaugeVec   // model, version, type
	reloads  *prometheus.CounterVec // model, result
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "recforge_serve_requests_total",
			Help: "Requests answered, by model, endpoint and HTTP status code (model is empty for unknown models).",
		}, []string{"model", "endpoint", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "recforge_serve_request_duration_seconds",
			Help: "Time from the handler's start to the response's last byte written, by model, endpoint and status code.",
			// 25 µs to about 13 s.
			Buckets: prometheus.ExponentialBuckets(25e-6, 2, 20),
		}, []string{"model", "endpoint", "code"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "recforge_serve_errors_total",
			Help: "Error responses by model, endpoint and error code (malformed_json, invalid_value, overloaded, internal, …).",
		}, []string{"model", "endpoint", "error"}),
		panics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "recforge_serve_panics_total",
			Help: "Handler panics recovered and answered 500, by endpoint.",
		}, []string{"endpoint"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "recforge_serve_in_flight_requests",
			Help: "Scoring requests being handled.",
		}),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "recforge_serve_rows_scored_total",
			Help: "Rows (predict, infer), candidates (rank) and catalogue items (recommend) scored, by model and endpoint.",
		}, []string{"model", "endpoint"}),
		info: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "recforge_serve_model_info",
			Help: "1 for the version each model serves, with the registered model type.",
		}, []string{"model", "version", "type"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "recforge_serve_reloads_total",
			Help: "Artifact reloads by model and result: ok (a new version serves), unchanged (same content), error (the old version keeps serving).",
		}, []string{"model", "result"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.errors, m.panics, m.inFlight, m.rows, m.info, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// observe records one answered request.
func (m *metrics) observe(model, endpoint string, status int, errCode string, d time.Duration) {
	code := statusText(status)
	m.requests.WithLabelValues(model, endpoint, code).Inc()
	m.latency.WithLabelValues(model, endpoint, code).Observe(d.Seconds())
	if errCode != "" {
		m.errors.WithLabelValues(model, endpoint, errCode).Inc()
	}
}

// statusText is the decimal status code, without allocating for the usual
// ones.
func statusText(status int) string {
	switch status {
	case 200:
		return "200"
	case 400:
		return "400"
	case 404:
		return "404"
	case 413:
		return "413"
	case 500:
		return "500"
	case 503:
		return "503"
	}
	return strconv.Itoa(status)
}

// setVersion makes version the one model serves in the info gauge.
func (m *metrics) setVersion(model, old, version, typ string) {
	if old != "" {
		m.info.DeletePartialMatch(prometheus.Labels{"model": model})
	}
	m.info.WithLabelValues(model, version, typ).Set(1)
}
