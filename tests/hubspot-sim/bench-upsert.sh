#!/bin/sh
# bench-upsert.sh -- smoke figure for the simulator's hot path: batch upserts of 100 new
# contacts, CALLS calls over PAR connections (curl -Z), against a fresh bin/hubspot-sim.
# Prints records/s; asserts nothing. Needs curl >= 7.66 (parallel transfers).
#
#   tests/hubspot-sim/bench-upsert.sh [CALLS=500] [PAR=4] [extra simulator options...]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
sim=${SPETL_SIM:-$top/bin/hubspot-sim}
calls=${1:-500}
par=${2:-4}
[ $# -ge 2 ] && shift 2 || shift $#
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sim-bench.XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$sim" "$@" >"$tmp/out" &
pid=$!
i=0
while ! grep -q listening "$tmp/out" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "bench-upsert: the simulator did not start" >&2; exit 1; }
    sleep 0.1
done
port=$(sed 's/.*://' "$tmp/out")
url="http://127.0.0.1:$port/crm/v3/objects/contacts/batch/upsert"

awk -v calls="$calls" -v dir="$tmp" -v url="$url" 'BEGIN {
    for (r = 0; r < calls; r++) {
        f = dir "/b" r ".json"
        printf "{\"inputs\":[" > f
        for (i = 0; i < 100; i++)
            printf "%s{\"id\":\"user%d_%d@example.com\",\"idProperty\":\"email\",\"properties\":{\"firstname\":\"F%d\",\"lastname\":\"L%d\",\"phone\":\"555-0100\",\"city\":\"Boise\",\"jobtitle\":\"Buyer\"}}", (i ? "," : ""), r, i, i, r > f
        printf "]}" > f
        close(f)
        if (r) print "next" > (dir "/curl.cfg")
        printf "url = \"%s\"\nheader = \"Authorization: Bearer bench\"\nheader = \"Content-Type: application/json\"\ndata = \"@%s\"\noutput = \"/dev/null\"\n", url, f > (dir "/curl.cfg")
    }
}'

cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
start=$(date +%s%N)
curl -s -Z --parallel-max "$par" -K "$tmp/curl.cfg" 2>/dev/null
end=$(date +%s%N)
cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
stats=$(curl -s "http://127.0.0.1:$port/_sim/stats")
created=$(echo "$stats" | sed -E 's/.*"created":([0-9]+).*/\1/')
ms=$(((end - start) / 1000000))
[ "$ms" -gt 0 ] || ms=1
tick=$(getconf CLK_TCK)
cpu_ms=$(((cpu1 - cpu0) * 1000 / tick))
echo "bench-upsert: $calls calls x 100 contacts, $par connections: $created records created in $ms ms = $((created * 1000 / ms)) records/s (simulator CPU $cpu_ms ms = $((cpu_ms * 1000 / calls)) us per call)"
