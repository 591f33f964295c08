package optim

// Rule is an update rule: how a group turns gradients into new weights. The
// rules are SGD, Adam, Adagrad and FTRL. The interface is closed because the
// group lays out, initializes and checkpoints the state the rule keeps.
//
// A rule keeps len(Slots()) floats of state per weight. For a dense
// parameter of n weights the state is one slice of len(Slots())·n floats, slot
// after slot; a table row's state (Table.State) has the same layout over the
// row's Dim weights, so the dense and the sparse paths share one kernel.
type Rule interface {
	// Slots names the per-weight state the rule keeps, in storage order.
	Slots() []string
	// check reports hyper-parameters the rule cannot run with.
	check(lr float32) error
	// initState sets fresh state.
	initState(s []float32)
	// prepare computes this step's scalars from c.lr and c.t.
	prepare(c *stepCtx)
	// update applies one step to the weights w given the gradient g and
	// state s (len(Slots())·len(w) floats). It may overwrite g.
	update(w, g, s []float32, c *stepCtx)
}

// rowsRule is a Rule that also updates many table rows in one call, with
// the results of update row by row, bit for bit.
type rowsRule interface {
	// updateRows applies update to table rows rows of data (weights then
	// state, stride floats apart), gradient i at grad[i·dim : (i+1)·dim].
	updateRows(data []float32, stride int, rows []int32, grad []float32, dim int, c *stepCtx)
}

// stepCtx carries one step's scalars from a group to its rule's kernel.
type stepCtx struct {
	lr     float32 // the learning rate of this step, schedule applied
	t      int64   // this step's number, counted from 1
	k1, k2 float32 // rule-specific, set by prepare
}
