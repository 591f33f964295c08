// Package synth generates synthetic recommendation data whose ground truth is
// known: Criteo-like CTR logs with planted feature crosses, behaviour
// sequences whose click depends only on the recent behaviours, and low-rank
// rating and implicit-feedback matrices. Demos, tests and benchmarks use it
// to check that a model learns what was planted, and to measure the pipeline
// at any scale without shipping real data.
//
// Every generator is a pure function of its Config, seed included: the same
// Config gives byte-identical rows and files on every run and platform. Each
// also exposes its truth — the click probability of every row and the oracle
// AUC it implies — so a model's score can be read against the best possible
// one.
//
// The package produces data only. Reading files back is package data's job
// (the CTR generator also serves rows through data.Reader so that the whole
// pipeline is exercised), and encoding them is package feature's.
package synth
