package metric

import (
	"errors"
	"fmt"
	"math"
)

// Float is the set of element types the metrics accept for scores and labels.
type Float interface {
	~float32 | ~float64
}

// Sentinel errors. Every error the package returns wraps one of them, so
// callers can test with errors.Is.
var (
	// ErrEmpty reports an input with no elements.
	ErrEmpty = errors.New("metric: empty input")
	// ErrLength reports slices that should have equal lengths but do not.
	ErrLength = errors.New("metric: length mismatch")
	// ErrNaN reports a NaN score or prediction.
	ErrNaN = errors.New("metric: NaN value")
	// ErrLabel reports a label outside the allowed set or range.
	ErrLabel = errors.New("metric: invalid label")
	// ErrRange reports a prediction outside its allowed range (a probability
	// outside [0, 1], an infinite value where a finite one is required) or
	// an invalid parameter such as K < 1.
	ErrRange = errors.New("metric: value out of range")
	// ErrUndefined reports a metric that is undefined for valid input, such
	// as AUC when only one class is present. The value returned with it is
	// NaN.
	ErrUndefined = errors.New("metric: undefined")
)

// checkPair validates two equal-length non-empty slices with no NaN in a.
func checkPair[F Float](what string, a, b []F) error {
	if len(a) != len(b) {
		return fmt.Errorf("%w: %s: %d scores but %d labels", ErrLength, what, len(a), len(b))
	}
	if len(a) == 0 {
		return fmt.Errorf("%w: %s", ErrEmpty, what)
	}
	for i, v := range a {
		if v != v {
			return fmt.Errorf("%w: %s: score %d is NaN", ErrNaN, what, i)
		}
	}
	return nil
}

// checkBinary validates scores and 0/1 labels and counts the positives.
func checkBinary[F Float](what string, scores, labels []F) (pos int, err error) {
	if err := checkPair(what, scores, labels); err != nil {
		return 0, err
	}
	for i, y := range labels {
		switch y {
		case 1:
			pos++
		case 0:
		default:
			return 0, fmt.Errorf("%w: %s: label %d is %v, want 0 or 1", ErrLabel, what, i, float64(y))
		}
	}
	return pos, nil
}

// checkFinite validates that every value in a is finite (used for
// regression targets and predictions).
func checkFinite[F Float](what, name string, a []F) error {
	for i, v := range a {
		f := float64(v)
		if math.IsNaN(f) {
			return fmt.Errorf("%w: %s: %s %d is NaN", ErrNaN, what, name, i)
		}
		if math.IsInf(f, 0) {
			return fmt.Errorf("%w: %s: %s %d is infinite", ErrRange, what, name, i)
		}
	}
	return nil
}
