#!/bin/sh
# Run the benchmark binaries given as arguments with the same services the
# tests get (tests/run-tests.sh): a throwaway PostgreSQL on a random loopback
# port, a project-local odbcinst.ini, a scratch directory. Benchmarks print
# figures; nothing here compares them to thresholds. Exits non-zero only when
# a benchmark could not run to its end.
#
# Environment given to the benchmarks: SPETL_TEST_TMP, SPETL_TEST_PG_CONN,
# SPETL_TEST_SQLITE_DRIVER, ODBCSYSINI, SPETL_SIM, SPETL_BIN, SPETL_TOP
# (SPETL_BENCH_ROWS and other SPETL_BENCH_* pass through).
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-bin}
who=run-bench
. "$top/tests/support/services.sh"

failed=0
for b in "$@"; do
    echo "== $(basename "$b")"
    if ! "$b"; then
        echo "run-bench: $(basename "$b") did not finish (exit $?)" >&2
        failed=$((failed + 1))
    fi
done
echo "Benchmarks: $#, did not finish: $failed"
[ "$failed" -eq 0 ]
