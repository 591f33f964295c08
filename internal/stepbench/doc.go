// Package stepbench assembles a DeepFM-shaped training step from the engine's
// parts (nn layers, embedding tables, lazy Adam from optim) on synthetic
// Criteo-shaped ids. It exists to measure the engine — samples per second of
// one full forward, backward and update — independently of data loading and
// of the model zoo, and to check that the step cost does not grow with the
// size of the embedding tables.
package stepbench
