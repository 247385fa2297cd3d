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

# The job reads its database, simulator address and token from the environment.
export SPETL_DEMO_DB="$db"
export HUBSPOT_TOKEN="pat-na1-demo-token-not-a-secret"

say "Validating the demo job (jobs/demo.xml): no database, no network"
(cd "$top" && "$bindir/spetl" validate jobs/demo.xml)

say "Starting the HubSpot simulator on a free loopback port"
simlog=$demo/hubspot-sim.log
"$bindir/hubspot-sim" --port 0 --token "$HUBSPOT_TOKEN" >"$demo/sim.out" 2>"$simlog" &
sim_pid=$!
trap 'kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null' EXIT INT TERM
port=""
i=0
while [ -z "$port" ] && [ $i -lt 50 ]; do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$demo/sim.out")
    [ -n "$port" ] || sleep 0.1
    i=$((i + 1))
done
[ -n "$port" ] || { echo "demo: the simulator did not start (see $simlog)" >&2; exit 1; }
export HUBSPOT_URL="http://127.0.0.1:$port"
echo "simulator at $HUBSPOT_URL"

say "spetl init-db: spetl's own tables (safe to run twice)"
(cd "$top" && "$bindir/spetl" -q init-db jobs/demo.xml)

say "spetl setup-hubspot: the properties the mappings need"
(cd "$top" && "$bindir/spetl" -q setup-hubspot jobs/demo.xml | grep -E 'created|set up')

say "spetl check: database, token, hub, scopes, properties"
(cd "$top" && "$bindir/spetl" -q check jobs/demo.xml)

run_spetl() {
    # exit 1 means "some records failed": the sample company has bad and shared
    # e-mails on purpose, and they land in the Action Center. Anything else stops.
    set +e
    (cd "$top" && "$bindir/spetl" "$@")
    rc=$?
    set -e
    case $rc in
    0) ;;
    1) echo "(exit 1: some records failed, as the sample company means them to; see spetl errors below)" ;;
    *) echo "demo: spetl $* failed with exit code $rc" >&2; exit "$rc" ;;
    esac
}

# POST a JSON body to the simulator (python3: the demo needs no curl).
sim_post() {
    python3 -c 'import sys, urllib.request as u
r = u.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST", headers={"Content-Type": "application/json"})
print(u.urlopen(r).read().decode())' "$HUBSPOT_URL$1" "$2"
}

