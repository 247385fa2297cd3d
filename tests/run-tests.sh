#!/bin/sh
# Run the Check suites given as arguments with the services they need:
# a throwaway PostgreSQL server on a random loopback port (stopped on exit),
# a project-local ODBC driver list (no CommLog files), the HubSpot simulator
# binary's path. Prints each suite's Check summary and a total line.
#
# Skips: a test that cannot run here prints "SKIP: suite:test:i: why"
# (tests/support/skip.h). The lines are counted and listed at the end, and
# the closing line says "N passed, N failed, N skipped". With CI=true a skip
# is a failure (the test itself fails, and the runner exits non-zero).
#
# Environment given to the suites:
#   SPETL_TEST_TMP       a scratch directory removed afterwards
#   SPETL_TEST_PG_CONN   ODBC connection string of the PostgreSQL server
#   SPETL_TEST_SQLITE_DRIVER  path of the SQLite ODBC driver
#   SPETL_SIM            path of bin/hubspot-sim
#   ODBCSYSINI           directory of the generated odbcinst.ini
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-bin}
who=run-tests
. "$top/tests/support/services.sh"

total=0
failed=0
suites_failed=0
: >"$tmp/skips"
for t in "$@"; do
    name=$(basename "$t")
    out="$tmp/$name.out"
    if [ "${SPETL_VALGRIND:-0}" = 1 ]; then
        CK_FORK=no valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
            --error-exitcode=99 --suppressions="$top/tests/valgrind.supp" "$t" >"$out" 2>&1
    else
        "$t" >"$out" 2>&1
    fi
    rc=$?
    cat "$out"
    grep -E '^SKIP: ' "$out" >>"$tmp/skips"
    summary=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$out" | tail -n 1)
    if [ -z "$summary" ]; then
        echo "run-tests: $name printed no Check summary (exit $rc)" >&2
        suites_failed=$((suites_failed + 1))
        continue
    fi
    checks=$(echo "$summary" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
    fails=$(echo "$summary" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
    errs=$(echo "$summary" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
    total=$((total + checks))
    failed=$((failed + fails + errs))
    if [ "$rc" -ne 0 ] && [ $((fails + errs)) -eq 0 ]; then
        echo "run-tests: $name exited $rc" >&2
        suites_failed=$((suites_failed + 1))
    fi
done

skipped=$(wc -l <"$tmp/skips" | tr -d ' ')
if [ "$skipped" -gt 0 ]; then
    echo "Skipped tests (they ran no check; with CI=true each is a failure):"
    sed 's/^/  /' "$tmp/skips"
fi
echo "Suites: $#, Checks: $total, Failures and errors: $failed, suites that did not finish: $suites_failed"
# A skipped test returned without failing, so Check counted it as passed
# (under CI=true it failed, and Check counted it as failed).
passed=$((total - failed))
[ "${CI:-}" = true ] || passed=$((passed - skipped))
echo "$passed passed, $((failed + suites_failed)) failed, $skipped skipped"
if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
    echo "run-tests: CI=true and $skipped test(s) skipped: a skip is a failure in CI" >&2
    exit 1
fi
[ "$failed" -eq 0 ] && [ "$suites_failed" -eq 0 ] && [ "$#" -gt 0 ]
