package artifact

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// SeenFile is the optional file of an artifact that holds its training
// log's (user, item) pairs, for recommending items a user has not seen.
// The manifest's SeenPairs says whether it is there.
const SeenFile = "seen.safetensors"

// Seen is each user's items in a training log, by the model's ids (layout
// ids, as the encoders map them): the items of Users[k] are
// Items[Offsets[k]:Offsets[k+1]], ascending and distinct. Users are
// ascending and distinct; a user without items is absent.
type Seen struct {
	Users   []int32
	Offsets []int64
	Items   []int32
}

// NewSeen collects the distinct items of each user from parallel columns
// of user and item ids.
func NewSeen(users, items []int32) (*Seen, error) {
	if len(users) != len(items) {
		return nil, fmt.Errorf("artifact: seen: %d users but %d items", len(users), len(items))
	}
	pairs := make([][2]int32, len(users))
	for i := range users {
		if users[i] < 0 || items[i] < 0 {
			return nil, fmt.Errorf("artifact: seen: negative id in pair %d (%d, %d)", i, users[i], items[i])
		}
		pairs[i] = [2]int32{users[i], items[i]}
	}
	slices.SortFunc(pairs, func(a, b [2]int32) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	pairs = slices.Compact(pairs)
	s := &Seen{Offsets: []int64{0}, Items: make([]int32, len(pairs))}
	for i, p := range pairs {
		if i == 0 || p[0] != pairs[i-1][0] {
			if i > 0 {
				s.Offsets = append(s.Offsets, int64(i))
			}
			s.Users = append(s.Users, p[0])
		}
		s.Items[i] = p[1]
	}
	if len(pairs) > 0 {
		s.Offsets = append(s.Offsets, int64(len(pairs)))
	}
	return s, nil
}

// Of returns user's items, ascending (nil for a user without any).
func (s *Seen) Of(user int32) []int32 {
	k, ok := slices.BinarySearch(s.Users, user)
	if !ok {
		return nil
	}
	return s.Items[s.Offsets[k]:s.Offsets[k+1]]
}

// Pairs returns the number of (user, item) pairs.
func (s *Seen) Pairs() int64 { return int64(len(s.Items)) }

// Tensor names in SeenFile.
const (
	seenUsers   = "users"
	seenOffsets = "offsets"
	seenItems   = "items"
)

// write writes s as SeenFile's safetensors.
func (s *Seen) write(w io.Writer) error {
	if err := s.check(); err != nil {
		return err
	}
	u, err := I32Tensor(seenUsers, []int{len(s.Users)}, s.Users)
	if err != nil {
		return err
	}
	o, err := I64Tensor(seenOffsets, []int{len(s.Offsets)}, s.Offsets)
	if err != nil {
		return err
	}
	it, err := I32Tensor(seenItems, []int{len(s.Items)}, s.Items)
	if err != nil {
		return err
	}
	return WriteSafetensors(w, []Tensor{u, o, it}, nil)
}

// check verifies the invariants Of relies on.
func (s *Seen) check() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("artifact: seen: "+format, args...)
	}
	if len(s.Offsets) != len(s.Users)+1 && !(len(s.Users) == 0 && len(s.Offsets) <= 1) {
		return bad("%d offsets for %d users, want %d", len(s.Offsets), len(s.Users), len(s.Users)+1)
	}
	if len(s.Users) == 0 {
		if len(s.Items) != 0 {
			return bad("%d items but no users", len(s.Items))
		}
		return nil
	}
	if s.Offsets[0] != 0 || s.Offsets[len(s.Users)] != int64(len(s.Items)) {
		return bad("offsets run from %d to %d, want 0 to %d", s.Offsets[0], s.Offsets[len(s.Users)], len(s.Items))
	}
	for k, u := range s.Users {
		if u < 0 || k > 0 && u <= s.Users[k-1] {
			return bad("user %d (%d) is negative or not above the one before", k, u)
		}
		lo, hi := s.Offsets[k], s.Offsets[k+1]
		if hi <= lo {
			return bad("user %d has offsets %d to %d: no items, or decreasing offsets", u, lo, hi)
		}
		for i := lo; i < hi; i++ {
			if s.Items[i] < 0 || i > lo && s.Items[i] <= s.Items[i-1] {
				return bad("user %d: item %d (%d) is negative or not above the one before", u, i-lo, s.Items[i])
			}
		}
	}
	return nil
}

// ReadSeen parses SeenFile's bytes and checks its invariants (see Seen),
// and that it holds pairs pairs, the manifest's count.
func ReadSeen(b []byte, pairs int64) (*Seen, error) {
	f, err := ReadSafetensors(b)
	if err != nil {
		return nil, err
	}
	var s Seen
	get := func(name string) (Tensor, error) {
		t, ok := f.Tensor(name)
		if !ok {
			return t, fmt.Errorf("artifact: seen: no tensor %q", name)
		}
		if len(t.Shape) != 1 {
			return t, fmt.Errorf("artifact: seen: tensor %q has shape %v, want one dimension", name, t.Shape)
		}
		return t, nil
	}
	if t, err := get(seenUsers); err != nil {
		return nil, err
	} else if s.Users, err = t.Int32s(); err != nil {
		return nil, err
	}
	if t, err := get(seenOffsets); err != nil {
		return nil, err
	} else if s.Offsets, err = t.Int64s(); err != nil {
		return nil, err
	}
	if t, err := get(seenItems); err != nil {
		return nil, err
	} else if s.Items, err = t.Int32s(); err != nil {
		return nil, err
	}
	if len(f.Tensors) != 3 {
		return nil, fmt.Errorf("artifact: seen: %d tensors, want users, offsets and items", len(f.Tensors))
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	if s.Pairs() != pairs {
		return nil, fmt.Errorf("artifact: seen: %d pairs, the manifest says %d", s.Pairs(), pairs)
	}
	return &s, nil
}

// LoadSeen reads the seen pairs of the artifact in dir described by man:
// nil when it has none.
func LoadSeen(dir string, man *Manifest) (*Seen, error) {
	if man.SeenPairs == 0 {
		return nil, nil
	}
	path := filepath.Join(dir, SeenFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("artifact: the manifest lists %d seen pairs: %w", man.SeenPairs, err)
	}
	s, err := ReadSeen(b, man.SeenPairs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// seenBytes is s as SeenFile's bytes.
func seenBytes(s *Seen) ([]byte, error) {
	var buf bytes.Buffer
	if err := s.write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
