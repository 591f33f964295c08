package feature

import (
	"strings"
	"testing"
)

// A schema is read through the same bounds as a configuration: aliases
// that expand without bound are refused before decoding.
func TestParseSchemaRefusesAliasBomb(t *testing.T) {
	src := "fields:\n  - {name: y, type: label}\n  - &f0 {name: a, type: categorical}\n"
	for i := 1; i <= 8; i++ {
		prev := "*f" + string(rune('0'+i-1))
		src += "  - &f" + string(rune('0'+i)) + " [" + strings.TrimSuffix(strings.Repeat(prev+", ", 10), ", ") + "]\n"
	}
	_, err := ParseSchema([]byte(src))
	if err == nil || !strings.Contains(err.Error(), "schema: the document holds") || !strings.Contains(err.Error(), "limit of 100000") {
		t.Fatalf("error %v", err)
	}
}
