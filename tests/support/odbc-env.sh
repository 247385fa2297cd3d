#!/bin/sh
# Write a project-local odbcinst.ini into DIR and print shell assignments for
# ODBCSYSINI and the driver paths. Debian's own /etc/odbcinst.ini turns on
# psqlODBC's CommLog (a log file per process in /tmp); this one turns it off.
set -eu
dir=${1:?usage: odbc-env.sh DIR}
mkdir -p "$dir"

find_driver() {
    for d in /usr/lib/*/odbc /usr/lib/odbc /usr/lib64 /usr/local/lib; do
        [ -f "$d/$1" ] && { echo "$d/$1"; return 0; }
    done
    return 1
}

sqlite=$(find_driver libsqlite3odbc.so) || { echo "odbc-env: libsqlite3odbc.so not found (apt-get install libsqliteodbc)" >&2; exit 1; }
pg=$(find_driver psqlodbcw.so) || { echo "odbc-env: psqlodbcw.so not found (apt-get install odbc-postgresql)" >&2; exit 1; }

cat >"$dir/odbcinst.ini" <<INI
[SQLite3]
Description=SQLite3 ODBC Driver
Driver=$sqlite

[PostgreSQL Unicode]
Description=PostgreSQL ODBC driver (Unicode)
Driver=$pg
Debug=0
CommLog=0
INI
: >"$dir/odbc.ini"
echo "ODBCSYSINI='$dir'"
echo "SPETL_TEST_SQLITE_DRIVER='$sqlite'"
echo "SPETL_TEST_PG_DRIVER='$pg'"
