//go:build !race

package blas

// raceEnabled: see race_on_test.go.
const raceEnabled = false
