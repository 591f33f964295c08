package data

// EventLogColumns are the columns of an event-log record: who, what, when
// and the item's category (empty when the log has none).
var EventLogColumns = []string{"user", "item", "time", "cat"}

// OpenEventLog reads a behaviour log in the CSV layout of the Amazon
// Electronics data as prepared for DIN (torch-rechub's
// amazon_electronics_sample.csv): a header naming user_id, item_id, time
// and, optionally, cate_id, in any order (other columns are ignored), then
// one interaction per line. Ids are any non-empty text; time is an integer
// (unix seconds). Records have the columns EventLogColumns, in file order:
// package behavior orders each user's events by time.
func OpenEventLog(path string, opts ReadOptions) (Reader, error) {
	m, err := openMapped(path, "event log", []mappedCol{
		{header: "user_id", name: "user", kind: kindText, check: nonEmpty},
		{header: "item_id", name: "item", kind: kindText, check: nonEmpty},
		{header: "time", name: "time", kind: kindInt},
		{header: "cate_id", name: "cat", kind: kindText, optional: true},
	}, opts)
	if err != nil {
		return nil, err
	}
	return m, nil
}
