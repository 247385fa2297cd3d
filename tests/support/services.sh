# Sourced by tests/run-tests.sh and tests/run-bench.sh (POSIX sh): the
# services the suites and benchmarks need, torn down on exit.
#   set before sourcing: top (repo root), BIN (bin dir relative to top), who
#   (the caller's name, for messages)
# exports: SPETL_TEST_TMP (scratch directory, removed afterwards),
#   SPETL_TEST_PG_CONN (a throwaway PostgreSQL on a random loopback port, see pg-tmp.sh),
#   ODBCSYSINI (a project-local odbcinst.ini: no psqlODBC CommLog files),
#   SPETL_TEST_SQLITE_DRIVER, SPETL_TEST_PG_DRIVER, SPETL_SIM, SPETL_BIN, SPETL_TOP.

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spetl-$who.XXXXXX")
chmod 755 "$tmp"
cleanup() {
    "$top/tests/support/pg-tmp.sh" stop "$tmp/pg" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

eval "$("$top/tests/support/odbc-env.sh" "$tmp/odbc")" || exit 1
export ODBCSYSINI SPETL_TEST_SQLITE_DRIVER SPETL_TEST_PG_DRIVER
export SPETL_TEST_TMP="$tmp"
export SPETL_SIM="$top/$BIN/hubspot-sim"
export SPETL_BIN="$top/$BIN/spetl"
export SPETL_TOP="$top"

if SPETL_TEST_PG_CONN=$("$top/tests/support/pg-tmp.sh" start "$tmp/pg"); then
    export SPETL_TEST_PG_CONN
else
    echo "$who: could not start PostgreSQL (see above)" >&2
    exit 1
fi
