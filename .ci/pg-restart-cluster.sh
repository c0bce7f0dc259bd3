#!/usr/bin/env bash
# A throwaway PostgreSQL cluster, `restart` on port 5434, for the reliability suite's outage
# runs: they stop, restart and `kill -9` it, which they must never do to the server every other
# suite (and everything else on the machine) uses. Idempotent: creates the cluster once, with
# trust authentication on 127.0.0.1 like the main one, and starts it if it is not running.
# Prints the URL to export as TEST_POSTGRES_RESTART_URL.
set -euo pipefail

VERSION="${PG_VERSION:-$(ls /etc/postgresql | sort -n | tail -1)}"
NAME=restart
PORT="${PG_RESTART_PORT:-5434}"

if ! pg_lsclusters --no-header | awk '{print $1" "$2}' | grep -qx "$VERSION $NAME"; then
  pg_createcluster "$VERSION" "$NAME" -p "$PORT" -- --auth-local=trust --auth-host=trust >/dev/null
fi
if ! pg_lsclusters --no-header | awk -v v="$VERSION" -v n="$NAME" '$1 == v && $2 == n {print $4}' |
  grep -q online; then
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" start
fi
for _ in $(seq 1 30); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
    echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
    exit 0
  fi
  sleep 1
done
echo "the PostgreSQL cluster $VERSION/$NAME did not come up on port $PORT" >&2
exit 1
