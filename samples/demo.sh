#!/bin/sh
# spetl's demo, run by `make demo` (BIN=bin samples/demo.sh): a Fabrikam-like GP
# company in SQLite (demo/fabrikam.db), then the demo job against it.
#
# Works on a fresh Debian machine after `make` (which installs or names the
# packages), as root or not. Uses the same project-local ODBC driver list as the
# tests (tests/support/odbc-env.sh), so nothing in /etc is read or changed.
#
#   DEMO_CUSTOMERS=N   customers to generate (default 300)
#   DEMO_SEED=S        generator seed (default 1)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-bin}
case $BIN in /*) bindir=$BIN ;; *) bindir=$top/$BIN ;; esac
demo=$top/demo
db=$demo/fabrikam.db
customers=${DEMO_CUSTOMERS:-300}
seed=${DEMO_SEED:-1}

say() { printf '\n== %s\n' "$*"; }

for prog in spetl spetl-sample; do
    [ -x "$bindir/$prog" ] || { echo "demo: $bindir/$prog is missing: run make first" >&2; exit 1; }
done

mkdir -p "$demo"
# The drivers "SQLite3" and "PostgreSQL Unicode" in a project-local odbcinst.ini.
eval "$("$top/tests/support/odbc-env.sh" "$demo/odbc")"
export ODBCSYSINI
conn="Driver=SQLite3;Database=$db;"

say "Creating the sample company ($customers customers, seed $seed) in demo/fabrikam.db"
rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
"$bindir/spetl-sample" --conn "$conn" --create-schema --customers "$customers" --seed "$seed" \
    --prospects $((customers / 10)) --items 120 --quiet

say "What is in demo/fabrikam.db"
if command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 -separator '  ' "$db" <<'SQL'
SELECT printf('%-22s %6d', 'customers (RM00101)', COUNT(*)) FROM RM00101;
SELECT printf('%-22s %6d', 'addresses (RM00102)', COUNT(*)) FROM RM00102;
SELECT printf('%-22s %6d', 'emails (SY01200)', COUNT(*)) FROM SY01200;
SELECT printf('%-22s %6d', '  of them blank', COUNT(*)) FROM SY01200 WHERE RTRIM(INET1) = '';
SELECT printf('%-22s %6d', 'prospects (SOP00200)', COUNT(*)) FROM SOP00200;
SELECT printf('%-22s %6d', 'items (IV00101)', COUNT(*)) FROM IV00101;
SELECT printf('%-22s %6d', 'orders/invoices', COUNT(*)) FROM SOP10100;
SELECT printf('%-22s %6d', 'document lines', COUNT(*)) FROM SOP10200;
SELECT printf('  in queue %-15s %4d', RTRIM(BACHNUMB), COUNT(*)) FROM SOP10100 GROUP BY RTRIM(BACHNUMB) ORDER BY 1;
SELECT printf('first customers: %s', group_concat(RTRIM(CUSTNMBR) || ' ' || RTRIM(CUSTNAME), ', '))
  FROM (SELECT CUSTNMBR, CUSTNAME FROM RM00101 ORDER BY CUSTNMBR LIMIT 3);
SQL
else
    echo "(install sqlite3 to see the counts per table; the generator's own counts are above)"
fi

say "Validating the demo job (jobs/demo.xml)"
if [ ! -f "$top/jobs/demo.xml" ]; then
    echo "jobs/demo.xml does not exist yet: the job file is still being written."
else
    set +e
    out=$(cd "$top" && "$bindir/spetl" validate jobs/demo.xml 2>&1)
    rc=$?
    set -e
    printf '%s\n' "$out"
    if [ "$rc" -ne 0 ]; then
        if printf '%s' "$out" | grep -q 'not built yet'; then
            echo "(spetl validate is not built yet: skipped)"
        else
            echo "demo: spetl validate jobs/demo.xml failed with exit code $rc" >&2
            exit "$rc"
        fi
    fi
fi

# ---- the rest of the demo (the lead adds these steps) ---------------------
#
# 1. Start the HubSpot simulator on a free loopback port and stop it on exit:
#      "$bindir/hubspot-sim" --port ... &  sim_pid=$!; trap 'kill "$sim_pid"' EXIT
#    and point the job at it (base URL + a demo token in the environment).
#
# 2. Run the export components against the sample company:
#      "$bindir/spetl" run jobs/demo.xml company-link customer-export product-export deal-export
#
# 3. Change a few records in demo/fabrikam.db the way a GP user would, e.g.
#      UPDATE RM00101 SET PHONE1 = ..., DEX_ROW_TS = <now UTC> WHERE CUSTNMBR = 'AARONFIT0001';
#      INSERT a new RM00102 address (+ SY01200 email) for BLUEYOND0001;
#      move a document into the export queue (SOP10100.BACHNUMB = 'READY TO EXPORT').
#
# 4. Run the update components:
#      "$bindir/spetl" run jobs/demo.xml customer-updates-export prospect-updates-export deal-export
#
# 5. Print a summary: links made (spAAIntegratedEntityLink), run history, Action
#    Center errors (the hard-case customers: invalid and shared emails), e.g.
#      "$bindir/spetl" history jobs/demo.xml ; "$bindir/spetl" errors jobs/demo.xml

say "Done: demo/fabrikam.db is ready"
echo "Connection string: Driver=SQLite3;Database=$db;"
echo "(with ODBCSYSINI=$demo/odbc for the project-local driver list)"
