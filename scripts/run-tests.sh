#!/bin/sh
# Runs every unit and end-to-end test binary in DIR/test and prints one summary line,
# "N passed, N failed", counted over the Check test cases of all binaries. A binary that dies
# without a Check summary counts as one failure.
# Usage: scripts/run-tests.sh DIR [FILTER]
set -u
dir=${1:?usage: scripts/run-tests.sh DIR [FILTER]}
filter=${2:-}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

export EASD_BUILD="$dir"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

passed=0
failed=0
failed_names=""
for t in "$dir"/test/*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	case "$name" in *"$filter"*) ;; *) continue ;; esac
	"$t" >"$log/$name.out" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log/$name.out" | tail -n 1)
	if [ -n "$line" ]; then
		checks=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
		fails=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
		errs=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
		bad=$((fails + errs))
		if [ "$bad" -eq 0 ] && [ "$rc" -ne 0 ]; then
			bad=1 # sanitizer report after the suite, or a leak at exit
		fi
	else
		checks=1
		bad=1
	fi
	passed=$((passed + checks - bad))
	failed=$((failed + bad))
	if [ "$bad" -eq 0 ]; then
		echo "ok   $name ($checks)"
	else
		echo "FAIL $name ($bad of $checks, exit $rc)"
		sed 's/^/    /' "$log/$name.out" | grep -vE '^    [0-9]+%: Checks|:P:' | tail -n 60
		failed_names="$failed_names $name"
	fi
done
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
