#!/usr/bin/env bash
# Prepare a local PostgreSQL with the pgvector extension for Lore.
#
# Idempotent: safe to run again; once everything is in place a rerun only
# runs a few queries (no apt-get).  Targets fresh Debian/Ubuntu machines.
#
# Environment:
#   PGHOST        server host      (default 127.0.0.1)
#   PGPORT        server port      (default 5432)
#   PGUSER        superuser to use (default postgres)
#   LORE_DB_NAME  app database     (default lore; the test database is always created too)
#   LORE_TEST_DB_NAME  test database (default lore_test)
#   LORE_DB_USER / LORE_DB_PASSWORD  the service's login role (default lore / lore)
# Option --fresh-test-db drops and recreates the test database first; --drop-test-db only drops it (./lore test
# removes its per-run database with it).
set -euo pipefail

export PGHOST="${PGHOST:-127.0.0.1}"
export PGPORT="${PGPORT:-5432}"
export PGUSER="${PGUSER:-postgres}"
LORE_DB_NAME="${LORE_DB_NAME:-lore}"
LORE_DB_USER="${LORE_DB_USER:-lore}"
LORE_DB_PASSWORD="${LORE_DB_PASSWORD:-lore}"
FRESH_TEST_DB=0
DROP_TEST_DB=0
[[ ${1:-} == --fresh-test-db ]] && FRESH_TEST_DB=1
[[ ${1:-} == --drop-test-db ]] && DROP_TEST_DB=1
TEST_DB_NAME="${LORE_TEST_DB_NAME:-lore_test}"
# Debian's pgvector source package lives in trixie; bookworm has no pgvector at all.
DEBSRC_SUITE="trixie"
DEBSRC_FILE="/etc/apt/sources.list.d/lore-pgvector-src.sources"
export DEBIAN_FRONTEND=noninteractive

log() { echo "[setup] $*"; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }
trap 'die "failed at line $LINENO: $BASH_COMMAND"' ERR

# Installing packages needs root; re-run through sudo, keeping our settings.
if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || die "must run as root (sudo not available)"
    log "not root, re-running via sudo"
    exec sudo --preserve-env=PGHOST,PGPORT,PGUSER,PGPASSWORD,LORE_DB_NAME,LORE_TEST_DB_NAME,LORE_DB_USER,LORE_DB_PASSWORD bash "$0" "$@"
fi

