package metric

import (
	"encoding/json"
	"math"
	"testing"
)

func TestReportJSONStableOrder(t *testing.T) {
	r := NewReport(ProtocolLOO(99))
	r.Set("ndcg@10", 0.4)
	r.Set("auc", 0.75)
	r.Set("hr@10", 0.625)
	r.Set("mrr", math.NaN())
	want := `{"protocol":"loo-99","metrics":{"auc":0.75,"hr@10":0.625,"mrr":null,"ndcg@10":0.4}}`
	for range 5 { // map iteration order varies; the bytes must not
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Fatalf("JSON = %s\nwant   %s", b, want)
		}
	}
	var back Report
	if err := json.Unmarshal([]byte(want), &back); err != nil {
		t.Fatal(err)
	}
	if back.Protocol != "loo-99" || back.Metrics["auc"] != 0.75 || back.Metrics["ndcg@10"] != 0.4 || !math.IsNaN(back.Metrics["mrr"]) {
		t.Errorf("round trip = %+v", back)
	}
}

func TestReportValueAndEmpty(t *testing.T) {
	// A Report value (not pointer) marshals the same way, and a value that
	// needs an exponent is still valid JSON.
	b, err := json.Marshal(Report{Protocol: ProtocolHoldout, Metrics: map[string]float64{"logloss": 1e-7}})
	if err != nil || string(b) != `{"protocol":"holdout","metrics":{"logloss":1e-07}}` {
		t.Errorf("JSON = %s, %v", b, err)
	}
	if !json.Valid(b) {
		t.Errorf("invalid JSON %s", b)
	}
	b, err = json.Marshal(Report{Protocol: ProtocolKFold(5)})
	if err != nil || string(b) != `{"protocol":"kfold-5","metrics":{}}` {
		t.Errorf("empty JSON = %s, %v", b, err)
	}
	var r Report
	if err := json.Unmarshal([]byte(`{"protocol":1}`), &r); err == nil {
		t.Error("bad JSON accepted")
	}
}
