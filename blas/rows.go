package blas

import "fmt"

// GatherRows copies table rows by index, the forward pass of an embedding
// lookup: dst[i·w : (i+1)·w] = src[idx[i]·ld : idx[i]·ld+w] for every i <
// len(idx). ld ≥ w is src's row stride (a table's rows may carry optimizer
// state after their w weights). It panics on an index outside src's rows,
// before moving anything.
func GatherRows(dst, src []float32, ld int, idx []int32, w int) {
	n := checkRows("GatherRows", src, ld, idx, w, false)
	if len(dst) < n*w {
		panic(fmt.Sprintf("blas: GatherRows: dst has %d floats, %d rows of %d need %d", len(dst), n, w, n*w))
	}
	if n == 0 || w == 0 {
		return
	}
	gatherRowsImpl(dst[:n*w], src, ld, idx, w)
}

// ScatterAddRows adds rows into a table by index, the backward pass of an
// embedding lookup: dst[idx[i]·ld : idx[i]·ld+w] += src[i·w : (i+1)·w] for
// i = 0, 1, … in order, so a row indexed twice sums its gradients in the
// order of the plain loop, bit for bit. A negative index skips its row (a
// padding id, whose gradient is dropped). It panics on an index at or
// beyond dst's rows, before adding anything.
func ScatterAddRows(dst []float32, ld int, idx []int32, src []float32, w int) {
	n := checkRows("ScatterAddRows", dst, ld, idx, w, true)
	if len(src) < n*w {
		panic(fmt.Sprintf("blas: ScatterAddRows: src has %d floats, %d rows of %d need %d", len(src), n, w, n*w))
	}
	if n == 0 || w == 0 {
		return
	}
	scatterAddRowsImpl(dst, ld, idx, src[:n*w], w)
}

// checkRows panics unless every index selects a whole row of w floats of
// the table t with row stride ld (negative indices allowed when skip), and
// returns len(idx).
func checkRows(op string, t []float32, ld int, idx []int32, w int, skip bool) int {
	if w < 0 || ld < w {
		panic(fmt.Sprintf("blas: %s: row width %d and stride %d (want 0 ≤ width ≤ stride)", op, w, ld))
	}
	rows := 0
	if ld > 0 && len(t) >= w {
		rows = (len(t)-w)/ld + 1
	}
	for i, r := range idx {
		if int(r) >= rows || (r < 0 && !skip) {
			panic(fmt.Sprintf("blas: %s: index %d is %d, outside the table's %d rows", op, i, r, rows))
		}
	}
	return len(idx)
}

func gatherRowsGeneric(dst, src []float32, ld int, idx []int32, w int) {
	for i, r := range idx {
		o := int(r) * ld
		copy(dst[i*w:(i+1)*w], src[o:o+w])
	}
}

func scatterAddRowsGeneric(dst []float32, ld int, idx []int32, src []float32, w int) {
	for i, r := range idx {
		if r < 0 {
			continue
		}
		o := int(r) * ld
		row := dst[o : o+w : o+w]
		for j, v := range src[i*w : (i+1)*w] {
			row[j] += v
		}
	}
}
