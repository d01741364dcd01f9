#!/usr/bin/env bash
# Make a local PostgreSQL available to the test suite (Debian/Ubuntu, run as root).
#
# Installs the server if missing, creates and starts a cluster listening on 127.0.0.1 only,
# and creates the role `cohort` (password `cohort`, CREATEDB: the tests create a throwaway
# database per test) and the database `cohort_test`. Safe to run again.
#
# Progress goes to stderr; the last (only) line on stdout is the URL, so:
#   export TEST_DATABASE_URL="$(bash .ci/postgres.sh | tail -1)"
set -euo pipefail

ROLE=cohort
PASSWORD=cohort
DATABASE=cohort_test
CLUSTER=main

# Keep stdout for the URL alone. Anything that may start the server gets `3>&-`: a daemon that
# inherited the caller's stdout would keep `$(... | tail -1)` waiting for ever.
exec 3>&1 1>&2
log() { echo "postgres.sh: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
    log "needs root (apt-get, pg_ctlcluster); try: sudo bash $0"
    exit 1
fi
cd / # commands run as the postgres user cannot enter most working directories

server_installed() {
    command -v pg_ctlcluster >/dev/null && compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null
}
if ! server_installed; then
    log "installing PostgreSQL"
    apt-get update 3>&-
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql 3>&-
fi

VERSION=$(
    for dir in /usr/lib/postgresql/*/bin/postgres; do basename "$(dirname "$(dirname "$dir")")"; done |
        sort -n | tail -1
)
log "PostgreSQL $VERSION"

if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
    log "creating cluster $VERSION/$CLUSTER"
    pg_createcluster "$VERSION" "$CLUSTER" 3>&-
fi

# Listen on loopback only, through a drop-in file (Debian's postgresql.conf includes conf.d/
# last); a change needs a restart if the cluster is already up.
DROPIN=/etc/postgresql/$VERSION/$CLUSTER/conf.d/cohort-tests.conf
WANTED="listen_addresses = '127.0.0.1'"
restart=no
if [ "$(cat "$DROPIN" 2>/dev/null || true)" != "$WANTED" ]; then
    install -d -o postgres -g postgres "$(dirname "$DROPIN")"
    echo "$WANTED" >"$DROPIN"
    chown postgres:postgres "$DROPIN"
    restart=yes
fi
PORT=$(pg_conftool -s "$VERSION" "$CLUSTER" show port)

if pg_ctlcluster "$VERSION" "$CLUSTER" status >/dev/null 2>&1; then
    if [ "$restart" = yes ]; then
        log "restarting cluster $VERSION/$CLUSTER to apply listen_addresses"
        pg_ctlcluster "$VERSION" "$CLUSTER" restart 3>&-
    fi
else
    log "starting cluster $VERSION/$CLUSTER on port $PORT"
    pg_ctlcluster "$VERSION" "$CLUSTER" start 3>&-
fi

for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$PORT" && break
    sleep 0.5
done
pg_isready -h 127.0.0.1 -p "$PORT" || { log "server did not become ready on 127.0.0.1:$PORT"; exit 1; }

as_postgres() { runuser -u postgres -- psql -X -q -p "$PORT" -v ON_ERROR_STOP=1 -tA "$@"; }

as_postgres <<SQL
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
        CREATE ROLE $ROLE;
    END IF;
END \$\$;
ALTER ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
-- Dropping a test database WITH (FORCE) ends its other sessions; one may be an autovacuum
-- worker, which belongs to no login role, and only this role may end it.
GRANT pg_signal_backend TO $ROLE;
SQL
if [ "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
    log "creating database $DATABASE"
    as_postgres -c "CREATE DATABASE $DATABASE OWNER $ROLE"
fi

# Prove that password login over TCP works, as the tests will use it.
PGPASSWORD=$PASSWORD psql -X -q -tA -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DATABASE" \
    -c "SELECT 1" >/dev/null
log "ready: $ROLE@127.0.0.1:$PORT/$DATABASE"

echo "postgresql+asyncpg://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE" >&3
