package model

import "github.com/recforge/recforge/nn"

// The footprints of the (user, item) ranking models, each mirroring its
// constructor.

// pairTables adds a user and an item table of width dim, each looked up
// once per row of a batch of B, and returns their row counts.
func (a *acc) pairTables(p userItem, dim, B float64) (users, items float64) {
	users, items = float64(p.users.Size), float64(p.items.Size)
	a.table(users, dim, B)
	a.table(items, dim, B)
	return users, items
}

// pairRows is the user and item rows a model keeps of a batch.
func (a *acc) pairRows(B float64) { a.i32(2 * B) }

func footprintItemPop(env Env, _ any) Footprint {
	var a acc
	p, err := newUserItem(env.Layout)
	if err != nil {
		return a.Footprint
	}
	a.buffers(float64(p.items.Size))
	a.f32(pos(env.MaxBatch))
	return a.Footprint
}

func footprintMF(env Env, c any) Footprint {
	cfg := c.(*MFConfig)
	var a acc
	p, err := newUserItem(env.Layout)
	if err != nil {
		return a.Footprint
	}
	B, F := pos(env.MaxBatch), pos(cfg.Factors)
	_, items := a.pairTables(p, F, B)
	a.table(items, 1, B)
	a.pairRows(B)
	a.f32(B + F)
	return a.Footprint
}

func footprintGMF(env Env, c any) Footprint {
	cfg := c.(*GMFConfig)
	var a acc
	p, err := newUserItem(env.Layout)
	if err != nil {
		return a.Footprint
	}
	B, F := pos(env.MaxBatch), pos(cfg.Factors)
	a.pairTables(p, F, B)
	a.dense(F, 1, B)
	a.pairRows(B)
	a.f32(B*F + F)
	return a.Footprint
}

// mlpPart is newMLPPart; it returns the tower's output width.
func (a *acc) mlpPart(p userItem, layers []int, B float64) float64 {
	d := pos(layers[0] / 2)
	a.pairTables(p, d, B)
	a.mlp(nn.MLPConfig{Hidden: layers[1:], Activation: nn.ActReLU}, 2*d, max(B, scoreChunk))
	h1 := pos(layers[1])
	a.f32(B*2*d + h1 + scoreChunk*d + scoreChunk*h1)
	return pos(layers[len(layers)-1])
}

func footprintMLP(env Env, c any) Footprint {
	cfg := c.(*MLPConfig)
	var a acc
	p, err := newUserItem(env.Layout)
	layers := ncfLayers(cfg.Layers, cfg.Factors)
	if err != nil || checkTower(layers) != nil {
		return a.Footprint
	}
	B := pos(env.MaxBatch)
	w := a.mlpPart(p, layers, B)
	a.dense(w, 1, B)
	a.pairRows(B)
	return a.Footprint
}

func footprintNeuMF(env Env, c any) Footprint {
	cfg := c.(*NeuMFConfig)
	var a acc
	p, err := newUserItem(env.Layout)
	layers := ncfLayers(cfg.Layers, cfg.Factors)
	if err != nil || checkTower(layers) != nil {
		return a.Footprint
	}
	B, F := pos(env.MaxBatch), pos(cfg.Factors)
	a.pairTables(p, F, B)
	w := a.mlpPart(p, layers, B)
	a.dense(F+w, 1, B)
	a.pairRows(B)
	a.f32(B*(F+w) + B*w + F)
	if cfg.Pretrain {
		// Both stages live beside the NeuMF while they train.
		g := footprintGMF(env, &GMFConfig{Factors: cfg.Factors})
		m := footprintMLP(env, &MLPConfig{Factors: cfg.Factors, Layers: layers})
		g.Params += m.Params
		g.TableWeights += m.TableWeights
		g.TableRows += m.TableRows
		g.Buffers += m.Buffers
		g.WorkBytes += m.WorkBytes
		g.GradBytes += m.GradBytes
		a.Pretrain = &g
	}
	return a.Footprint
}
