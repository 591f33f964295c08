package feature

// FNV-1a 64-bit parameters (http://www.isthe.com/chongo/tech/comp/fnv/).
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// fnv1a64 continues an FNV-1a hash h over b.
func fnv1a64(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime64
	}
	return h
}

// fmix64 is MurmurHash3's 64-bit finalizer: FNV-1a's low bits mix poorly,
// and bucket ids are taken modulo small counts.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

// Hash is the stable, seeded 64-bit hash of hashed fields, OOV buckets and
// group keys: FNV-1a over the seed's 8 little-endian bytes and then b,
// finished by MurmurHash3's fmix64. It is part of the encoders' format and
// must never change: models trained with it depend on its values.
func Hash(seed uint64, b []byte) uint64 {
	h := uint64(fnvOffset64)
	for i := range 8 {
		h ^= (seed >> (8 * i)) & 0xff
		h *= fnvPrime64
	}
	return fmix64(fnv1a64(h, b))
}
