#!/bin/sh
# Cross-build the libraries spetl.exe links (libcurl with Schannel, Jansson,
# libxml2, and Check for the unit suites) for 64-bit Windows with Debian's
# mingw-w64, from Debian's own source packages (apt-get source: the release
# tarball plus Debian's patches), into a prefix that later builds reuse.
#
#   scripts/windows-deps.sh [PREFIX] [--wine]
#
# PREFIX defaults to build/win64/prefix. Each library is built once: a stamp
# in PREFIX names the source version, and a library whose stamp is there is
# skipped. --wine also installs Debian's wine64 (make test-windows runs the
# programs under it). Run as root on a bare Debian 12 machine, it installs the
# Debian packages it needs (and adds deb-src lines to apt's sources when
# apt-get source finds none); run as anyone else it names what is missing.
#
# Everything is static (no DLL to ship beside spetl.exe). What each library
# leaves out, and why:
#   libcurl: only http, https (Schannel: Windows' TLS and certificate store)
#            and smtp/smtps for the e-mail module; no zlib, brotli, zstd,
#            IDN, PSL, HTTP/2, LDAP, SSH. spetl asks for no compression.
#   libxml2: no python, iconv, ICU, zlib, lzma, HTTP or FTP: job files are
#            UTF-8, which libxml2 reads without iconv; no HTML, catalogs,
#            legacy API, Schematron, modules, C14N, XInclude or XPointer
#            (spetl parses job files and validates them with XML Schema).
set -eu

HOST=x86_64-w64-mingw32
CC_X="$HOST-gcc-posix"
PREFIX=build/win64/prefix
WANT_WINE=no
for a in "$@"; do
    case "$a" in
    --wine) WANT_WINE=yes ;;
    -*) echo "windows-deps: unknown option $a" >&2; exit 2 ;;
    *) PREFIX=$a ;;
    esac
done
mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)
WORK=$(dirname "$PREFIX")/src
JOBS=$(nproc 2>/dev/null || echo 2)

say() { echo "windows-deps: $*" >&2; }

# --- Debian packages ---------------------------------------------------------
need_pkgs() {
    pkgs="gcc-mingw-w64-x86-64 dpkg-dev cmake make pkg-config xz-utils"
    [ "$WANT_WINE" = yes ] && pkgs="$pkgs wine64"
    missing=""
    for p in $pkgs; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        say "missing Debian packages:$missing"
        say "install them with: sudo apt-get install -y$missing"
        exit 1
    fi
    say "installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
}

# apt-get source needs deb-src entries; Debian 12 images often carry only deb.
add_deb_src() {
    if [ "$(id -u)" -ne 0 ]; then
        say "apt has no deb-src entries; as root this script adds them"
        exit 1
    fi
    src=/etc/apt/sources.list.d/debian.sources
    out=/etc/apt/sources.list.d/spetl-deb-src.sources
    if [ -f "$src" ]; then
        sed 's/^Types: deb$/Types: deb-src/' "$src" > "$out"
    else
        grep -h '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' \
            > /etc/apt/sources.list.d/spetl-deb-src.list
    fi
    say "added deb-src entries; apt-get update"
    apt-get update -qq >&2
}

