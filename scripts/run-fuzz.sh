#!/bin/sh
# Runs every libFuzzer target in DIR/fuzz for SECONDS each, one after the other (one process:
# the machine is shared). Each target fuzz-NAME starts from the seed corpus tests/fuzz-seeds/NAME/
# (read only) and keeps what it learns in DIR/corpus/NAME/. Any crash, leak, timeout or OOM input
# is copied to tests/regress/LAYER/ (LAYER: the src/ folder of fuzz-NAME.c), where the unit tests
# replay it; fix the bug, then commit the input. Prints the time each target ran and the total.
# Usage: scripts/run-fuzz.sh DIR SECONDS   (run from the repository root; `make fuzz` does)
# Extra libFuzzer options can be given in FUZZ_OPTS (e.g. FUZZ_OPTS="-max_len=65536").
set -u
dir=${1:?usage: scripts/run-fuzz.sh DIR SECONDS}
seconds=${2:?usage: scripts/run-fuzz.sh DIR SECONDS}
opts=${FUZZ_OPTS:-}

case "$seconds" in
'' | *[!0-9]*) echo "run-fuzz: SECONDS must be a number" >&2; exit 2 ;;
esac

found=0
crashes=0
total_start=$(date +%s)
for fuzzer in "$dir"/fuzz/fuzz-*; do
	[ -x "$fuzzer" ] || continue
	found=1
	base=$(basename "$fuzzer")
	name=${base#fuzz-}
	src=$(ls src/*/"$base".c 2>/dev/null | head -n 1)
	if [ -z "$src" ]; then
		echo "run-fuzz: no source for $base under src/*/" >&2
		crashes=$((crashes + 1))
		continue
	fi
	layer=$(basename "$(dirname "$src")")
	seeds=tests/fuzz-seeds/$name
	corpus=$dir/corpus/$name
	artifacts=$dir/artifacts/$name
	regress=tests/regress/$layer
	mkdir -p "$corpus" "$artifacts" "$regress"
	[ -d "$seeds" ] || seeds=

	echo "== $base: ${seconds}s, corpus $corpus${seeds:+, seeds $seeds}"
	start=$(date +%s)
	# shellcheck disable=SC2086 # opts are split on purpose
	"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$artifacts/" $opts "$corpus" $seeds \
		>"$dir/fuzz-$name.log" 2>&1
	rc=$?
	end=$(date +%s)
	tail -n 12 "$dir/fuzz-$name.log" | grep -E '^(stat::|Done|==)' || true
	echo "   ran $((end - start)) s, exit $rc"

	new=0
	for f in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
		[ -f "$f" ] || continue
		cp "$f" "$regress/"
		echo "   new regression input: $regress/$(basename "$f")"
		rm -f "$f"
		new=$((new + 1))
	done
	if [ "$rc" -ne 0 ] && [ "$new" -eq 0 ]; then
		echo "   fuzzer failed without an artifact; see $dir/fuzz-$name.log"
		new=1
	fi
	crashes=$((crashes + new))
done

if [ "$found" -eq 0 ]; then
	echo "run-fuzz: no fuzzers in $dir/fuzz (build them with: make O=$dir SAN=fuzz CC=clang fuzz-bins)" >&2
	exit 2
fi
total_end=$(date +%s)
echo "fuzzing took $((total_end - total_start)) s in total; $crashes problem(s) found"
[ "$crashes" -eq 0 ]
