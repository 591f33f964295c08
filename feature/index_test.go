package feature

import (
	"fmt"
	"testing"
)

func TestTokenIndex(t *testing.T) {
	tokens := []string{"", "a", "ab", "ab\x00", "68fd1e64", "68fd1e6", "a-token-longer-than-eight", "a-token-longer-than-eighT"}
	for i := range 1000 {
		tokens = append(tokens, fmt.Sprintf("%08x", i*7919))
	}
	x := newTokenIndex(tokens)
	for i, tok := range tokens {
		id, ok := x.get([]byte(tok))
		if !ok || int(id) != i {
			t.Fatalf("token %q: got %d, %v; want %d", tok, id, ok, i)
		}
	}
	for _, miss := range []string{"b", "ab\x00\x00", "68fd1e640", "a-token-longer-than-eigh", "a-token-longer-than-eightt", "\x00"} {
		if id, ok := x.get([]byte(miss)); ok {
			t.Fatalf("absent token %q found as id %d", miss, id)
		}
	}
	if id, ok := x.get(nil); !ok || id != 0 {
		t.Fatalf("nil looks up the empty token: got %d, %v", id, ok)
	}
}
