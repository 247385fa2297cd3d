#!/bin/sh
# Run the Windows build under Debian's wine64 (make test-windows): the unit
# suites built for Windows, spetl.exe --version, and validate of every job in
# jobs/ (by a relative path with backslashes, and by a drive path), and an
# end-to-end customer-export and product-export of jobs\demo.xml: a sample
# SQLite database (made by the Linux spetl-sample) read through Wine's odbc32,
# which hands the calls to this machine's unixODBC and its SQLite driver, and
# the Linux HubSpot simulator on 127.0.0.1. Prints
# each step's time and a summary; exits 1 when any step fails.
#
#   BUILD=build/win64/obj BIN=bin tests/run-windows.sh SUITE.exe...
set -u

WINE=${WINE:-/usr/lib/wine/wine64}
BUILD=${BUILD:-build/win64/obj}
BIN=${BIN:-bin}
WINEPREFIX=$(mktemp -d "${TMPDIR:-/tmp}/spetl-wine.XXXXXX")
WINEDEBUG=-all
# Wine turns this process's UTF-8 arguments and environment into Windows'
# UTF-16 by the Unix locale's charset: a UTF-8 one.
LC_ALL=C.UTF-8
export WINEPREFIX WINEDEBUG LC_ALL
trap 'rm -rf "$WINEPREFIX"' EXIT INT TERM

if [ ! -x "$WINE" ]; then
    echo "run-windows: $WINE not found: scripts/windows-deps.sh --wine installs wine64" >&2
    exit 1
fi

failed=0
passed=0
step() {
    name=$1
    shift
    t0=$(date +%s)
    if out=$("$@" 2>&1); then
        passed=$((passed + 1))
        printf "ok   %s (%ss)\n" "$name" "$(( $(date +%s) - t0 ))"
    else
        failed=$((failed + 1))
        printf "FAIL %s (%ss)\n" "$name" "$(( $(date +%s) - t0 ))"
        printf '%s\n' "$out" | sed 's/^/     /'
    fi
}

t_all=$(date +%s)
# The first start creates the prefix (some seconds); it is not a test.
"$WINE" cmd /c exit >/dev/null 2>&1 || true
echo "wine prefix ready ($(( $(date +%s) - t_all ))s)"

for suite in "$@"; do
    step "$(basename "$suite" .exe)" "$WINE" "$suite"
