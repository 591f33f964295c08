package feature

import (
	"fmt"
	"os"

	"github.com/goccy/go-yaml"
)

// ParseSchema reads a YAML schema and validates it. Unknown keys are
// errors, located by line and column, so that a typo never silently drops
// an option.
func ParseSchema(src []byte) (s *Schema, err error) {
	// goccy/go-yaml v1.19.2 panics on some malformed input (a dangling tag
	// such as "fields:\n  ! 0", found by FuzzParseSchema): report it as an
	// error instead.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("schema: malformed YAML (the parser failed: %v)", r)
		}
	}()
	s = new(Schema)
	if err := yaml.UnmarshalWithOptions(src, s, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("schema: %s", yaml.FormatError(err, false, true))
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadSchema reads and validates the YAML schema in file path.
func LoadSchema(path string) (*Schema, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseSchema(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
