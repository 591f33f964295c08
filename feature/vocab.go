package feature

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Vocab maps the values of one table to local ids 0..Len()-1, in the order
// of Tokens.
type Vocab struct {
	// Tokens are the values in id order.
	Tokens []string
	// Counts are the values' counts in the fitting data (informative).
	Counts []int64

	index *tokenIndex
}

// NewVocab builds a vocabulary from tokens in id order and their counts
// (nil for none). Tokens must be distinct.
func NewVocab(tokens []string, counts []int64) (*Vocab, error) {
	if counts != nil && len(counts) != len(tokens) {
		return nil, fmt.Errorf("vocab: %d tokens but %d counts", len(tokens), len(counts))
	}
	v := &Vocab{Tokens: tokens, Counts: counts}
	if err := v.init(); err != nil {
		return nil, err
	}
	return v, nil
}

// init builds the lookup index.
func (v *Vocab) init() error {
	if len(v.Tokens) > 1<<30 {
		return fmt.Errorf("vocab: %d tokens exceed 2^30", len(v.Tokens))
	}
	seen := make(map[string]struct{}, len(v.Tokens))
	for _, t := range v.Tokens {
		if _, dup := seen[t]; dup {
			return fmt.Errorf("vocab: token %q appears twice", t)
		}
		seen[t] = struct{}{}
	}
	v.index = newTokenIndex(v.Tokens)
	return nil
}

// Len is the number of tokens.
func (v *Vocab) Len() int { return len(v.Tokens) }

// Lookup returns b's local id, without allocating.
func (v *Vocab) Lookup(b []byte) (int32, bool) {
	return v.index.get(b)
}

// vocabJSON is Vocab's serialized form. JSON strings cannot carry invalid
// UTF-8, so when any token is not valid UTF-8 all tokens travel as base64.
type vocabJSON struct {
	Tokens       []string `json:"tokens,omitempty"`
	TokensBase64 []string `json:"tokens_base64,omitempty"`
	Counts       []int64  `json:"counts,omitempty"`
}

// MarshalJSON encodes the tokens exactly, as text or base64.
func (v *Vocab) MarshalJSON() ([]byte, error) {
	out := vocabJSON{Counts: v.Counts}
	text := true
	for _, t := range v.Tokens {
		if !utf8.ValidString(t) {
			text = false
			break
		}
	}
	if text {
		out.Tokens = v.Tokens
		if out.Tokens == nil {
			out.Tokens = []string{}
		}
	} else {
		out.TokensBase64 = make([]string, len(v.Tokens))
		for i, t := range v.Tokens {
			out.TokensBase64[i] = base64.StdEncoding.EncodeToString([]byte(t))
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON decodes and indexes a vocabulary.
func (v *Vocab) UnmarshalJSON(b []byte) error {
	var in vocabJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	if in.Tokens != nil && in.TokensBase64 != nil {
		return fmt.Errorf("vocab: both tokens and tokens_base64")
	}
	tokens := in.Tokens
	if in.TokensBase64 != nil {
		tokens = make([]string, len(in.TokensBase64))
		for i, t := range in.TokensBase64 {
			raw, err := base64.StdEncoding.DecodeString(t)
			if err != nil {
				return fmt.Errorf("vocab: token %d: %v", i, err)
			}
			tokens[i] = string(raw)
		}
	}
	if tokens == nil {
		tokens = []string{}
	}
	nv, err := NewVocab(tokens, in.Counts)
	if err != nil {
		return err
	}
	*v = *nv
	return nil
}
