# shellcheck shell=bash
# Helpers shared by scripts/demo.sh and scripts/test.sh. Source it; do not run it.
#
# What it gives:
#   ensure_postgres [DB]  DATABASE_URL if the caller set it (used unchanged); otherwise a private
#                         throwaway cluster under .meshgov/pg, started on a free port and stopped
#                         when the script exits. Exports DATABASE_URL (database DB, default postgres).
#   create_database NAME  creates NAME on the same server (dropping it first with --fresh) and
#                         prints its URL.
#   build_meshgov         cargo build (debug; release with MESHGOV_RELEASE=1), sets MESHGOV_BIN.
#   start_meshgov LISTEN LOG   runs `meshgov serve` in the background, stopped on exit.
#   wait_for_url URL [SECONDS] [PID]   polls until URL answers 2xx.
#   free_port [FIRST]     prints the first port from FIRST upward that nothing listens on.
#   at_exit CMD...        registers cleanup, run in reverse order when the script exits.
#
# Everything the helpers start is recorded and stopped by the EXIT trap, also on Ctrl-C and on
# errors under `set -e`; nothing that was already running is touched.

MESHGOV_REPO=${MESHGOV_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)}
MESHGOV_STATE=${MESHGOV_STATE:-$MESHGOV_REPO/.meshgov}

log() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

is_root() { [[ $(id -u) == 0 ]]; }

# ---------------------------------------------------------------------------------------------
# Cleanup on exit
# ---------------------------------------------------------------------------------------------

_MESHGOV_CLEANUP=()

at_exit() {
    local cmd
    printf -v cmd '%q ' "$@"
    _MESHGOV_CLEANUP+=("$cmd")
}

