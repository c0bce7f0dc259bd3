#!/usr/bin/env bash
# A PostgreSQL streaming replica of the local server (127.0.0.1:5432) on 127.0.0.1:5433, for the
# read-replica tests (test/replicas.e2e-spec.ts) and the bench's replica section: a second
# cluster, `replica`, filled by `pg_basebackup -R` and kept up to date by streaming replication.
# Every database created on the primary (the tests make uniquely named ones) appears on it.
#
# Idempotent: a replica that already runs and streams is left alone (only a replay paused by an
# interrupted test is resumed). Otherwise the cluster is created if absent, started if stopped,
# and rebuilt from a fresh base backup if it does not stream. The primary gets one pg_hba line
# (replication connections from 127.0.0.1) and a configuration reload, never a restart. Run as
# root (it acts as the `postgres` user where PostgreSQL wants that).
set -euo pipefail

version="${PG_VERSION:-$(ls /etc/postgresql | sort -n | tail -n 1)}"
primary_port=5432
replica_port=5433
cluster=replica
primary_hba="/etc/postgresql/$version/main/pg_hba.conf"
replica_conf="/etc/postgresql/$version/$cluster"

on_primary() { psql -X -At -h 127.0.0.1 -p "$primary_port" -U postgres -d postgres -c "$1"; }
on_replica() { psql -X -At -h 127.0.0.1 -p "$replica_port" -U postgres -d postgres -c "$1"; }

# Whether the replica answers, is in recovery, and its WAL receiver streams from the primary.
streaming() {
  [ "$(on_replica "select pg_is_in_recovery() and exists (select 1 from pg_stat_wal_receiver
    where status = 'streaming')" 2>/dev/null)" = t ]
}

# wait_streaming SECONDS: until the replica streams, or false after SECONDS.
wait_streaming() {
  for _ in $(seq 1 "$1"); do
    streaming && return 0
    sleep 1
  done
  return 1
}

resume_replay() {
  if [ "$(on_replica 'select pg_is_wal_replay_paused()')" = t ]; then
    echo "pg-replica: replay was paused (an interrupted test?); resuming it"
    on_replica 'select pg_wal_replay_resume()' >/dev/null
  fi
}

cluster_exists() { [ -f "$replica_conf/postgresql.conf" ]; }
cluster_running() { pg_lsclusters -h "$version" "$cluster" 2>/dev/null | grep -q ' online'; }
data_dir() { pg_lsclusters -h "$version" "$cluster" | awk '{ print $6 }'; }

if streaming; then
  resume_replay
  echo "pg-replica: 127.0.0.1:$replica_port is a streaming replica of 127.0.0.1:$primary_port"
  exit 0
fi

# The primary accepts replication connections from this host (a reload is enough for pg_hba).
if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$primary_hba"; then
  echo "pg-replica: allowing replication connections from 127.0.0.1 in $primary_hba"
  printf '\n# Streaming replication to the local replica (port %s), see .ci/pg-replica.sh\nhost replication all 127.0.0.1/32 trust\n' \
    "$replica_port" >>"$primary_hba"
  on_primary 'select pg_reload_conf()' >/dev/null
fi

if ! cluster_exists; then
  echo "pg-replica: creating cluster $version/$cluster on port $replica_port"
  pg_createcluster "$version" "$cluster" -p "$replica_port" >/dev/null
fi

# The replica's own settings: the port, connections as the primary takes them, and the settings
# a hot standby must have at least as high as its primary's, or it refuses to start.
settings=$(on_primary "select string_agg(name || ' = ' || setting, E'\n' order by name)
  from pg_settings where name in ('max_connections', 'max_worker_processes', 'max_wal_senders',
  'max_prepared_transactions', 'max_locks_per_transaction')")
cat >"$replica_conf/conf.d/90-replica.conf" <<EOF
# Written by .ci/pg-replica.sh
listen_addresses = '127.0.0.1'
port = $replica_port
hot_standby = on
# Fewer queries cancelled by replay (vacuum on the primary), at the cost of a little bloat there.
hot_standby_feedback = on
$settings
EOF
cp "$primary_hba" "$replica_conf/pg_hba.conf"
chown postgres:postgres "$replica_conf/conf.d/90-replica.conf" "$replica_conf/pg_hba.conf"

if cluster_running; then
  # Started but not (yet) streaming: give it a moment, it may be catching up.
  if wait_streaming 10; then
    resume_replay
    echo "pg-replica: 127.0.0.1:$replica_port streams again"
    exit 0
  fi
  echo "pg-replica: the running replica does not stream; rebuilding it"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" stop -m fast
elif [ -f "$(data_dir)/standby.signal" ]; then
  echo "pg-replica: starting the stopped replica"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start || true
  if wait_streaming 20; then
    resume_replay
    echo "pg-replica: 127.0.0.1:$replica_port streams again"
    exit 0
  fi
  echo "pg-replica: the replica does not stream (WAL it needs may be gone); rebuilding it"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" stop -m fast || true
fi

dir=$(data_dir)
echo "pg-replica: base backup of 127.0.0.1:$primary_port into $dir"
find "$dir" -mindepth 1 -delete
runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$primary_port" -U postgres -D "$dir" \
  -R -X stream -c fast
chown -R postgres:postgres "$dir"
chmod 700 "$dir"
pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start
if ! wait_streaming 60; then
  echo "pg-replica: the replica on port $replica_port does not stream; its log:" >&2
  tail -n 30 "/var/log/postgresql/postgresql-$version-$cluster.log" >&2 || true
  exit 1
fi
echo "pg-replica: 127.0.0.1:$replica_port is a streaming replica of 127.0.0.1:$primary_port"