done
step "spetl.exe --version" "$WINE" "$BIN/spetl.exe" --version
for job in jobs/*.xml jobs/examples/*.xml; do
    [ -f "$job" ] || continue
    winpath=$(printf '%s' "$job" | tr '/' '\\')
    step "validate $winpath" "$WINE" "$BIN/spetl.exe" validate "$winpath"
done
# A drive path (Z: is / in Wine): the job's folder comes from it.
step "validate Z:$(pwd | tr '/' '\\')\\jobs\\demo.xml" \
    "$WINE" "$BIN/spetl.exe" validate "Z:$(pwd | tr '/' '\\')\\jobs\\demo.xml"

# A token file named relative to a job given by a drive path with
# backslashes: found in the job's folder, refused while its access list lets
# others read it (Wine gives mode 644 such a list), read once it is 600.
token_file() {
    d=$WINEPREFIX/tok
    mkdir -p "$d"
    sed 's|<token env="HUBSPOT_TOKEN"/>|<token file="tok.txt"/>|' jobs/demo.xml >"$d/job.xml"
    printf 'pat-na1-wine-token\n' >"$d/tok.txt"
    chmod 644 "$d/tok.txt"
    wdir="Z:$(printf '%s' "$d" | tr '/' '\\')"
    out=$(SPETL_DEMO_DB="$d/none.db" HUBSPOT_URL=http://127.0.0.1:9 "$WINE" "$BIN/spetl.exe" run "$wdir\\job.xml" 2>&1)
    if ! printf '%s' "$out" | grep -qF "token file $wdir\\tok.txt can be read or changed by"; then
        printf '%s\n' "$out" "expected: token file $wdir\\tok.txt can be read or changed by ..."
        return 1
    fi
    chmod 600 "$d/tok.txt"
    out=$(SPETL_DEMO_DB="$d/none.db" HUBSPOT_URL=http://127.0.0.1:9 "$WINE" "$BIN/spetl.exe" run "$wdir\\job.xml" 2>&1)
    if printf '%s' "$out" | grep -q "token file"; then
        printf '%s\n' "$out" "expected the token file of mode 600 to be read"
        return 1
    fi
}
step "token file beside a job given as Z:\\...\\job.xml" token_file

# The same with a folder, job file and token file named in Latin-1 and CJK,
# the token file's name given by an environment variable: the arguments
# (GetCommandLineW), the variable (_wgetenv), the job's folder and the token
# file (CreateFileW) and the messages naming them stay UTF-8; the narrow API
# would have turned the CJK into "?" and the Latin-1 into CP1252 bytes.
token_file_unicode() {
    d=$(printf '%s/tok Z\303\274rich \346\235\261\344\272\254' "$WINEPREFIX")
    tok=$(printf 't\303\266k \346\235\261\344\272\254.txt')
    job=$(printf 'job \303\274.xml')
    mkdir -p "$d"
    sed 's|<token env="HUBSPOT_TOKEN"/>|<token file="${SPETL_TEST_TOKEN}"/>|' jobs/demo.xml >"$d/$job"
    printf 'pat-na1-wine-token\n' >"$d/$tok"
    chmod 644 "$d/$tok"
    wdir="Z:$(printf '%s' "$d" | tr '/' '\\')"
    out=$(SPETL_TEST_TOKEN="$tok" SPETL_DEMO_DB="$d/none.db" HUBSPOT_URL=http://127.0.0.1:9 \
        "$WINE" "$BIN/spetl.exe" run "$wdir\\$job" 2>&1)
    if ! printf '%s' "$out" | grep -qF "$wdir\\$job:17:5: token file $wdir\\$tok can be read or changed by"; then
        printf '%s\n' "$out" "expected: $wdir\\$job:17:5: token file $wdir\\$tok can be read or changed by ..."
        return 1
    fi
    chmod 600 "$d/$tok"
    out=$(SPETL_TEST_TOKEN="$tok" SPETL_DEMO_DB="$d/none.db" HUBSPOT_URL=http://127.0.0.1:9 \
        "$WINE" "$BIN/spetl.exe" run "$wdir\\$job" 2>&1)
    if printf '%s' "$out" | grep -q "token file" || ! printf '%s' "$out" | grep -q 'msg="run begin'; then
        printf '%s\n' "$out" "expected the token file $wdir\\$tok of mode 600 to be read"
        return 1
    fi
}
step "job and token file in a folder named in Latin-1 and CJK" token_file_unicode

# 0 when the simulator on port $1 holds a company named $2 (a Python escape)
# and, with $3, whose gp_customer_number is $3; $4: how many companies it
# must hold in all.
sim_has_company() {
    python3 - "$@" <<'PY'
import json, sys, urllib.request
port, name = sys.argv[1], sys.argv[2].encode().decode("unicode_escape")
key = sys.argv[3].encode().decode("unicode_escape") if len(sys.argv) > 3 else None
recs = json.load(urllib.request.urlopen("http://127.0.0.1:%s/_sim/records/companies" % port))
recs = [r for r in recs.get("results", recs) if isinstance(r, dict)]
props = [r.get("properties", {}) for r in recs]
hit = [p for p in props if p.get("name") == name and (key is None or p.get("gp_customer_number") == key)]
if not hit or (len(sys.argv) > 4 and len(recs) != int(sys.argv[4])):
    print("simulator: no company %r (key %r) among %d: %r" % (name, key, len(recs),
          [(p.get("name"), p.get("gp_customer_number")) for p in props][:40]))
    sys.exit(1)
PY
}

# Give one active customer of the sample a non-ASCII key and name (Latin-1,
# CJK and an emoji: 1- to 4-byte UTF-8, a surrogate pair in UTF-16) in the
# SQLite file $1: its addresses and e-mail rows follow the key.
wide_customer() {
    python3 - "$1" "$WIDE_KEY" "$WIDE_NAME" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
key, name = (a.encode().decode("unicode_escape") for a in sys.argv[2:4])
old = db.execute("SELECT MIN(CUSTNMBR) FROM RM00101 WHERE INACTIVE = 0 AND CUSTNAME NOT LIKE 'M%'").fetchone()[0]
db.execute("UPDATE RM00101 SET CUSTNMBR = ?, CUSTNAME = ? WHERE CUSTNMBR = ?", (key, name, old))
db.execute("UPDATE RM00102 SET CUSTNMBR = ? WHERE CUSTNMBR = ?", (key, old))
db.execute("UPDATE SY01200 SET Master_ID = ? WHERE Master_ID = ?", (key, old))
db.execute("UPDATE SOP10100 SET CUSTNMBR = ? WHERE CUSTNMBR = ?", (key, old))
db.commit()
PY
}
WIDE_KEY='K\u00d6LN-\u6771\u4eac'
WIDE_NAME='\u6771\u4eac\u5546\u4e8b Caf\u00e9 \U0001f600'

# What the driver manager (unixODBC, behind Wine's odbc32) was handed, from
# its trace $1: statements, the connection string and diagnostics through
# the W functions only, every result column bound as SQL_C_WCHAR, text
# parameters as SQL_C_WCHAR. The narrow API would give a Windows driver the
# ANSI code page's bytes; under Wine it passes UTF-8 through unchanged, so
# the exported names alone cannot tell the two apart: the trace can.
wide_trace() {
    narrow=$(grep -cE '\]\[(SQLPrepare|SQLExecDirect|SQLDriverConnect|SQLGetDiagRec|SQLDescribeCol)\.c\]' "$1")
    wide=$(grep -cE '\]\[(SQLPrepareW|SQLDriverConnectW)\.c\]' "$1")
    cols=$(grep -c 'Target Type = ' "$1")
    cols_narrow=$(grep 'Target Type = ' "$1" | grep -vc 'SQL_WCHAR')
    params_wide=$(grep -c 'C Type = -8 SQL_C_WCHAR' "$1")
    if [ "$narrow" -ne 0 ] || [ "$wide" -eq 0 ] || [ "$cols" -eq 0 ] || [ "$cols_narrow" -ne 0 ] ||
        [ "$params_wide" -eq 0 ]; then
        echo "ODBC trace: $narrow narrow statement/connect/diagnostic calls (want 0), $wide W ones,"
        echo "$cols_narrow of $cols result columns not bound as SQL_C_WCHAR (want 0 of more than 0),"
        echo "$params_wide parameters bound as SQL_C_WCHAR (want more than 0)"
        return 1
    fi
}

# The end-to-end export. Database= is a Linux path: the SQLite driver that
# opens it is the Linux one (Wine's odbc32 forwards to unixODBC).
e2e() {
    dir=$WINEPREFIX/e2e
    mkdir -p "$dir"
    eval "$(tests/support/odbc-env.sh "$dir/odbc")"
    # the SQL scripts of this checkout, wherever BIN is (a Linux path is a path of Z: in Wine)
    # An ASCII path: Debian's SQLite driver has only the narrow functions, and
    # unixODBC converts SQLDriverConnectW's string for it before the
    # connection's UTF-8 conversion exists, so a non-ASCII Database= path
    # arrives as "?" (statements and data, converted after, arrive whole).
    # SQL Server's drivers on Windows take the W call as it is.
    export ODBCSYSINI SPETL_DEMO_DB="$dir/fabrikam.db" HUBSPOT_TOKEN=pat-na1-wine-e2e SPETL_SQL_DIR="$(pwd)/sql"
    "$BIN/spetl-sample" --conn "Driver=SQLite3;Database=$SPETL_DEMO_DB;" --create-schema \
        --customers 30 --seed 1 --prospects 3 --items 10 --quiet >/dev/null || return 1
    wide_customer "$SPETL_DEMO_DB" || return 1
    printf '\n[ODBC]\nTrace=Yes\nTraceFile=%s\n' "$dir/odbc-trace.log" >>"$ODBCSYSINI/odbcinst.ini"
    "$BIN/hubspot-sim" --port 0 --token "$HUBSPOT_TOKEN" >"$dir/sim.out" 2>"$dir/sim.log" &
    sim=$!
    port=""
    i=0
    while [ -z "$port" ] && [ $i -lt 50 ]; do
        port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/sim.out")
        [ -n "$port" ] || sleep 0.1
        i=$((i + 1))
    done
    export HUBSPOT_URL="http://127.0.0.1:$port"
    rc=1
    if [ -n "$port" ] && "$WINE" "$BIN/spetl.exe" -q init-db 'jobs\demo.xml' &&
        "$WINE" "$BIN/spetl.exe" -q setup-hubspot 'jobs\demo.xml' >/dev/null; then
        "$WINE" "$BIN/spetl.exe" run 'jobs\demo.xml' customer-export product-export >"$dir/run.log" 2>&1
        code=$?
        cat "$dir/run.log"
        # seed 1: two addresses share an e-mail by design (the demo's failed records, exit 1)
        # the second run finds every company by the link spetl stored with
        # its key (a text parameter): none is created twice
        "$WINE" "$BIN/spetl.exe" run 'jobs\demo.xml' customer-export >"$dir/run2.log" 2>&1
        cat "$dir/run2.log"
        if [ "$code" -eq 1 ] &&
            grep -q 'comp=customer-export msg="failed-records: read=105 created=103 .* failed=2' "$dir/run.log" &&
            grep -q 'comp=product-export msg="ok: read=10 created=10 ' "$dir/run.log" &&
            sim_has_company "$port" 'M\u00fcller & S\u00f6hne GmbH' &&
            sim_has_company "$port" "$WIDE_NAME" "$WIDE_KEY" 30 &&
            wide_trace "$dir/odbc-trace.log"; then
            rc=0
        else
            echo "spetl.exe run exited $code; expected 1 with 103 records created, 10 products,"
            echo "the companies M\u00fcller & S\u00f6hne GmbH and $WIDE_NAME ($WIDE_KEY) in the"
            echo "simulator, 30 companies after a second run, and only wide text in the ODBC trace"
        fi
    fi
    kill "$sim" 2>/dev/null
    wait "$sim" 2>/dev/null
    return $rc
}
if [ -x "$BIN/spetl-sample" ] && [ -x "$BIN/hubspot-sim" ]; then
    step "end-to-end run jobs\demo.xml (SQLite through odbc32, simulator)" e2e
else
    failed=$((failed + 1))
    echo "FAIL end-to-end: $BIN/spetl-sample and $BIN/hubspot-sim (Linux, make) are missing"
fi

echo "windows: $passed passed, $failed failed in $(( $(date +%s) - t_all ))s"
[ "$failed" -eq 0 ]
