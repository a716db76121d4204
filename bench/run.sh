#!/bin/sh
# One command for the whole benchmark: bench/run.sh [--quick] [--bin PATH] [--json PATH] ...
# The binary defaults to _build/ll-solution-runner (or $LLSR_BIN); nothing is built here.
exec python3 "$(dirname "$0")/bench.py" "$@"
