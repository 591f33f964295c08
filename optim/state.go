package optim

import "fmt"

// StateTensor is one named slice of a group's optimizer state.
type StateTensor struct {
	// Name is "<param>.<slot>".
	Name string
	// Data holds one float per weight of the parameter.
	Data []float32
}

// State returns the optimizer state of the group's dense parameters, one
// tensor per parameter and rule slot, named "<param>.<slot>" (e.g.
// "mlp.0.w.m" for Adam's first moment). The slices alias the live state:
// copy them out to checkpoint. Tables' state lives in Table.Data, and the step
// count is Steps.
func (g *Group) State() []StateTensor {
	slots := g.rule.Slots()
	var ts []StateTensor
	for _, d := range g.params {
		n := len(d.p.W)
		for j, slot := range slots {
			ts = append(ts, StateTensor{Name: d.p.Name + "." + slot, Data: d.s[j*n : (j+1)*n : (j+1)*n]})
		}
	}
	return ts
}

// LoadState restores state saved from State: every tensor of the group must
// be present once with its length. On error nothing is changed.
func (g *Group) LoadState(saved []StateTensor) error {
	live := g.State()
	idx := make(map[string]int, len(live))
	for i, t := range live {
		idx[t.Name] = i
	}
	seen := make([]bool, len(live))
	for _, t := range saved {
		i, ok := idx[t.Name]
		switch {
		case !ok:
			return fmt.Errorf("optim: group %q has no state %q", g.name, t.Name)
		case seen[i]:
			return fmt.Errorf("optim: group %q: state %q given twice", g.name, t.Name)
		case len(t.Data) != len(live[i].Data):
			return fmt.Errorf("optim: group %q: state %q has %d floats, want %d", g.name, t.Name, len(t.Data), len(live[i].Data))
		}
		seen[i] = true
	}
	for i, ok := range seen {
		if !ok {
			return fmt.Errorf("optim: group %q: state %q missing", g.name, live[i].Name)
		}
	}
	for _, t := range saved {
		copy(live[idx[t.Name]].Data, t.Data)
	}
	return nil
}
