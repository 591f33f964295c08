package pipeline

import (
	"github.com/recforge/recforge/artifact"
	"github.com/recforge/recforge/data"
	"github.com/recforge/recforge/feature"
	"github.com/recforge/recforge/model"
	"github.com/recforge/recforge/train"
)

// The training log's (user, item) pairs of a ranking or rating run travel
// with its artifact (artifact.SeenFile), so that recommendation can leave
// out what each user has already seen without the training files.

// seenOfRows collects the (user, item) pairs of the rows in views, by the
// layout's categorical user and item slots; nil when the layout has no
// such pair of slots.
func seenOfRows(l model.Layout, views ...train.Data) (*artifact.Seen, error) {
	user, item := -1, -1
	for k, s := range l.Slots {
		if s.Numeric {
			continue
		}
		switch s.Source {
		case feature.User:
			user = k
		case feature.Item:
			item = k
		}
	}
	if user < 0 || item < 0 {
		return nil, nil
	}
	var users, items []int32
	for _, v := range views {
		if v.Set == nil {
			continue
		}
		add := func(r int) {
			users = append(users, v.Set.IDs[r*v.Set.Slots+user])
			items = append(items, v.Set.IDs[r*v.Set.Slots+item])
		}
		if v.Rows == nil {
			for r := range v.Set.Rows {
				add(r)
			}
			continue
		}
		for _, r := range v.Rows {
			add(int(r))
		}
	}
	return artifact.NewSeen(users, items)
}

// seenOfLog collects the pairs of an interaction log's rows, mapped to the
// model's ids.
func seenOfLog(in data.Interactions, rows []int32, ids train.PairIDs) (*artifact.Seen, error) {
	users, items := make([]int32, len(rows)), make([]int32, len(rows))
	for k, r := range rows {
		users[k], items[k] = ids.Users[in.Users[r]], ids.Items[in.Items[r]]
	}
	return artifact.NewSeen(users, items)
}
