#!/bin/sh
# A throwaway PostgreSQL server for the tests, on a random loopback port in a
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

# A port for the server. PostgreSQL cannot take port 0 and report the one it
# got, so any pick can race with another process on a busy machine: the port
# is a random one from 20000-59999, and `start` tries again with another when
# the server does not come up (at most 5 tries; the log says why each failed).
pick_port() {
    n=$(od -An -N2 -tu2 /dev/urandom 2>/dev/null | tr -d ' ')
    echo $((20000 + ${n:-$$} % 40000))
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
    tries=0
    while :; do
        port=$(pick_port)
        tries=$((tries + 1))
        as_owner "$pgbin/pg_ctl" -D "$srv/data" -l "$srv/server.log" -w \
            -o "-p $port -k $srv -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null 2>&1 && break
        if [ "$tries" -ge 5 ]; then
            cat "$srv/server.log" >&2
            echo "pg-tmp: the server did not start on $tries random ports (log above)" >&2
            exit 1
        fi
    done
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
