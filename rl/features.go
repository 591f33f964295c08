package rl

import (
	"fmt"
	"math"

	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/simulator"
)

// The agent's own observations, beyond what a request carries, become the
// DRN feature groups:
//
//	state  = [user features | context | activeness, log(1+clicks seen)/5]
//	action = [item features | freshness, item CTR, log(1+impressions)/5 |
//	          profile ⊙ item features, user's share of clicks on the item's topic]
//
// The profile is the decayed mean of the features of the items the user
// clicked, so profile ⊙ item is the user–item interaction the paper builds
// from reading history; item CTR and impressions are the agent's own decayed
// counts (the paper's item click counts over recent windows).
const (
	extraState = 2
	extraItem  = 3
	extraUI    = 1
)

// dims are the feature widths of one environment.
type dims struct {
	user, ctx, item int
}

func dimsOf(req simulator.Request) dims {
	d := dims{user: len(req.UserFeat), ctx: len(req.Context)}
	if len(req.Items) > 0 {
		d.item = len(req.Items[0].Features)
	}
	return d
}

func (d dims) state() int  { return d.user + d.ctx + extraState }
func (d dims) action() int { return d.item + extraItem + d.item + extraUI }
func (d dims) width() int  { return d.state() + d.action() }

// schema declares the columns of a row, in order, as numeric fields
// passed through unchanged: the state fields (source user or context)
//
//	user_0 … user_{U−1}, context_0 … context_{C−1}, activeness, clicks
//
// then the action fields (source item)
//
//	item_0 … item_{I−1}, freshness, item_ctr, item_impressions,
//	profile_item_0 … profile_item_{I−1}, topic_share
//
// (clicks and item_impressions are log(1+count)/5, profile_item_j the
// user's profile times item feature j). It is the schema of the
// registered Q-network ("drn") that the agent trains and saves.
func (d dims) schema() feature.Schema {
	var s feature.Schema
	add := func(name string, src feature.Source) {
		s.Fields = append(s.Fields, feature.Field{Name: name, Type: feature.Numeric, Source: src})
	}
	many := func(prefix string, n int, src feature.Source) {
		for j := range n {
			add(fmt.Sprintf("%s_%d", prefix, j), src)
		}
	}
	s.Name = "drn"
	many("user", d.user, feature.User)
	many("context", d.ctx, feature.Context)
	add("activeness", feature.User)
	add("clicks", feature.User)
	many("item", d.item, feature.Item)
	add("freshness", feature.Item)
	add("item_ctr", feature.Item)
	add("item_impressions", feature.Item)
	many("profile_item", d.item, feature.Item)
	add("topic_share", feature.Item)
	return s
}

// userState is what the agent remembers of one user.
type userState struct {
	act      Activeness
	clicks   float64   // decayed clicks seen
	profile  []float32 // decayed sum of clicked items' features
	topics   []float32 // decayed clicks per topic
	decayedT float64   // time the decayed quantities refer to
	// pending is the user's last step, waiting for their next request to
	// supply the next state.
	pending     bool
	pendRows    []float32
	pendRewards []float32
}

// itemState is what the agent remembers of one item.
type itemState struct {
	imps, clicks float64 // decayed
	t            float64
}

func decay(halfLife, dt float64) float64 {
	if dt <= 0 {
		return 1
	}
	return math.Exp2(-dt / halfLife)
}

// decayUser brings a user's decayed counts to time t.
func (a *Agent) decayUser(u *userState, t float64) {
	if t <= u.decayedT {
		return
	}
	f := decay(a.cfg.HistoryHalfLife, t-u.decayedT)
	u.clicks *= f
	ff := float32(f)
	for j := range u.profile {
		u.profile[j] *= ff
	}
	for j := range u.topics {
		u.topics[j] *= ff
	}
	u.decayedT = t
}

func (a *Agent) item(id int32, t float64) *itemState {
	ix, ok := a.itemIx[id]
	if !ok {
		ix = len(a.items)
		a.items = append(a.items, itemState{t: t})
		a.itemIx[id] = ix
	}
	s := &a.items[ix]
	if t > s.t {
		f := decay(a.cfg.HistoryHalfLife, t-s.t)
		s.imps *= f
		s.clicks *= f
		s.t = t
	}
	return s
}

// fill writes the feature rows of every candidate of req into a.feat.
func (a *Agent) fill(req simulator.Request, u *userState) {
	d := a.dims
	w := d.width()
	n := len(req.Items)
	a.growFeat(n)
	t := req.Time
	st := a.state[:d.state()]
	copy(st, req.UserFeat)
	copy(st[d.user:], req.Context)
	st[d.user+d.ctx] = float32(u.act.At(a.cfg.Activeness, t))
	st[d.user+d.ctx+1] = float32(math.Log1p(u.clicks) / 5)
	var invClicks float32
	if u.clicks > 0 {
		invClicks = float32(1 / (u.clicks + 1))
	}
	for i := range req.Items {
		it := &req.Items[i]
		row := a.feat[i*w : (i+1)*w]
		copy(row, st)
		r := row[d.state():]
		copy(r, it.Features)
		is := a.item(it.ID, t)
		age := t - it.Born
		if age < 0 {
			age = 0
		}
		r[d.item] = float32(math.Exp(-age / a.cfg.FreshScale))
		r[d.item+1] = float32((is.clicks + 0.1) / (is.imps + 1))
		r[d.item+2] = float32(math.Log1p(is.imps) / 5)
		ui := r[d.item+extraItem:]
		for j, x := range it.Features {
			ui[j] = u.profile[j] * invClicks * x
		}
		var share float32
		if tp := int(it.Topic); tp >= 0 && tp < len(u.topics) {
			share = u.topics[tp] * invClicks
		}
		ui[d.item] = share
	}
}

func (a *Agent) growFeat(n int) {
	w := a.dims.width()
	if len(a.feat) < n*w {
		c := max(n, 2*len(a.q))
		a.feat = make([]float32, c*w)
		a.q = make([]float32, c)
		a.qe = make([]float32, c)
		a.order = make([]int32, c)
		a.orderE = make([]int32, c)
		a.used = make([]bool, c)
	}
}
