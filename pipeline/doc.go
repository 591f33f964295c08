// Package pipeline runs recforge's workflows end to end over data specs:
// fit the encoders on the training part, build the encoded caches, train a
// model (package train), evaluate it under a named protocol and save one
// self-contained artifact; load an artifact back to evaluate or score new
// rows with the very encoders fitted at training time; compare models in a
// leaderboard; search a model's hyper-parameters (Tune: package tune's
// successive halving, every trial trained by TrainModel and scored on the
// validation part only, the test part read once, by the chosen
// configuration's final evaluation).
//
// It is the library behind the recforge command, which only parses flags
// and renders results; it prints nothing itself.
package pipeline
