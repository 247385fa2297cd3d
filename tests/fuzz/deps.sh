#!/bin/sh
# Check that the C compiler given (default clang-14) can build a libFuzzer
# target with ASan and UBSan. Run as root: installs Debian 12's packages for
# it when it cannot. Run as anyone else: names them and exits 1.
# (Only `make fuzz` needs this; the corpus replay in `make test` uses gcc.)
set -eu

cc=${1:-clang-14}
ver=$(echo "$cc" | sed -n 's/^clang-\([0-9][0-9]*\)$/\1/p')
ver=${ver:-14}
pkgs="clang-$ver libclang-rt-$ver-dev"

probe() {
    command -v "$cc" >/dev/null 2>&1 || return 1
    dir=$(mktemp -d)
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        >"$dir/probe.c"
    ok=0
    "$cc" -fsanitize=fuzzer,address,undefined "$dir/probe.c" -o "$dir/probe" >/dev/null 2>&1 || ok=1
    rm -rf "$dir"
    return $ok
}

if probe; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "spetl: $cc cannot build libFuzzer targets (-fsanitize=fuzzer)" >&2
    echo "spetl: install them with: sudo apt-get install -y $pkgs" >&2
    exit 1
fi
echo "spetl: installing Debian packages for fuzzing: $pkgs" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $pkgs >&2
probe || { echo "spetl: $cc still cannot build libFuzzer targets" >&2; exit 1; }
