#!/bin/bash
# Builds every libFuzzer target with clang (ASan + UBSan) and runs each for
# a fixed time on a scratch copy of its seed corpus. Any crash fails.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET]   (default 30)
# TAP on stdout: one line per target.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-30}
work=$(mktemp -d /tmp/llsr-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

if ! command -v clang >/dev/null 2>&1; then
	echo "1..1"
	echo "ok 1 - fuzzing # SKIP clang is not installed"
	exit 0
fi
# The autoconf header the sources include; nothing in it is needed here.
: >"$work/config.h"
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
 -D_GNU_SOURCE -std=c11 -I$top/include -I$work $(pkg-config --cflags json-c)"
libs="$(pkg-config --libs json-c)"
lib_srcs="b64 buf config demux err harness log outcome request result utf8"
# config.c's built-in seccomp profile, made as the Makefile makes it.
{
	echo 'const char config_seccomp_builtin[] = {'
	od -An -v -tx1 <"$top/conf/seccomp.json" | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'
	echo '0};'
} >"$work/seccomp_builtin.c"

targets="b64 demux request report"
echo "1..$(echo "$targets" | wc -w)"
n=0
rc=0
for t in $targets; do
	n=$((n + 1))
	srcs="$work/seccomp_builtin.c"
	for m in $lib_srcs; do srcs="$srcs $top/src/$m.c"; done
	extra=""
	# shellcheck disable=SC2086
	if ! clang $flags $srcs "$top/tests/fuzz/fuzz_$t.c" -o "$work/fuzz_$t" $libs $extra \
		>"$work/build_$t.log" 2>&1; then
		echo "not ok $n - fuzz_$t: build failed"
		sed 's/^/# /' "$work/build_$t.log" | head -20
		rc=1
		continue
	fi
	mkdir -p "$work/corpus_$t"
	cp -r "$top/tests/fuzz/corpus/$t/." "$work/corpus_$t/" 2>/dev/null || true
	if "$work/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$work/crash_$t-" "$work/corpus_$t" >"$work/run_$t.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/run_$t.log" | grep -o '[0-9]*$' || echo "?")
		echo "ok $n - fuzz_$t: $runs runs in ${secs}s, no crash"
	else
		echo "not ok $n - fuzz_$t crashed"
		grep -E 'ERROR|SUMMARY|runtime error' "$work/run_$t.log" | head -10 | sed 's/^/# /'
		for f in "$work"/crash_"$t"-*; do
			[ -f "$f" ] && echo "# input (base64): $(base64 -w0 "$f" | head -c 400)"
		done
		rc=1
	fi
done
exit $rc
