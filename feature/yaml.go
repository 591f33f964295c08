package feature

import (
	"fmt"

	"github.com/goccy/go-yaml"

	"github.com/recforge/recforge/internal/yamlconf"
)

// ParseSchema reads a YAML schema and validates it. Unknown keys are
// errors, located by line and column, so that a typo never silently drops
// an option. A document over yamlconf.MaxBytes, or whose aliases expand
// past yamlconf.MaxNodes values, is refused before it is decoded.
func ParseSchema(src []byte) (*Schema, error) {
	s := new(Schema)
	if err := yamlconf.Unmarshal(src, s, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadSchema reads and validates the YAML schema in file path.
func LoadSchema(path string) (*Schema, error) {
	src, err := yamlconf.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := ParseSchema(src)
	if err != nil {
		return nil, yamlconf.InFile(path, err)
	}
	return s, nil
}