is_local_host() { [[ $PGHOST == 127.0.0.1 || $PGHOST == localhost || $PGHOST == ::1 || $PGHOST == /* ]]; }
server_ready() { command -v pg_isready >/dev/null && pg_isready -q -h "$PGHOST" -p "$PGPORT"; }

# apt_get waits for another apt process (unattended upgrades, cloud-init) to let go of its locks
source "$(dirname "$0")/lib/apt.sh"

APT_UPDATED=0
apt_update_once() {
    if [[ $APT_UPDATED -eq 0 ]]; then
        log "apt-get update"
        apt_get update -qq || die "apt-get update failed"
        APT_UPDATED=1
    fi
}
apt_install() {
    log "apt-get install $*"
    # Keep apt/debconf chatter quiet, but show it if the install fails.
    apt_get install -y -qq --no-install-recommends "$@" || die "apt-get install $* failed"
}

# ---------------------------------------------------------------- 1. server
if server_ready; then
    log "PostgreSQL already running on $PGHOST:$PGPORT, keeping it"
else
    is_local_host || die "no PostgreSQL reachable at $PGHOST:$PGPORT (not a local host, not installing one)"
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        apt_update_once
        apt_install postgresql
    fi
    major=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    log "starting PostgreSQL $major"
    if [[ -d /run/systemd/system ]]; then
        service postgresql start
    else
        # No systemd (containers): start the cluster directly.
        pg_ctlcluster --skip-systemctl-redirect "$major" main start \
            || pg_ctlcluster "$major" main status >/dev/null \
            || die "could not start cluster $major/main"
    fi
    for _ in $(seq 30); do server_ready && break; sleep 1; done
    server_ready || die "PostgreSQL did not become ready on $PGHOST:$PGPORT; clusters: $(pg_lsclusters -h 2>/dev/null | tr '\n' ';')"
fi

# Run SQL as superuser.  Prefer TCP with the PG* settings; a freshly installed
# Debian server refuses password-less TCP logins, so fall back to the local
# socket as the postgres OS user (peer auth).
PSQL=(psql -X -q -A -t -v ON_ERROR_STOP=1)
if "${PSQL[@]}" -d postgres -c 'select 1' >/dev/null 2>&1; then
    sql() { "${PSQL[@]}" "$@"; }
elif is_local_host && id postgres >/dev/null 2>&1 \
        && runuser -u postgres -- "${PSQL[@]}" -h /var/run/postgresql -p "$PGPORT" -U postgres -d postgres -c 'select 1' >/dev/null 2>&1; then
    log "note: TCP login as $PGUSER failed (password needed?); using the local socket as OS user postgres"
    sql() { runuser -u postgres -- "${PSQL[@]}" -h /var/run/postgresql -p "$PGPORT" -U postgres "$@"; }
else
    die "cannot connect as $PGUSER to $PGHOST:$PGPORT (set PGPASSWORD?)"
fi

if [[ $DROP_TEST_DB -eq 1 ]]; then
    log "dropping database $TEST_DB_NAME"
    sql -d postgres -v db="$TEST_DB_NAME" <<'SQL'
DROP DATABASE IF EXISTS :"db" WITH (FORCE)
SQL
    exit 0
fi

major=$(( $(sql -d postgres -c 'show server_version_num') / 10000 ))
log "server is PostgreSQL $major"

# ---------------------------------------------------------------- 1b. replication from this host
# The read-replica tests (ReadReplicaApiTests) make a streaming replica with pg_basebackup over 127.0.0.1, which needs
# a "replication" entry: "all" in pg_hba.conf does not cover replication connections. It gets the same method as the
# server's local TCP entry, so it trusts no more than that one does.
if is_local_host; then
    hba=$(sql -d postgres -c 'show hba_file')
    if [[ -w $hba ]] && ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$hba"; then
        method=$(awk '$1 == "host" && $2 == "all" && $3 == "all" && $4 == "127.0.0.1/32" { print $5; exit }' "$hba")
        log "allowing replication connections from 127.0.0.1 (${method:-scram-sha-256}) in $hba"
        printf '# Added by Lore scripts/setup-postgres.sh: pg_basebackup for the read-replica tests\nhost replication all 127.0.0.1/32 %s\n' \
            "${method:-scram-sha-256}" >>"$hba"
        sql -d postgres -c 'SELECT pg_reload_conf()' >/dev/null
    fi
fi

vector_available() {
    [[ -n $(sql -d postgres -c "SELECT 1 FROM pg_available_extensions WHERE name='vector'") ]]
}

# ---------------------------------------------------------------- 2. pgvector
build_pgvector_from_source() {
    local pg_config="/usr/lib/postgresql/$major/bin/pg_config"
    # Only a deb-src entry: trixie binaries never become installable, so
    # nothing else on the system changes.
    # Ubuntu lacks Debian's archive key by default; it is packaged there too.
    if [[ ! -f /usr/share/keyrings/debian-archive-keyring.gpg ]]; then
        apt_update_once
        apt_install debian-archive-keyring
    fi
    if [[ ! -f $DEBSRC_FILE ]]; then
        log "adding deb-src entry for $DEBSRC_SUITE ($DEBSRC_FILE)"
        cat >"$DEBSRC_FILE" <<EOF
# Added by Lore scripts/setup-postgres.sh: source of pgvector only (no binaries).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $DEBSRC_SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    fi
    if [[ $APT_UPDATED -eq 1 ]]; then
        # The rest of the lists were just refreshed: fetch only the new entry's index.
        log "apt-get update (only $DEBSRC_FILE)"
        apt_get update -qq -o Dir::Etc::sourcelist="$DEBSRC_FILE" \
            -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0
    else
        apt_update_once
    fi
    apt_install "postgresql-server-dev-$major" build-essential dpkg-dev

    local work
    work=$(mktemp -d /tmp/pgvector-build.XXXXXX)
    # Source only: no build-deps needed, we build with PGXS directly.
    log "fetching Debian source package pgvector into $work"
    if ! (cd "$work" && apt-get source -qq pgvector >/dev/null 2>&1); then
        # e.g. dpkg-source refusing the .dsc signature: download, then unpack unchecked
        log "plain 'apt-get source' failed, retrying with --download-only + dpkg-source -x"
        rm -rf "${work:?}"/*
        (cd "$work" && apt-get source -qq --download-only pgvector >/dev/null \
            && dpkg-source --no-check -x ./pgvector_*.dsc) >/dev/null \
            || die "could not fetch pgvector source from $DEBSRC_SUITE"
    fi
    # The entry is only needed for this download; drop it so future
    # 'apt-get update' runs do not fetch trixie source indexes.
    rm -f "$DEBSRC_FILE"

    local src
    src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
    [[ -n $src ]] || die "unpacked pgvector source not found in $work"
    log "building $(basename "$src") with $pg_config"
    local start=$SECONDS
    make -C "$src" -s -j"$(nproc)" PG_CONFIG="$pg_config" >"$work/build.log" 2>&1 \
        || die "pgvector build failed, see $work/build.log"
    make -C "$src" -s install PG_CONFIG="$pg_config" >>"$work/build.log" 2>&1 \
        || die "pgvector install failed, see $work/build.log"
    log "built and installed $(basename "$src") in $((SECONDS - start))s"
    rm -rf "$work"
}

if vector_available; then
    log "pgvector already available"
else
    is_local_host || die "extension 'vector' missing on remote server $PGHOST; install pgvector there"
    pkg="postgresql-$major-pgvector"
    has_candidate() { apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [^(]'; }
    # Lists may be stale on a fresh machine; refresh once before deciding.
    has_candidate || apt_update_once
    if has_candidate; then
        apt_install "$pkg"
    else
        log "no binary package $pkg, building pgvector from Debian source"
        build_pgvector_from_source
    fi
    vector_available || die "pgvector installed but extension 'vector' still not available"
    log "pgvector now available"
fi

# ---------------------------------------------------------------- 3. role and databases
# The service logs in as its own role with a password, which works with both
# trust (this kind of CI machine) and Debian's default scram-sha-256 over TCP.
sql -d postgres -v role="$LORE_DB_USER" -v pw="$LORE_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'pw')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SQL
if [[ $FRESH_TEST_DB -eq 1 ]]; then
    log "recreating database $TEST_DB_NAME (tests start from an empty schema)"
    sql -d postgres -v db="$TEST_DB_NAME" <<'SQL'
DROP DATABASE IF EXISTS :"db" WITH (FORCE)
SQL
fi
for db in "$LORE_DB_NAME" "$TEST_DB_NAME"; do
    exists=$(sql -d postgres -v db="$db" <<'SQL'
SELECT 1 FROM pg_database WHERE datname = :'db'
SQL
)
    if [[ -z $exists ]]; then
        log "creating database $db"
        sql -d postgres -v db="$db" -v role="$LORE_DB_USER" <<'SQL'
CREATE DATABASE :"db" OWNER :"role"
SQL
    fi
    sql -d postgres -v db="$db" -v role="$LORE_DB_USER" <<'SQL'
ALTER DATABASE :"db" OWNER TO :"role"
SQL
    # Creating the extension needs a superuser; the migration's own CREATE EXTENSION IF NOT EXISTS is then a no-op.
    sql -d "$db" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS vector' \
        -c 'CREATE EXTENSION IF NOT EXISTS btree_gin'
    version=$(sql -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname='vector'")
    log "database $db ready (vector $version)"
done

log "done: postgresql://$LORE_DB_USER@$PGHOST:$PGPORT/$LORE_DB_NAME"
