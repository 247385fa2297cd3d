#!/bin/sh
# Run the Windows build under Debian's wine64 (make test-windows): the unit
# suites built for Windows, spetl.exe --version, and validate of every job in
# jobs/ (by a relative path with backslashes, and by a drive path). Prints
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

echo "windows: $passed passed, $failed failed in $(( $(date +%s) - t_all ))s"
[ "$failed" -eq 0 ]
