#!/bin/sh
# One command for the whole benchmark: bench/run.sh [--quick] [--bin PATH] [--json PATH] ...
# bench/run.sh --batch [--bin PATH] [--batch-size N] ... runs the MBPP batch
# benchmark (bench/batch.py) instead.
# The binary defaults to _build/ll-solution-runner (or $LLSR_BIN); nothing is built here.
if [ "${1:-}" = "--batch" ]; then
	shift
	exec python3 "$(dirname "$0")/batch.py" "$@"
fi
exec python3 "$(dirname "$0")/bench.py" "$@"
