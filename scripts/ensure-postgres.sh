#!/usr/bin/env bash
# Ensures a local PostgreSQL server for the CallStore tests, idempotently.
# Debian 12, run as root (or a user with sudo), no internet except Debian's apt.
#   eval "$(scripts/ensure-postgres.sh | tail -1)"
# Last line of stdout: export SWITCHBOARD_TEST_POSTGRES_URL=postgres://switchboard:switchboard@127.0.0.1:5432/switchboard_test
set -euo pipefail

PORT=5432
ROLE=switchboard
PASSWORD=switchboard
DB=switchboard_test
READY_TIMEOUT_SECONDS=30

die() { echo "ensure-postgres: ERROR: $*" >&2; exit 1; }
log() { echo "ensure-postgres: $*" >&2; }

if [ "$(id -u)" -eq 0 ]; then
  as_postgres() { runuser -u postgres -- "$@"; }
elif command -v sudo >/dev/null 2>&1; then
  as_postgres() { sudo -n -u postgres -- "$@"; }
  SUDO="sudo -n"
else
  die "must run as root (or with passwordless sudo) to install/start PostgreSQL"
fi
SUDO="${SUDO:-}"

# 1. Install the server if missing.
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "PostgreSQL server not installed; installing from Debian apt"
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install PostgreSQL manually"
  $SUDO apt-get update >&2 || die "apt-get update failed"
  if ! apt-cache policy postgresql | grep -q 'Candidate: [0-9]'; then
    die "package 'postgresql' has no installation candidate in apt (see: apt-cache policy postgresql)"
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y postgresql >&2 || die "apt-get install postgresql failed"
fi

command -v pg_lsclusters >/dev/null 2>&1 || die "pg_lsclusters missing (postgresql-common not installed?)"

# 2. Make sure a cluster exists and runs (newest version; pg_ctlcluster works without systemd).
VERSION="$(ls /usr/lib/postgresql | sort -V | tail -1)"
[ -n "$VERSION" ] || die "no PostgreSQL version found under /usr/lib/postgresql"
CLUSTER=main
if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {found=1} END {exit !found}'; then
  log "creating cluster $VERSION/$CLUSTER on port $PORT"
  $SUDO pg_createcluster --port="$PORT" "$VERSION" "$CLUSTER" >&2 || die "pg_createcluster failed"
fi
CLUSTER_PORT="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $3}')"
[ "$CLUSTER_PORT" = "$PORT" ] || die "cluster $VERSION/$CLUSTER uses port $CLUSTER_PORT, expected $PORT"

STATUS="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}')"
if [ "$STATUS" != "online" ]; then
  log "starting cluster $VERSION/$CLUSTER"
  $SUDO pg_ctlcluster "$VERSION" "$CLUSTER" start >&2 \
    || die "pg_ctlcluster start failed; see /var/log/postgresql/postgresql-$VERSION-$CLUSTER.log"
fi

# 3. Wait (bounded) until it accepts TCP connections on 127.0.0.1.
for ((i = 0; i < READY_TIMEOUT_SECONDS * 2; i++)); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then break; fi
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PORT" \
  || die "PostgreSQL not ready on 127.0.0.1:$PORT after ${READY_TIMEOUT_SECONDS}s (check listen_addresses and the server log)"

# 4. Role and database (idempotent).
psql_admin() { as_postgres psql -p "$PORT" -v ON_ERROR_STOP=1 -qtAX "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != "1" ]; then
  log "creating role $ROLE"
  psql_admin -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2 || die "cannot create role $ROLE"
else
  psql_admin -c "ALTER ROLE $ROLE LOGIN PASSWORD '$PASSWORD'" >&2 || die "cannot update role $ROLE"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
  log "creating database $DB"
  psql_admin -c "CREATE DATABASE $DB OWNER $ROLE" >&2 || die "cannot create database $DB"
fi

# 5. Verify password login over TCP (the way the tests connect).
PGPASSWORD="$PASSWORD" psql -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DB" -qtAX -c "SELECT 1" >/dev/null 2>&1 \
  || die "cannot log in as $ROLE on 127.0.0.1:$PORT/$DB with a password (check pg_hba.conf allows md5/scram-sha-256 on host 127.0.0.1/32)"

log "PostgreSQL ready on 127.0.0.1:$PORT, database $DB"
echo "export SWITCHBOARD_TEST_POSTGRES_URL=postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
