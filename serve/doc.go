// Package serve serves recforge artifacts over HTTP: it loads an artifact's
// fitted encoders and model, encodes raw feature values exactly as training
// read them, and scores them.
//
// Endpoints (see Server.Handler):
//
//	POST /v1/models/{name}:predict    {"rows": [{"C1": "68fd1e64", "I1": 3, …}, …]}
//	POST /v1/models/{name}:rank       {"context": {…}, "candidates": [{…}, …], "top_k": 10}
//	POST /v1/models/{name}:recommend  {"user": "42", "k": 10, "exclude_seen": true, "seen": ["7"]}
//	GET  /v2/health/live, /v2/health/ready
//	GET  /v2/models/{name}, /v2/models/{name}/ready
//	POST /v2/models/{name}/infer      Open Inference Protocol (KServe v2), JSON
//	GET  /metrics                     Prometheus text format
//
// A request's keys are the schema's source column names (a field's column,
// which is its name unless the schema says otherwise). A value is a JSON
// string or number for a categorical or numeric column, taken as the text
// the training file would have held (a number as its literal, so 3 is "3"
// and 3.0 is "3.0"), and an array of strings or numbers for a sequence
// column, joined with the field's separator. A missing key, null, "" and
// [] are all a missing value, which the field's missing policy handles as
// training did (an error when the policy is "error"). Unseen categorical
// values map to the out-of-vocabulary ids training assigned them. The label
// and group columns may be sent and are ignored.
//
// :recommend ranks the whole catalogue of a ranking or rating model (the
// item field's vocabulary) for one user and answers the top k items with
// the scores predict gives them; exclude_seen (the default) leaves out the
// user's items in the training log stored with the artifact
// (artifact.SeenFile), and seen lists more to leave out. Models that
// score many items at once (model.ItemScorer) share the user's work
// across the catalogue; the others score it by Forward in batches.
//
// A request's body is read before the request takes one of the
// MaxConcurrent slots, so that slow clients hold none. /v2/health/ready
// answers 503 with a reason when the server cannot score: no model loaded,
// shutting down, or every slot held for a second with none freed. Weights
// holding NaN or infinities are refused at load (by package artifact), and
// a NaN or infinite score is never returned.
//
// Each model's loaded version holds a pool of replicas that share the
// weights and own their scratch buffers, so requests score in parallel
// without copying a table per core. Reload swaps the version atomically: a
// request takes the version once and uses it throughout, so it never mixes
// two versions, and the old one is freed when its last request ends.
//
// Boundaries: training, artifacts and encoders belong to packages pipeline,
// artifact and feature; flags and signals (SIGHUP reloads, SIGTERM drains)
// to the command, which calls Reload, Watch and Serve.
package serve
