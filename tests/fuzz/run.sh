#!/bin/sh
# Run one fuzz target (built by `make fuzz`) at the lowest CPU priority:
#   tests/fuzz/run.sh TARGET SECONDS [libFuzzer options...]
# New inputs go to build-fuzz/corpus/TARGET (the seeds in tests/fuzz/corpus/
# TARGET are read, never written); crashes to build-fuzz/crashes/. Fold what
# is worth keeping back into the seed corpus with:
#   build-fuzz/fuzz/fuzz_TARGET -merge=1 tests/fuzz/corpus/TARGET build-fuzz/corpus/TARGET
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
t=${1:?usage: run.sh TARGET SECONDS [libFuzzer options]}
secs=${2:?usage: run.sh TARGET SECONDS [libFuzzer options]}
shift 2
bin="$top/build-fuzz/fuzz/fuzz_$t"
[ -x "$bin" ] || { echo "run.sh: $bin is not built: run make fuzz" >&2; exit 1; }
mkdir -p "$top/build-fuzz/corpus/$t" "$top/build-fuzz/crashes"
dict=""
[ -f "$top/tests/fuzz/$t.dict" ] && dict="-dict=$top/tests/fuzz/$t.dict"
# shellcheck disable=SC2086
exec nice -n 19 "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=16384 \
    -print_final_stats=1 -artifact_prefix="$top/build-fuzz/crashes/$t-" $dict "$@" \
    "$top/build-fuzz/corpus/$t" "$top/tests/fuzz/corpus/$t"
