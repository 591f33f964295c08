#!/bin/sh
# criteo-scale.sh: the Criteo-Kaggle-sized run of BENCHMARKS.md — fit,
# encode, train one epoch of DeepFM and evaluate on synthetic:ctr rows with
# the Criteo training set's size and field cardinalities — timed stage by
# stage, with the peak memory (RSS, which counts the mapped cache) and the
# disk the cache takes.
#
#   go build -o recforge ./cmd/recforge
#   sh scripts/criteo-scale.sh ./recforge WORKDIR [ROWS] [TRAIN FLAGS...]
#
# e.g. sh scripts/criteo-scale.sh ./recforge /tmp/c45 45000000 --threads 2 --shards 4
# WORKDIR receives the cache (about 160 bytes a row) and the artifact; it is
# emptied first. Needs GNU time (/usr/bin/time).
set -eu
BIN=$1 DIR=$2
ROWS=${3:-45000000}
shift 2
[ $# -gt 0 ] && shift
rm -rf "$DIR" && mkdir -p "$DIR"
echo "$(date -u +%FT%TZ) $(nproc) cores, $(uptime)"
/usr/bin/time -v "$BIN" train --model deepfm --data "synthetic:ctr?rows=$ROWS&seed=5" --epochs 1 \
	--cache-dir "$DIR/cache" --out "$DIR/run" "$@" 2>"$DIR/stderr.txt" >"$DIR/result.json" || {
	tail -20 "$DIR/stderr.txt" >&2
	exit 1
}
# Stage lines (fit, encode, data, epochs, evaluation), then the whole.
grep -v '^\s' "$DIR/stderr.txt" | grep -v 'Command being timed' | head -20
grep -E 'Elapsed \(wall|Maximum resident' "$DIR/stderr.txt"
echo "cache on disk: $(du -sb "$DIR/cache" | cut -f1) bytes"
cat "$DIR/result.json"
echo "after: $(uptime)"