_meshgov_on_exit() {
    local status=$? i
    trap - EXIT INT TERM
    set +e
    for ((i = ${#_MESHGOV_CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${_MESHGOV_CLEANUP[i]}"
    done
    exit "$status"
}

trap _meshgov_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Ports and URLs
# ---------------------------------------------------------------------------------------------

# True when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local port=${1:-20000}
    while port_in_use "$port"; do
        port=$((port + 1))
        ((port < 65535)) || die "no free TCP port found"
    done
    printf '%s\n' "$port"
}

# wait_for_url URL [SECONDS] [PID]: succeed once URL answers with a 2xx; fail after SECONDS
# (default 60), or at once when the process PID (the server being waited for) has died.
wait_for_url() {
    local url=$1 timeout=${2:-60} pid=${3:-} deadline
    deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
            return 0
        fi
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            warn "the process that should answer $url has exited"
            return 1
        fi
        sleep 0.2
    done
    warn "$url did not answer within ${timeout}s"
    return 1
}

# Replaces the database of a postgres:// URL, keeping user, password, host, port and parameters.
url_with_database() {
    local url=$1 db=$2 base query scheme rest hostpart
    base=${url%%\?*}
    query=${url#"$base"}
    scheme=${base%%://*}
    rest=${base#*://}
    hostpart=${rest%%/*}
    printf '%s://%s/%s%s\n' "$scheme" "$hostpart" "$db" "$query"
}

# ---------------------------------------------------------------------------------------------
# Postgres
# ---------------------------------------------------------------------------------------------

# Directory holding initdb, pg_ctl, psql: MESHGOV_PG_BIN, else the newest
# /usr/lib/postgresql/<version>/bin, else wherever initdb is on PATH.
_find_pg_bin() {
    local dir candidate
    if [[ -n ${MESHGOV_PG_BIN:-} ]]; then
        [[ -x $MESHGOV_PG_BIN/pg_ctl ]] && { printf '%s\n' "$MESHGOV_PG_BIN"; return 0; }
        die "MESHGOV_PG_BIN=$MESHGOV_PG_BIN has no pg_ctl"
    fi
    dir=""
    while IFS= read -r candidate; do
        [[ -x $candidate/initdb && -x $candidate/pg_ctl ]] && dir=$candidate
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
    if [[ -z $dir ]] && command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dir=$(dirname "$(readlink -f "$(command -v initdb)")")
    fi
    [[ -n $dir ]] && printf '%s\n' "$dir"
}

# Sets PG_BIN, installing Debian's postgresql package when we are root and nothing is found.
find_postgres_binaries() {
    [[ -n ${PG_BIN:-} ]] && return 0
    PG_BIN=$(_find_pg_bin || true)
    if [[ -z $PG_BIN ]]; then
        if is_root && command -v apt-get >/dev/null 2>&1; then
            log "no PostgreSQL binaries found; installing them: apt-get update && apt-get install -y postgresql"
            DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
            PG_BIN=$(_find_pg_bin || true)
        fi
    fi
    [[ -n $PG_BIN ]] || die "PostgreSQL binaries (initdb, pg_ctl, psql) not found.
  Install PostgreSQL 15 or newer (Debian/Ubuntu: sudo apt-get install postgresql; macOS: brew install postgresql@15),
  set MESHGOV_PG_BIN to the directory holding them, or set DATABASE_URL to a server you run yourself."
    export PG_BIN
}

# psql for talking to a server we did not start (DATABASE_URL given): any psql will do.
_psql() {
    local psql
    if [[ -n ${PG_BIN:-} && -x $PG_BIN/psql ]]; then
        psql=$PG_BIN/psql
    elif command -v psql >/dev/null 2>&1; then
        psql=psql
    else
        find_postgres_binaries
        psql=$PG_BIN/psql
    fi
    PGCONNECT_TIMEOUT=10 PGOPTIONS="-c client_min_messages=warning" "$psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# Runs a Postgres server command as the `postgres` user when we are root (initdb refuses root).
_as_pg_owner() {
    if is_root; then
        runuser -u "$PG_OWNER" -- "$@"
    else
        "$@"
    fi
}

# Where the private cluster lives. .meshgov/pg in the work tree, unless we are root and the
# `postgres` user cannot reach it (a repository under /root, say): then a directory under /tmp.
_choose_pg_dir() {
    local dir=$MESHGOV_STATE/pg
    mkdir -p "$dir"
    if is_root; then
        chown "$PG_OWNER:" "$dir"
        chmod 700 "$dir"
        if ! runuser -u "$PG_OWNER" -- test -w "$dir" 2>/dev/null; then
            local hash
            hash=$(printf '%s' "$MESHGOV_REPO" | cksum | cut -d' ' -f1)
            dir=${TMPDIR:-/tmp}/meshgov-pg-$hash
            log "user $PG_OWNER cannot reach $MESHGOV_STATE/pg; using $dir for the private cluster instead"
            mkdir -p "$dir"
            chown "$PG_OWNER:" "$dir"
            chmod 700 "$dir"
        fi
    fi
    printf '%s\n' "$dir"
}

_ensure_pg_owner() {
    PG_OWNER=postgres
    is_root || return 0
    if ! id -u "$PG_OWNER" >/dev/null 2>&1; then
        log "creating system user $PG_OWNER to run the private cluster (initdb refuses to run as root)"
        useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_OWNER" >&2
    fi
}

_pg_running_port() { # prints the port of the server running on data dir $1, if any
    local dir=$1
    [[ -f $dir/postmaster.pid ]] || return 1
    _as_pg_owner "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1 || return 1
    sed -n 4p "$dir/postmaster.pid"
}

# ensure_postgres [DB]: see the top of this file.
ensure_postgres() {
    local db=${1:-postgres}
    if [[ -n ${DATABASE_URL:-} ]]; then
        log "using DATABASE_URL from the environment (no private cluster)"
        export DATABASE_URL
        return 0
    fi
    find_postgres_binaries
    _ensure_pg_owner
    local dir port version bin_version socket_dir
    dir=$(_choose_pg_dir)
    PG_DATA=$dir/data
    bin_version=$("$PG_BIN/pg_ctl" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')

    if port=$(_pg_running_port "$PG_DATA"); then
        # Another of our scripts (a demo in another terminal) runs it: share it, leave it running.
        log "private Postgres cluster already running on port $port ($PG_DATA); sharing it"
    else
        if [[ -f $PG_DATA/PG_VERSION ]]; then
            version=$(cat "$PG_DATA/PG_VERSION")
            if [[ $version != "$bin_version" ]]; then
                log "private cluster was made by PostgreSQL $version, binaries are $bin_version: recreating it"
                rm -rf "$PG_DATA"
            fi
        fi
        if [[ ! -f $PG_DATA/PG_VERSION ]]; then
            log "creating a private PostgreSQL $bin_version cluster in $PG_DATA"
            _pg_initdb "$PG_DATA"
        fi
        socket_dir=$dir
        # Unix socket paths are limited to about 100 bytes.
        ((${#socket_dir} < 80)) || socket_dir=${TMPDIR:-/tmp}
        port=$(free_port "${MESHGOV_PG_PORT:-55432}")
        if ! _pg_start "$PG_DATA" "$port" "$socket_dir"; then
            # A throwaway cluster with fsync=off may not survive a machine crash: make it anew.
            warn "the private cluster did not start (log above); recreating it"
            rm -rf "$PG_DATA"
            _pg_initdb "$PG_DATA"
            port=$(free_port "$port")
            _pg_start "$PG_DATA" "$port" "$socket_dir" || die "cannot start PostgreSQL from $PG_BIN (log: $PG_DATA/log)"
        fi
        at_exit stop_postgres "$PG_DATA"
        log "private Postgres listening on 127.0.0.1:$port (stopped when this script exits)"
    fi
    export PG_PORT=$port
    PG_ADMIN_URL=postgres://postgres@127.0.0.1:$port/postgres
    export DATABASE_URL
    DATABASE_URL=$(url_with_database "$PG_ADMIN_URL" "$db")
    if [[ $db != postgres ]]; then
        create_database "$db" >/dev/null
    fi
}

_pg_initdb() {
    local data=$1
    if is_root; then
        mkdir -p "$data"
        chown "$PG_OWNER:" "$data"
        chmod 700 "$data"
    fi
    # C.UTF-8 where the C library has it (case folding of non-ASCII text), else plain C: a fresh
    # machine may have no other locale installed.
    local locale=C
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=C.UTF-8; fi
    _as_pg_owner "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale="$locale" --no-sync >"${data%/*}/initdb.log" 2>&1 ||
        { cat "${data%/*}/initdb.log" >&2; die "initdb failed"; }
}

_pg_start() {
    local data=$1 port=$2 socket_dir=$3
    if _as_pg_owner "$PG_BIN/pg_ctl" -D "$data" -l "$data/log" -w -t 60 \
        -o "-p $port -k $socket_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start >/dev/null; then
        return 0
    fi
    tail -n 20 "$data/log" >&2 || true
    return 1
}

stop_postgres() {
    local data=${1:-${PG_DATA:-}}
    [[ -n $data && -f $data/postmaster.pid ]] || return 0
    log "stopping the private Postgres cluster"
    _as_pg_owner "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || warn "pg_ctl stop failed (log: $data/log)"
}

# create_database [--fresh] NAME: creates NAME on the server of DATABASE_URL when missing (with
# --fresh, drops it first) and prints its URL.
create_database() {
    local fresh=0
    if [[ ${1:-} == --fresh ]]; then
        fresh=1
        shift
    fi
    local name=$1 admin exists
    [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || die "bad database name: $name"
    admin=${PG_ADMIN_URL:-$(url_with_database "$DATABASE_URL" postgres)}
    if ((fresh)); then
        _psql "$admin" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
    fi
    exists=$(_psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'")
    if [[ $exists != 1 ]]; then
        _psql "$admin" -c "CREATE DATABASE $name" >/dev/null
    fi
    url_with_database "${DATABASE_URL:-$admin}" "$name"
}

# ---------------------------------------------------------------------------------------------
# Python venvs and the AWS emulator
# ---------------------------------------------------------------------------------------------

# make_venv DIR STAMP PIP_ARGS...: a venv at DIR with `pip install PIP_ARGS`. Made once and
# reused; made again when STAMP (a version, a checksum of requirement files) changes.
make_venv() {
    local venv=$1 stamp=$2 python
    shift 2
    if [[ -x $venv/bin/python && -f $venv/.meshgov-stamp && $(cat "$venv/.meshgov-stamp") == "$stamp" ]]; then
        return 0
    fi
    python=$(command -v python3 || true)
    [[ -n $python ]] || die "python3 is required (Debian: apt-get install python3 python3-venv)"
    rm -rf "$venv"
    if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
        rm -rf "$venv"
        if is_root && command -v apt-get >/dev/null 2>&1; then
            log "python3 cannot make a venv; installing python3-venv: apt-get update && apt-get install -y python3-venv"
            DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2
            "$python" -m venv "$venv" >&2 || die "cannot create a Python venv in $venv"
        else
            die "python3 cannot create a venv (Debian: apt-get install python3-venv)"
        fi
    fi
    log "installing into $venv: pip install $*"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@" >&2 ||
        { rm -rf "$venv"; die "pip could not install $*"; }
    printf '%s\n' "$stamp" >"$venv/.meshgov-stamp"
}

# ensure_emulator LOGFILE: starts the AWS emulator (emulator/: moto behind meshgov's stricter
# layer) on a free port, stopped on exit; sets EMULATOR_URL and EMULATOR_PYTHON (its venv, which
# also has boto3 and pytest from emulator/requirements-test.txt).
ensure_emulator() {
    local logfile=$1 venv=$MESHGOV_STATE/emulator-venv req=$MESHGOV_REPO/emulator/requirements-test.txt
    [[ -f $req ]] || req=$MESHGOV_REPO/emulator/requirements.txt
    [[ -f $req ]] || die "emulator/requirements.txt not found"
    make_venv "$venv" "$(cat "$MESHGOV_REPO"/emulator/requirements*.txt | cksum)" -r "$req"
    EMULATOR_PYTHON=$venv/bin/python
    mkdir -p "$(dirname "$logfile")"
    # An old log would show the previous run's port until the new process truncates it.
    rm -f "$logfile"
    "$EMULATOR_PYTHON" "$MESHGOV_REPO/emulator/meshgov_emulator" --host 127.0.0.1 --port 0 >"$logfile" 2>&1 &
    local pid=$! deadline=$((SECONDS + 60))
    at_exit stop_process "$pid" "AWS emulator"
    EMULATOR_URL=
    while ((SECONDS < deadline)); do
        # The emulator's shell may not have created its log yet: no log is no address, not an error.
        EMULATOR_URL=$(sed -n 's/^meshgov-emulator ready on \(http[^ ]*\).*/\1/p' "$logfile" 2>/dev/null | head -n 1 || true)
        [[ -n $EMULATOR_URL ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    if [[ -z $EMULATOR_URL ]]; then
        tail -n 20 "$logfile" >&2 || true
        die "the AWS emulator did not start (log: $logfile)"
    fi
    export EMULATOR_URL EMULATOR_PYTHON
    log "AWS emulator on $EMULATOR_URL (stopped when this script exits)"
}

# The environment that points `meshgov serve` at the emulator: endpoint, region, dummy keys (the
# emulator accepts any) and the principal named in trust policies.
emulator_env() {
    printf '%s\n' "MESHGOV_AWS_ENDPOINT_URL=$EMULATOR_URL" MESHGOV_AWS_REGION=us-east-1 \
        AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN= \
        AWS_PROFILE= AWS_EC2_METADATA_DISABLED=true \
        MESHGOV_AWS_PRINCIPAL_ARN=arn:aws:iam::123456789012:role/meshgov
}

# ---------------------------------------------------------------------------------------------
# meshgov
# ---------------------------------------------------------------------------------------------

# build_meshgov: sets MESHGOV_BIN to the freshly built binary.
build_meshgov() {
    local profile=debug args=()
    if [[ ${MESHGOV_RELEASE:-0} == 1 ]]; then
        profile=release
        args=(--release)
    fi
    command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust 1.94.1 or newer (rustup)"
    log "building meshgov ($profile): cargo build ${args[*]:-}"
    (cd "$MESHGOV_REPO" && cargo build --locked --bin meshgov "${args[@]}") || die "cargo build failed"
    local target
    target=$(cd "$MESHGOV_REPO" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
        sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    MESHGOV_BIN=${target:-$MESHGOV_REPO/target}/$profile/meshgov
    [[ -x $MESHGOV_BIN ]] || die "built binary not found at $MESHGOV_BIN"
    export MESHGOV_BIN
}

# A random 64-hex-character development secret.
dev_secret() {
    od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
    echo
}

# start_meshgov LISTEN LOGFILE [VAR=VALUE...]: `meshgov serve` in the background with the current
# environment plus the given variables; sets MESHGOV_PID; stopped (SIGTERM, then SIGKILL) when the
# script exits.
start_meshgov() {
    local listen=$1 logfile=$2
    shift 2
    mkdir -p "$(dirname "$logfile")"
    env "$@" MESHGOV_LISTEN="$listen" "$MESHGOV_BIN" serve >"$logfile" 2>&1 &
    MESHGOV_PID=$!
    at_exit stop_process "$MESHGOV_PID" meshgov
}

stop_process() {
    local pid=$1 name=${2:-process} i
    kill -0 "$pid" 2>/dev/null || return 0
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# Host:port to put in URLs for a listen address (0.0.0.0 and [::] are not addresses to call).
connect_addr() {
    local listen=$1 host port
    port=${listen##*:}
    host=${listen%:*}
    case $host in
    0.0.0.0 | '') host=127.0.0.1 ;;
    '[::]') host='[::1]' ;;
    esac
    printf '%s:%s\n' "$host" "$port"
}

# Elapsed time of a stage, for the summaries.
fmt_duration() {
    local s=$1
    if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}
