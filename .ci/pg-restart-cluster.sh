#!/usr/bin/env bash
# A throwaway PostgreSQL cluster, `restart` on port 5434, for the reliability suite's outage
# runs (test/reliability/postgres-outage.reliability-spec.ts): they restart and stop it under
# load, which they must never do to the server every other suite (and everything else on the
# machine) uses.
#
#   .ci/pg-restart-cluster.sh          creates the cluster once (trust authentication on
#                                      127.0.0.1, like the main one), starts it if it is down,
#                                      waits for it and prints the URL to export as
#                                      TEST_POSTGRES_RESTART_URL (the only line on stdout:
#                                      what pg_ctlcluster says goes to stderr); idempotent
#   .ci/pg-restart-cluster.sh restart  a fast restart (`-m fast`: sessions terminated, 57P01)
#   .ci/pg-restart-cluster.sh stop     a fast stop
#   .ci/pg-restart-cluster.sh start    starts it again and waits for it
set -euo pipefail

VERSION="${PG_VERSION:-$(ls /etc/postgresql | sort -n | tail -1)}"
NAME=restart
PORT="${PG_RESTART_PORT:-5434}"

ctl() {
  pg_ctlcluster --skip-systemctl-redirect "$VERSION" "$NAME" "$@"
}

wait_ready() {
  for _ in $(seq 1 60); do
    if pg_isready -q -h 127.0.0.1 -p "$PORT"; then
      return 0
    fi
    sleep 0.5
  done
  echo "the PostgreSQL cluster $VERSION/$NAME did not come up on port $PORT" >&2
  return 1
}

case "${1:-ensure}" in
  ensure)
    if ! pg_lsclusters --no-header | awk '{print $1" "$2}' | grep -qx "$VERSION $NAME"; then
      pg_createcluster "$VERSION" "$NAME" -p "$PORT" -- --auth-local=trust --auth-host=trust >/dev/null
    fi
    if ! pg_isready -q -h 127.0.0.1 -p "$PORT"; then
      # pg_ctlcluster may print "Removed stale pid file." (after an unclean stop): not into the URL.
      ctl start >&2
    fi
    wait_ready
    echo "postgresql://postgres@127.0.0.1:$PORT/postgres"
    ;;
  restart)
    ctl restart -m fast
    wait_ready
    ;;
  stop)
    ctl stop -m fast
    ;;
  start)
    ctl start
    wait_ready
    ;;
  *)
    echo "usage: $0 [ensure|restart|stop|start]" >&2
    exit 2
    ;;
esac
