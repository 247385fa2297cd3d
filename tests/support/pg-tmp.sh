#!/bin/sh
# A throwaway PostgreSQL server for the tests, on a free loopback port in a
# temporary directory; no systemd, no /etc edits. Works as root (the server
# runs as the 'postgres' OS user) and as an ordinary user.
#
#   tests/support/pg-tmp.sh start DIR   prints the ODBC connection string
#   tests/support/pg-tmp.sh stop DIR
set -eu

cmd=${1:?usage: pg-tmp.sh start|stop DIR}
dir=${2:?usage: pg-tmp.sh start|stop DIR}

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "pg-tmp: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
        echo $((20000 + $$ % 20000))
}

case "$cmd" in
start)
    mkdir -p "$dir"
    srv="$dir/server"
    if [ "$(id -u)" -eq 0 ]; then
        # The server runs as 'postgres', which may not reach into DIR (a
        # mktemp directory is 0700): give it a directory of its own in /tmp.
        srv=$(mktemp -d /tmp/spetl-pg.XXXXXX)
        chmod 755 "$srv"
        chown postgres "$srv"
    else
        mkdir -p "$srv"
    fi
    echo "$srv" >"$dir/serverdir"
    as_owner "$pgbin/initdb" -D "$srv/data" -U postgres --auth-local=trust --auth-host=trust \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(free_port)
    as_owner "$pgbin/pg_ctl" -D "$srv/data" -l "$srv/server.log" -w \
        -o "-p $port -k $srv -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null ||
        { cat "$srv/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    as_owner "$pgbin/psql" -h "$srv" -p "$port" -U postgres -q -c "CREATE DATABASE spetl_test" >/dev/null
    echo "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$port;Database=spetl_test;Uid=postgres;Pwd=unused;"
    ;;
stop)
    srv=$(cat "$dir/serverdir" 2>/dev/null || true)
    if [ -n "$srv" ] && [ -d "$srv/data" ]; then
        as_owner "$pgbin/pg_ctl" -D "$srv/data" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$srv"
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: pg-tmp.sh start|stop DIR" >&2
    exit 2
    ;;
esac
