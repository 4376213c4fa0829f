#!/usr/bin/env bash
# Start `tune worker` processes on other hosts over ssh, one or more per host, each in the background with
# its log in runs/ there. Every host needs this project at the same path with its .venv (make install),
# and must reach the database. Put the password in ~/.pgpass on each host rather than in the URL: a URL on a
# command line shows in `ps`.
#
#   deploy/ssh_workers.sh STUDY STORAGE_URL HOST [HOST ...]
#   WORKERS_PER_HOST=2 THREADS=1 deploy/ssh_workers.sh digits_mlp postgresql://tune@db:5432/tune gpu1 gpu2
#
# SSH (default: ssh) is the command that runs a command on a host: `$SSH HOST COMMAND`.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 STUDY STORAGE_URL HOST [HOST ...]" >&2
    exit 2
fi
study=$1 url=$2
shift 2
per_host=${WORKERS_PER_HOST:-1}
threads=${THREADS:+--threads $THREADS}
here=$(cd "$(dirname "$0")/.." && pwd)
for host in "$@"; do
    for i in $(seq "$per_host"); do
        ${SSH:-ssh} "$host" "cd '$here' && mkdir -p runs && nohup .venv/bin/python -m pipeline worker '$study' \
            --storage '$url' $threads --no-progress > runs/worker-$host-$i.log 2>&1 < /dev/null &"
        echo "started worker $i on $host (log: $here/runs/worker-$host-$i.log there)"
    done
done
