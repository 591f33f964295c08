package feature

import "testing"

// The published FNV-1a 64 test vectors (isthe.com/chongo/tech/comp/fnv).
func TestFNV1a64Vectors(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
	}{
		{"", 0xcbf29ce484222325},
		{"a", 0xaf63dc4c8601ec8c},
		{"foobar", 0x85944171f73967e8},
	} {
		if got := fnv1a64(fnvOffset64, []byte(c.in)); got != c.want {
			t.Errorf("fnv1a64(%q) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

// Hash is part of the serialized model: these values were recorded when it
// was written and must never change.
func TestHashIsStable(t *testing.T) {
	for _, c := range []struct {
		seed uint64
		in   string
		want uint64
	}{
		{0, "", 0x7bd3144f29c0cc9e},
		{0, "a", 0x6df9901ee878b6be},
		{0, "foobar", 0xfc1693fbb18ca149},
		{42, "a", 0xcb282f0cfdc3d8ac},
		{9223372036854775815, "68fd1e64", 0xfd97aefe53c35c24},
	} {
		if got := Hash(c.seed, []byte(c.in)); got != c.want {
			t.Errorf("Hash(%d, %q) = %#x, want %#x", c.seed, c.in, got, c.want)
		}
	}
}

// Hashed ids must spread evenly over few buckets: FNV-1a alone maps
// consecutive ids to correlated low bits.
func TestHashSpreadsOverBuckets(t *testing.T) {
	const n, buckets = 100000, 10
	var count [buckets]int
	var buf []byte
	for i := range n {
		buf = appendInt(buf[:0], i)
		count[Hash(1, buf)%buckets]++
	}
	for b, c := range count {
		// n/buckets = 10,000 with binomial sd ≈ 95; 5 sd is 475.
		if c < 9525 || c > 10475 {
			t.Errorf("bucket %d got %d of %d values", b, c, n)
		}
	}
}

func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}
