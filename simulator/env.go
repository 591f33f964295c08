package simulator

// Item is one candidate in the pool. Features are fixed at birth and shared
// between every request that shows the item: callers must not modify them.
type Item struct {
	ID       int32     // stable identifier, unique within an environment
	Features []float32 // what a policy may see of the item (content features)
	Topic    int32     // coarse category in [0, NumTopics), for diversity metrics
	Born     float64   // simulated hour the item entered circulation
}

// Request is one page view: a user asks for a slate at a simulated time and
// the environment offers the candidate pool alive at that moment. Items is
// freshly allocated for each request, so a policy may keep the request (in a
// replay memory, say) without copying it.
type Request struct {
	Seq      int64     // position in the environment's request stream, from 0
	Time     float64   // simulated hours since the start
	User     int32     // user identifier in [0, NumUsers)
	UserFeat []float32 // user features visible to the policy (built from the simulated history, not the hidden preferences)
	Context  []float32 // hour-of-day and session-position features
	Items    []Item    // the candidate pool at this moment
}

// Feedback is what the environment reveals after a slate is shown.
type Feedback struct {
	// Clicks holds one entry per slate position.
	Clicks []bool
	// SessionEnd tells whether this request was the last of the user's
	// visit; the user's next request then opens a new session.
	SessionEnd bool
	// ReturnGap is the number of simulated hours until this user's next
	// request (within the session or the next one), +Inf when the user does
	// not come back before the horizon. The environment draws it when the
	// slate is answered, from the user's satisfaction so far, so it is known
	// at once; a policy modelling delayed feedback may hold it back itself.
	ReturnGap float64
}

// Env is a seeded, deterministic environment stepping through simulated
// time. Every request returned by Next must be answered by Respond before
// Next is called again.
type Env interface {
	// Next returns the next request in time order; false once the horizon
	// is reached (or after an earlier request went unanswered: see Respond).
	Next() (Request, bool)
	// Respond shows slate (indices into req.Items, best first) to the user
	// and draws the clicks from the user model. It fails on a slate with an
	// out-of-range or repeated index, or a request that is not the one
	// outstanding.
	Respond(req Request, slate []int32) (Feedback, error)
	// Stats reports the metrics accumulated so far.
	Stats() Stats
}

// Oracle is implemented by environments whose click model is known: the
// generative one, and the replay ones whose fitted model is the ground truth
// of the semi-synthetic world.
type Oracle interface {
	// TrueProbs returns the click probability of each item in req.Items if
	// it were shown to req.User at req.Time, in a new slice. req must be the
	// request outstanding.
	TrueProbs(req Request) ([]float64, error)
}

// Policy chooses slates. Rank returns up to k distinct indices into
// req.Items, best first; Observe receives the outcome of that slate.
type Policy interface {
	Rank(req Request, k int) []int32
	Observe(req Request, slate []int32, fb Feedback)
}
