#!/bin/sh
# device-scaling.sh: data-parallel training scaling of recforge (issue 19) on
# a many-core machine, from a test binary built on the development machine:
#
#   go test -c -o scaling.test ./train
#   (copy scaling.test to the machine with the repository)
#   sh scripts/device-scaling.sh ./scaling.test
#
# Run from the repository root: the benchmark reads feature/testdata/criteo.yaml
# relative to train/. It times one epoch of training steps (batches gathered as
# Fit gathers them; replicas built before the timer) of DeepFM (defaults, 40,960
# synthetic Criteo rows) and DIN (defaults,
# synthetic behaviour set) at batch 4096:
#   - the unsharded baseline: shards 1, 1 thread (today's single-core path);
#   - shards 16 on 1, 2, 4, 8 and 16 threads (the same weights bit for bit:
#     threads only decide how many shards run at once).
# Matrix products run single-threaded inside each shard (blas.SetThreads(1)).
# Expected runtime on a 16-core machine: about 1-2 minutes; each
# `timeout` bounds one invocation so that the whole stays under 4 minutes.
set -eu
BIN=$(cd "$(dirname "${1:-./scaling.test}")" && pwd)/$(basename "${1:-./scaling.test}")
[ -x "$BIN" ] || { echo "no test binary at $BIN (go test -c -o scaling.test ./train)" >&2; exit 2; }
cd "$(dirname "$0")/../train"
echo "cores: $(nproc)  $(uptime)"
OUT=${OUT:-/tmp}/scaling.txt
: > "$OUT"
bench() { # shards threads
	RECFORGE_BENCH_SHARDS=$1 RECFORGE_BENCH_THREADS=$2 RECFORGE_BENCH_MODELS=deepfm,din \
		timeout 100 "$BIN" -test.run '^$' -test.bench '^BenchmarkShardedEpoch$' -test.benchtime 3x 2>&1 |
		grep '^Benchmark' | tee -a "$OUT"
}
bench 1 1
bench 16 1,2,4,8,16
echo "after: $(uptime)"
# Speedups against the unsharded single-thread baseline, per model.
awk '{
	split($1, p, "/"); m = p[2]; cfg = p[3] "/" p[4]; sub(/-[0-9]+$/, "", cfg)
	for (i = 2; i <= NF; i++) if ($(i+1) == "rows/s") r = $i
	if (cfg == "shards=1/threads=1") base[m] = r
	rows[m, ++n[m]] = cfg " " r
} END {
	for (m in n) for (i = 1; i <= n[m]; i++) {
		split(rows[m, i], f, " ")
		printf "%-7s %-22s %9.0f rows/s  %5.2fx the unsharded 1-thread rate\n", m, f[1], f[2], f[2] / base[m]
	}
}' "$OUT"
