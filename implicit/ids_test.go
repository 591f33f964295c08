package implicit

import (
	"context"
	"strings"
	"testing"

	"github.com/recforge/recforge/data"
)

// Interactions whose ids lie outside their own id space, or outside the
// model's, are an error naming them: Forward would index past the tables.
func TestTrainRefusesIDsOutsideTheModel(t *testing.T) {
	cfg := TrainConfig{Epochs: 1, Negatives: 1, LR: 0.01}
	rows := []int32{0, 1, 2, 3}
	for _, c := range []struct {
		name string
		in   data.Interactions
		want string
	}{
		{"user beyond NumUsers", data.Interactions{Users: []int32{0, 1, 7, 2}, Items: []int32{0, 1, 2, 3}, NumUsers: 4, NumItems: 5}, "row 2: user 7 outside [0, 4)"},
		{"negative item", data.Interactions{Users: []int32{0, 1, 2, 3}, Items: []int32{0, -3, 2, 3}, NumUsers: 4, NumItems: 5}, "row 1: item -3 outside [0, 5)"},
		{"more items than the model", data.Interactions{Users: []int32{0, 1, 2, 3}, Items: []int32{0, 1, 2, 9}, NumUsers: 4, NumItems: 10}, "4 users and 10 items, the model was built for 4 and 5"},
	} {
		for _, name := range []string{"mf", "gmf", "mlp", "neumf"} {
			var m Model
			var err error
			mc := Config{Users: 4, Items: 5, Factors: 2, Layers: []int{4, 2}}
			switch name {
			case "mf":
				m, err = NewMF(mc)
			case "gmf":
				m, err = NewGMF(mc)
			case "mlp":
				m, err = NewMLP(mc)
			case "neumf":
				m, err = NewNeuMF(mc)
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = Train(context.Background(), m, c.in, rows, cfg, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s, %s: %v, want an error saying %q", c.name, name, err, c.want)
			}
		}
	}
}
