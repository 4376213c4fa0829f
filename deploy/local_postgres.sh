#!/usr/bin/env bash
# A throwaway PostgreSQL server for trying README "Scaling out" on one machine, from Debian's postgresql:
# a cluster in DIR, listening on 127.0.0.1:PORT only, logins from this machine trusted (no password), and a
# database named tune. `stop` ends it by its PID (the first line of DIR/data/postmaster.pid).
#
#   deploy/local_postgres.sh start [DIR] [PORT]     (defaults: /tmp/tune-pg 5433)
#   deploy/local_postgres.sh stop [DIR]
set -euo pipefail
command=${1:-}
dir=${2:-/tmp/tune-pg}
port=${3:-5433}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ]; then
    echo "PostgreSQL is not installed: apt-get install postgresql (make test does)" >&2
    exit 1
fi
as=()
if [ "$(id -u)" = 0 ]; then as=(runuser -u postgres --); fi  # the server refuses to run as root
case $command in
start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    [ -f "$dir/data/PG_VERSION" ] || "${as[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -o "-c listen_addresses=127.0.0.1 -p $port -k $dir" -l "$dir/log" \
        -w start >/dev/null
    if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname = 'tune'" |
        grep -q 1; then
        "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres tune
    fi
    echo "PostgreSQL on 127.0.0.1:$port, pid $(head -1 "$dir/data/postmaster.pid"): --storage postgresql://postgres@127.0.0.1:$port/tune"
    ;;
stop)
    pid=$(head -1 "$dir/data/postmaster.pid")
    kill -INT "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    echo "stopped PostgreSQL (pid $pid)"
    ;;
*)
    echo "usage: $0 start [DIR] [PORT] | stop [DIR]" >&2
    exit 2
    ;;
esac
