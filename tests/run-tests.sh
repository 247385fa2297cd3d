#!/bin/sh
# Run the Check suites given as arguments with the services they need:
# a throwaway PostgreSQL server on a free loopback port (stopped on exit),
# a project-local ODBC driver list (no CommLog files), the HubSpot simulator
# binary's path. Prints each suite's Check summary and a total line.
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

echo "Suites: $#, Checks: $total, Failures and errors: $failed, suites that did not finish: $suites_failed"
echo "$((total - failed)) passed, $((failed + suites_failed)) failed"
[ "$failed" -eq 0 ] && [ "$suites_failed" -eq 0 ] && [ "$#" -gt 0 ]
