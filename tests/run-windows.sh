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
export WINEPREFIX WINEDEBUG
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

# 1 when the simulator holds a company of that name (a Python escape: the
# sample's non-ASCII customer arrives as UTF-8 text through Wine's odbc32).
sim_has_company() {
    python3 - "$1" "$2" <<'PY'
import json, sys, urllib.request
want = sys.argv[2].encode().decode("unicode_escape")
recs = json.load(urllib.request.urlopen("http://127.0.0.1:%s/_sim/records/companies" % sys.argv[1]))
names = [r.get("properties", {}).get("name") for r in recs.get("results", recs) if isinstance(r, dict)]
sys.exit(0 if want in names else 1)
PY
}

# The end-to-end export. Database= is a Linux path: the SQLite driver that
# opens it is the Linux one (Wine's odbc32 forwards to unixODBC).
e2e() {
    dir=$WINEPREFIX/e2e
    mkdir -p "$dir"
    eval "$(tests/support/odbc-env.sh "$dir/odbc")"
    # the SQL scripts of this checkout, wherever BIN is (a Linux path is a path of Z: in Wine)
    export ODBCSYSINI SPETL_DEMO_DB="$dir/fabrikam.db" HUBSPOT_TOKEN=pat-na1-wine-e2e SPETL_SQL_DIR="$(pwd)/sql"
    "$BIN/spetl-sample" --conn "Driver=SQLite3;Database=$SPETL_DEMO_DB;" --create-schema \
        --customers 30 --seed 1 --prospects 3 --items 10 --quiet >/dev/null || return 1
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
        if [ "$code" -eq 1 ] &&
            grep -q 'comp=customer-export msg="failed-records: read=105 created=103 .* failed=2' "$dir/run.log" &&
            grep -q 'comp=product-export msg="ok: read=10 created=10 ' "$dir/run.log" &&
            sim_has_company "$port" 'M\u00fcller & S\u00f6hne GmbH'; then
            rc=0
        else
            echo "spetl.exe run exited $code; expected 1 with 103 records created, 10 products and"
            echo "the company M\u00fcller & S\u00f6hne GmbH in the simulator"
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
