#!/bin/sh
# Install the Debian packages spetl needs to build, test and run its demo.
# Run as root: installs what is missing. Run as anyone else: names what is
# missing and the command that installs it, and exits 1.
set -eu

PKGS="build-essential pkg-config unixodbc unixodbc-dev libsqliteodbc odbc-postgresql
postgresql libcurl4-openssl-dev libjansson-dev libxml2-dev libxml2-utils check
libmicrohttpd-dev sqlite3 ca-certificates python3-aiosmtpd openssl
sqlfluff"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "spetl: missing Debian packages:$missing" >&2
    echo "spetl: install them with: sudo apt-get install -y$missing" >&2
    exit 1
fi

echo "spetl: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >&2