if command -v sqlite3 >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    say "Companies already in HubSpot: two named as customers, one with a customer's e-mail domain, one unknown"
    name1=$(sqlite3 "$db" "SELECT RTRIM(CUSTNAME) FROM RM00101 ORDER BY CUSTNMBR LIMIT 1")
    name2=$(sqlite3 "$db" "SELECT UPPER(RTRIM(CUSTNAME)) FROM RM00101 ORDER BY CUSTNMBR LIMIT 1 OFFSET 3")
    mail1=$(sqlite3 "$db" "SELECT LOWER(RTRIM(i.INET1)) FROM SY01200 i JOIN RM00101 c ON RTRIM(c.CUSTNMBR) = RTRIM(i.Master_ID)
        WHERE i.INET1 LIKE '%@%' ORDER BY c.CUSTNMBR, i.ADRSCODE LIMIT 1")
    domain=$(sqlite3 "$db" "SELECT d FROM (SELECT LOWER(SUBSTR(RTRIM(INET1), INSTR(INET1, '@') + 1)) d,
        COUNT(DISTINCT Master_ID) n, MIN(Master_ID) m FROM SY01200 WHERE INET1 LIKE '%@%' GROUP BY 1)
        WHERE n = 1 ORDER BY m LIMIT 1 OFFSET 10")
    sim_post /_sim/seed/contacts "{\"records\":[{\"properties\":{\"email\":\"$mail1\"}}]}" >"$demo/seed.json"
    contact=$(sed -n 's/.*"ids":\["\([0-9]*\)".*/\1/p' "$demo/seed.json")
    sim_post /_sim/seed/companies "{\"records\":[
        {\"properties\":{\"name\":\"$name1\"},\"associations\":[{\"to_object\":\"contacts\",\"to_id\":\"$contact\"}]},
        {\"properties\":{\"name\":\"$name2\"}},
        {\"properties\":{\"name\":\"Web lead\",\"domain\":\"www.$domain\"}},
        {\"properties\":{\"name\":\"Nobody We Know Ltd\"}}]}" >/dev/null
    echo "\"$name1\" (with contact $mail1), \"$name2\", \"Web lead\" (www.$domain), \"Nobody We Know Ltd\""

    say "spetl run: company-link (links them to their customers; writes nothing else anywhere)"
    run_spetl -q run jobs/demo.xml company-link
    (cd "$top" && "$bindir/spetl" -q links jobs/demo.xml)
    echo "(customer-export below makes no second company for these customers; their other addresses join the linked company)"
fi

say "spetl run: customer-export and product-export (companies, contacts, products)"
run_spetl -q run --report "$demo/first-run.json" jobs/demo.xml customer-export product-export
echo "report: demo/first-run.json"

say "A GP user changes two customers' phones and three item descriptions"
if command -v sqlite3 >/dev/null 2>&1; then
    # GP's zDT_ triggers move DEX_ROW_TS, as they would on SQL Server.
    sqlite3 "$db" "UPDATE RM00101 SET PHONE1 = '31255501990000' WHERE RTRIM(CUSTNMBR) IN ('AARONFIT0001', 'ADAMPARK0001');
UPDATE IV00101 SET ITEMDESC = RTRIM(ITEMDESC) || ' (new model)' WHERE DEX_ROW_ID <= 3;"
    echo "changed: AARONFIT0001, ADAMPARK0001 (PHONE1); the first three items (ITEMDESC)"
else
    echo "(sqlite3 is not installed: no changes made, the updates below find nothing to send)"
fi

say "spetl run: customer-updates-export and product-export (only what changed is sent)"
run_spetl -q run jobs/demo.xml customer-updates-export product-export

say "A rerun with nothing changed sends no write"
run_spetl -q run jobs/demo.xml customer-updates-export product-export

say "spetl run: deal-export (the documents in queue READY TO EXPORT become deals with line items)"
queues() {
    if command -v sqlite3 >/dev/null 2>&1; then
        sqlite3 -separator '  ' "$db" "SELECT printf('  in queue %-15s %4d', RTRIM(BACHNUMB), COUNT(*)) FROM SOP10100 GROUP BY RTRIM(BACHNUMB) ORDER BY 1;"
    fi
}
echo "before:"; queues
run_spetl -q run jobs/demo.xml deal-export
echo "after (exported documents moved on to the next queue of spWorkflowQueueOrder):"; queues

say "Three companies are created in HubSpot; company-customer-import makes them customers"
if command -v python3 >/dev/null 2>&1; then
    sim_post /_sim/seed/contacts '{"records":[{"properties":{"email":"ana@northwind.example","firstname":"Ana","lastname":"Trujillo"}}]}' >"$demo/seed2.json"
    cid=$(sed -n 's/.*"ids":\["*\([0-9][0-9]*\).*/\1/p' "$demo/seed2.json")
    sim_post /_sim/seed/companies '{"records":[
        {"properties":{"name":"Northwind Traders","city":"Seattle"},"associations":[{"to_object":"contacts","to_id":"'"$cid"'"}]},
        {"properties":{"name":"Café Olé","city":"Québec"}},{"properties":{"name":"Tailspin Toys","phone":"+1 425 555 0100"}}]}' >/dev/null
    run_spetl -q run jobs/demo.xml company-customer-import
    if command -v sqlite3 >/dev/null 2>&1; then
        sqlite3 "$db" "SELECT 'new customer: ' || RTRIM(CUSTNMBR) || ' ' || RTRIM(CUSTNAME) FROM RM00101
            WHERE CUSTNMBR IN (SELECT Entity_Key FROM spAAIntegratedEntityLink WHERE Entity_Type = 'CUSTOMER')
            AND (CUSTNAME LIKE 'Northwind%' OR CUSTNAME LIKE 'Caf%' OR CUSTNAME LIKE 'Tailspin%')"
    fi
else
    echo "(python3 is not installed: no companies seeded)"
fi

say "spetl history"
(cd "$top" && "$bindir/spetl" -q history --limit 8 jobs/demo.xml)

say "spetl errors (the first ten): the sample's invalid and shared e-mails"
(cd "$top" && "$bindir/spetl" -q errors --limit 10 jobs/demo.xml)

say "Done"
echo "demo/fabrikam.db: the sample company (Driver=SQLite3;Database=$db; with ODBCSYSINI=$demo/odbc)"
echo "Try: HUBSPOT_TOKEN=... SPETL_DEMO_DB=$db bin/spetl history jobs/demo.xml"
