#!/bin/sh
# Line coverage of etl/ per folder, from a build made with --coverage whose
# suites have run (`make coverage` does both). Plain gcov (it comes with
# gcc) and awk: no other tool.
#
#   tests/support/coverage.sh BUILD_DIR
#
# Prints one line per folder of etl/ (lines gcov counts as executable, lines
# run at least once, the share) and the total; writes the same per source
# file into BUILD_DIR/coverage-files.txt. A source with no .gcda (never run)
# counts with 0 lines run.
set -eu
build=${1:?usage: coverage.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
files="$build/coverage-files.txt"

for src in $(find etl -name '*.c' | sort); do
    dir="$build/$(dirname "$src")"
    if [ ! -f "$dir/$(basename "$src" .c).gcno" ]; then
        echo "coverage: $src was not compiled with --coverage into $build" >&2
        exit 1
    fi
    # "File 'etl/x/y.c'" then "Lines executed:85.00% of 120"; headers' entries are skipped
    gcov -n -o "$dir" "$src" 2>/dev/null | awk -v want="$src" '
        /^File / { f = $2; gsub(/\047/, "", f); next }
        /^Lines executed:/ && f == want {
            pct = $2; sub(/^executed:/, "", pct); sub(/%$/, "", pct)
            printf "%s %d %d\n", f, int(pct * $4 / 100 + 0.5), $4; f = "" }'
done >"$files"

awk '{ d = $1; sub(/\/[^\/]*$/, "", d); run[d] += $2; all[d] += $3 }
     END { for (d in all) printf "%-16s %7d %7d %6.1f%%\n", d, all[d], run[d], all[d] ? 100 * run[d] / all[d] : 0 }' \
    "$files" | sort >"$files.folders"
printf '%-16s %7s %7s %7s\n' "folder" "lines" "run" "covered"
cat "$files.folders"
awk '{ r += $2; a += $3 } END { printf "%-16s %7d %7d %6.1f%%\n", "total", a, r, a ? 100 * r / a : 0 }' "$files"
rm -f "$files.folders"
