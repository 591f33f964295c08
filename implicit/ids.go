package implicit

import (
	"fmt"
	"strconv"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// Schema is the schema of the ranking models' examples: a user and an item
// field (columns "user" and "item", as the MovieLens and NCF readers name
// them), categorical, each with one out-of-vocabulary id for the ids not
// seen in training. The labels come from negative sampling, not from a
// column.
func Schema() *feature.Schema {
	return &feature.Schema{Name: "user-item", Fields: []feature.Field{
		{Name: "user", Type: feature.Categorical, Source: feature.User},
		{Name: "item", Type: feature.Categorical, Source: feature.Item},
	}}
}

// Encoders returns the encoders of d's id space over Schema: the user and
// item vocabularies are d's ids as the data spells them (FirstID on), in
// dense order, so that `recforge predict` reads the data's own id columns.
func (d *Dataset) Encoders() (*feature.Encoders, error) {
	vocab := func(n int) (*feature.Vocab, error) {
		toks := make([]string, n)
		for i := range toks {
			toks[i] = strconv.Itoa(d.FirstID + i)
		}
		return feature.NewVocab(toks, nil)
	}
	users, err := vocab(d.In.NumUsers)
	if err != nil {
		return nil, err
	}
	items, err := vocab(d.In.NumItems)
	if err != nil {
		return nil, err
	}
	return feature.NewEncoders(Schema(), map[string]*feature.Vocab{"user": users, "item": items}, nil)
}

// IDs maps d's dense ids to the layout ids of enc, as enc encodes the ids'
// spellings: an id enc has no entry for maps to its field's OOV id. enc
// must be of Schema's two fields (d's own Encoders, or an artifact's).
func (d *Dataset) IDs(enc *feature.Encoders) (train.PairIDs, error) {
	var ids train.PairIDs
	slots := model.NewLayout(enc).Slots
	re, err := enc.BindFeatures([]string{"user", "item"})
	if err != nil || len(slots) != 2 || slots[0].Source != feature.User || slots[1].Source != feature.Item {
		return ids, fmt.Errorf("%s: the encoders are not those of a (user, item) ranking model", d.Name)
	}
	ex := enc.NewExample()
	zero := []byte(strconv.Itoa(d.FirstID))
	encode := func(u, it []byte) error { return re.Encode([][]byte{u, it}, ex) }
	for u := range d.In.NumUsers {
		if err := encode([]byte(strconv.Itoa(d.FirstID+u)), zero); err != nil {
			return ids, err
		}
		ids.Users = append(ids.Users, ex.IDs[0])
	}
	for i := range d.In.NumItems {
		if err := encode(zero, []byte(strconv.Itoa(d.FirstID+i))); err != nil {
			return ids, err
		}
		ids.Items = append(ids.Items, ex.IDs[1])
	}
	return ids, nil
}
