#!/bin/sh
# Runs every benchmark binary in DIR/bench one after the other (never in parallel: they measure
# time on a shared machine) and prints their output under a header naming each one.
# Exits 1 if a benchmark fails or none was found.
# Usage: scripts/run-benches.sh DIR [FILTER]
set -u
dir=${1:?usage: scripts/run-benches.sh DIR [FILTER]}
filter=${2:-}

ran=0
failed=""
for b in "$dir"/bench/*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	name=$(basename "$b")
	case "$name" in *"$filter"*) ;; *) continue ;; esac
	echo "== $name"
	"$b"
	rc=$?
	ran=$((ran + 1))
	if [ "$rc" -ne 0 ]; then
		echo "== $name FAILED (exit $rc)"
		failed="$failed $name"
	fi
	echo
done
if [ "$ran" -eq 0 ]; then
	echo "no benchmarks in $dir/bench" >&2
	exit 1
fi
if [ -n "$failed" ]; then
	echo "failed:$failed"
	exit 1
fi
echo "$ran benchmark(s) done"