# Download and unpack (with Debian's patches) the source package $1 into
# $WORK; prints the unpacked directory. The patches can touch configure.ac and
# Makefile.am: the generated files are touched after them so that make uses
# the release's configure instead of calling autotools.
fetch() {
    mkdir -p "$WORK/dl"
    if ! ls "$WORK/dl/$1"_*.dsc >/dev/null 2>&1; then
        if ! (cd "$WORK/dl" && apt-get source -qq --download-only "$1" >&2 2>/dev/null); then
            add_deb_src
            (cd "$WORK/dl" && apt-get source -qq --download-only "$1" >&2)
        fi
    fi
    dsc=$(ls "$WORK/dl/$1"_*.dsc | tail -n 1)
    ver=$(sed -n 's/^Version: //p' "$dsc")
    dir="$WORK/$1-$ver"
    if [ ! -d "$dir" ]; then
        dpkg-source --no-check -x "$dsc" "$dir.tmp" >&2
        find "$dir.tmp" \( -name aclocal.m4 -o -name configure -o -name Makefile.in \
            -o -name '*config.h.in' \) -exec touch {} +
        mv "$dir.tmp" "$dir"
        rm -f "$WORK"/*.orig.tar.* # dpkg-source's copy; the download stays in dl/
    fi
    echo "$dir"
}

stamp_of() { echo "$PREFIX/.built-$1"; }

configure_make() {
    (cd "$1" && shift && ./configure --host="$HOST" --prefix="$PREFIX" \
        --disable-shared --enable-static --disable-dependency-tracking \
        CC="$CC_X" CFLAGS="${LIB_CFLAGS:--O2}" "$@" >&2)
}

build_curl() {
    dir=$(fetch curl)
    configure_make "$dir" --with-schannel --without-openssl --without-gnutls \
        --disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp \
        --disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
        --disable-smb --disable-gopher --disable-mqtt --disable-manual \
        --without-zlib --without-brotli --without-zstd --without-libidn2 \
        --without-libpsl --without-nghttp2 --without-libssh2 --without-librtmp
    make -C "$dir/lib" -j"$JOBS" >&2
    make -C "$dir/lib" install >&2
    make -C "$dir/include" install >&2
    install -m 644 "$dir/libcurl.pc" "$PREFIX/lib/pkgconfig/libcurl.pc"
}

build_jansson() {
    dir=$(fetch jansson)
    cmake -S "$dir" -B "$dir/_win64" -DCMAKE_SYSTEM_NAME=Windows \
        -DCMAKE_C_COMPILER="$CC_X" -DCMAKE_RC_COMPILER="$HOST-windres" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" \
        -DJANSSON_BUILD_SHARED_LIBS=OFF -DJANSSON_BUILD_DOCS=OFF \
        -DJANSSON_EXAMPLES=OFF -DJANSSON_WITHOUT_TESTS=ON >&2
    cmake --build "$dir/_win64" -j "$JOBS" >&2
    cmake --install "$dir/_win64" >&2
    # Jansson's CMake names msvcrt's "I64d" for json_int_t; spetl prints
    # through mingw's C99 printf (__USE_MINGW_ANSI_STDIO), which reads "lld".
    sed -i 's/#define JSON_INTEGER_FORMAT "I64d"/#define JSON_INTEGER_FORMAT "lld"/' \
        "$PREFIX/include/jansson_config.h"
}

build_libxml2() {
    dir=$(fetch libxml2)
    configure_make "$dir" --without-python --without-iconv --without-icu \
        --without-zlib --without-lzma --without-http --without-ftp \
        --without-debug --without-docbook --without-html --without-catalog \
        --without-legacy --without-schematron --without-modules --without-c14n \
        --without-xinclude --without-xptr
    make -C "$dir" -j"$JOBS" libxml2.la >&2
    make -C "$dir" install-libLTLIBRARIES install-pkgconfigDATA >&2
    make -C "$dir/include" install >&2
}

build_check() {
    dir=$(fetch check)
    # its messages are formatted with spetl's %zu/%jd: the C99 printf
    LIB_CFLAGS="-O2 -D__USE_MINGW_ANSI_STDIO=1" \
        configure_make "$dir" --disable-subunit --disable-timeout-tests --disable-build-docs
    make -C "$dir/lib" -j"$JOBS" >&2
    make -C "$dir/src" -j"$JOBS" >&2
    make -C "$dir/src" install >&2
    install -m 644 "$dir/check_stdint.h" "$PREFIX/include/check_stdint.h"
    # check.h checks its messages as msvcrt's printf; spetl's tests print
    # through the C99 one (%zu, %jd), as Check itself does when built so.
    sed -i 's/CK_ATTRIBUTE_FORMAT(printf,/CK_ATTRIBUTE_FORMAT(gnu_printf,/' "$PREFIX/include/check.h"
}

# Build one library, its output in $WORK/$1.log. Run in the background
# (never inside an if or &&, where sh would ignore set -e).
build_one() {
    t0=$(date +%s)
    "build_$1" >"$WORK/$1.log" 2>&1
    v=$(ls "$WORK/dl/$1"_*.dsc | tail -n 1 | sed 's/.*_//; s/\.dsc$//')
    touch "$(stamp_of "${1}_$v")"
    rm -rf "$WORK/$1-$v"   # the unpacked tree (100 MB for libcurl); the download stays
    say "$1 $v built in $(( $(date +%s) - t0 ))s"
}

need_pkgs
mkdir -p "$PREFIX/lib/pkgconfig" "$WORK"
t_all=$(date +%s)
todo=""
for lib in curl jansson libxml2 check; do
    ls "$PREFIX/.built-$lib"_* >/dev/null 2>&1 || todo="$todo $lib"
done
# The downloads one after the other (apt), then the four builds at once:
# they are independent, and most of their time is configure scripts, which
# run on one core each.
for lib in $todo; do
    fetch "$lib" >/dev/null
done
jobs_run=""
for lib in $todo; do
    say "building $lib for $HOST"
    build_one "$lib" &
    jobs_run="$jobs_run $lib:$!"
done
failed=0
for j in $jobs_run; do
    if ! wait "${j#*:}"; then
        tail -n 40 "$WORK/${j%%:*}.log" >&2
        say "${j%%:*} failed to build (whole log: $WORK/${j%%:*}.log)"
        failed=1
    fi
done
[ "$failed" -eq 0 ] || exit 1
[ -z "$todo" ] || say "libraries built in $(( $(date +%s) - t_all ))s"
touch "$PREFIX/.complete"
