package artifact

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestNewSeenGroupsSortsAndDeduplicates(t *testing.T) {
	// Pairs out of order, one repeated: user 9 saw 4 and 2, user 3 saw 7.
	s, err := NewSeen([]int32{9, 3, 9, 9}, []int32{4, 7, 2, 4})
	if err != nil {
		t.Fatal(err)
	}
	want := &Seen{Users: []int32{3, 9}, Offsets: []int64{0, 1, 3}, Items: []int32{7, 2, 4}}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("NewSeen = %+v, want %+v", s, want)
	}
	if got := s.Of(9); !reflect.DeepEqual(got, []int32{2, 4}) {
		t.Errorf("Of(9) = %v, want [2 4]", got)
	}
	if got := s.Of(5); got != nil {
		t.Errorf("Of(5) = %v, want nil", got)
	}
	if s.Pairs() != 3 {
		t.Errorf("Pairs = %d, want 3", s.Pairs())
	}
	if _, err := NewSeen([]int32{1}, []int32{-1}); err == nil {
		t.Error("NewSeen took a negative id")
	}
	if _, err := NewSeen([]int32{1, 2}, []int32{1}); err == nil {
		t.Error("NewSeen took columns of different lengths")
	}
}

func TestSaveWithSeenRoundTrips(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "model")
	ps, ts := model(7)
	seen, err := NewSeen([]int32{5, 5, 8}, []int32{11, 10, 12})
	if err != nil {
		t.Fatal(err)
	}
	if err := Save(dir, testManifest(), ps, ts, SaveOptions{Seen: seen}); err != nil {
		t.Fatal(err)
	}
	man, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if man.SeenPairs != 3 {
		t.Fatalf("manifest seen_pairs = %d, want 3", man.SeenPairs)
	}
	got, err := LoadSeen(dir, man)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, seen) {
		t.Fatalf("LoadSeen = %+v, want %+v", got, seen)
	}
	// The seen file is not model weights: Load still claims every tensor.
	ps2, ts2 := model(0)
	if _, err := Load(dir, ps2, ts2); err != nil {
		t.Fatal(err)
	}

	// An artifact saved without pairs has neither the file nor the count.
	plain := filepath.Join(t.TempDir(), "plain")
	if err := Save(plain, testManifest(), ps, ts, SaveOptions{Seen: &Seen{}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(plain, SeenFile)); !os.IsNotExist(err) {
		t.Errorf("an empty Seen wrote %s (%v)", SeenFile, err)
	}
	if man, _ := ReadManifest(plain); man.SeenPairs != 0 {
		t.Errorf("seen_pairs = %d without pairs", man.SeenPairs)
	}

	// A manifest promising pairs the directory lacks is an error naming it.
	if err := os.Remove(filepath.Join(dir, SeenFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSeen(dir, man); err == nil || !strings.Contains(err.Error(), "3 seen pairs") {
		t.Errorf("LoadSeen without the file: %v", err)
	}
}

func TestReadSeenRefusesBrokenFiles(t *testing.T) {
	good := &Seen{Users: []int32{1, 4}, Offsets: []int64{0, 2, 3}, Items: []int32{3, 6, 2}}
	b, err := seenBytes(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSeen(b, 3); err != nil {
		t.Fatalf("good file: %v", err)
	}
	if _, err := ReadSeen(b, 4); err == nil || !strings.Contains(err.Error(), "manifest says 4") {
		t.Errorf("pair count mismatch: %v", err)
	}
	for name, s := range map[string]*Seen{
		"users not ascending": {Users: []int32{4, 1}, Offsets: []int64{0, 2, 3}, Items: []int32{3, 6, 2}},
		"items not ascending": {Users: []int32{1, 4}, Offsets: []int64{0, 2, 3}, Items: []int32{6, 3, 2}},
		"offsets past items":  {Users: []int32{1, 4}, Offsets: []int64{0, 2, 4}, Items: []int32{3, 6, 2}},
		"user without items":  {Users: []int32{1, 4}, Offsets: []int64{0, 3, 3}, Items: []int32{3, 6, 7}},
		"offsets count":       {Users: []int32{1, 4}, Offsets: []int64{0, 3}, Items: []int32{3, 6, 7}},
	} {
		if err := s.check(); err == nil {
			t.Errorf("%s: check passed", name)
		}
		if _, err := seenBytes(s); err == nil {
			t.Errorf("%s: written", name)
		}
	}
	// A file missing a tensor, or holding one of the wrong type.
	u, _ := I32Tensor(seenUsers, []int{1}, []int32{1})
	it, _ := I32Tensor(seenItems, []int{1}, []int32{2})
	o32, _ := I32Tensor(seenOffsets, []int{2}, []int32{0, 1})
	for name, tensors := range map[string][]Tensor{"no offsets": {u, it}, "int32 offsets": {u, o32, it}} {
		var buf strings.Builder
		if err := WriteSafetensors(&buf, tensors, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadSeen([]byte(buf.String()), 1); err == nil {
			t.Errorf("%s: read", name)
		}
	}
}
