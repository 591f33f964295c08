package pipeline

import "testing"

func TestSyntheticReferences(t *testing.T) {
	refs, err := SyntheticReferences("synthetic:ctr?rows=20000&seed=3&max_vocab=50", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != 2 || refs[0].Metric != "auc" {
		t.Fatalf("references %+v", refs)
	}
	// The planted crosses carry signal of their own, so the truth ranks
	// better than its first-order part, and both beat chance.
	if !(refs[0].Value > refs[1].Value && refs[1].Value > 0.6 && refs[0].Value < 1) {
		t.Errorf("oracle %.4f, first-order %.4f", refs[0].Value, refs[1].Value)
	}
	if _, err := SyntheticReferences("criteo:x", 1); err == nil {
		t.Error("a file spec was accepted")
	}
}
