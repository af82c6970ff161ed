#!/usr/bin/env bash
# The meshgov benchmark, in one command:
#
#   bench/run.sh
#
# Seeds a fresh database `meshgov_bench` with 500,000 data products, runs the release build of
# `meshgov serve`, loads it with wrk (catalog search and product reads), runs the same SQL directly
# with pgbench (the ceiling: what Postgres alone does on this machine), records the service's
# resident memory idle and under load, and writes bench/results/latest.md (also printed).
#
# Postgres: the server of DATABASE_URL when it is set; otherwise the project's local cluster
# (ensure_postgres from scripts/lib.sh) when that exists; otherwise postgres@127.0.0.1:5432.
# Only the database `meshgov_bench` is touched (dropped and created again).
#
# Settings (environment):
#   BENCH_PRODUCTS=500000      products to seed
#   BENCH_DURATION=30          seconds of each measured wrk run
#   BENCH_PGBENCH_DURATION=20  seconds of each pgbench run
#   BENCH_WARMUP=5             seconds of warm-up before each run
#   BENCH_CONNECTIONS=64       wrk connections (BENCH_THREADS=2 wrk threads)
#   BENCH_PGBENCH_CLIENTS=16   pgbench clients (16 = the service's default pool size)
#   BENCH_LISTEN=127.0.0.1:18080
#   BENCH_REUSE_DB=1           keep an already seeded meshgov_bench of the same size (no re-seed)
#   BENCH_WAIT_IDLE=1          before each measurement, wait for a 1-minute load average < 0.8
#                              (polled every 15 s, at most BENCH_WAIT_MAX=600 s, then measured anyway)
#   BENCH_OUT=bench/results/latest.md
#   BENCH_REF=HEAD             benchmark a commit (built in a directory of its own), not the work tree
# A quick smoke run: BENCH_PRODUCTS=20000 BENCH_DURATION=3 BENCH_PGBENCH_DURATION=3 BENCH_WARMUP=1 bench/run.sh

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
# The project's helpers (local Postgres cluster), when this checkout has them. Sourced first: our
# own log/die below take precedence, and our cleanup joins its exit handlers.
if [ -z "${DATABASE_URL:-}" ] && [ -f "$ROOT/scripts/lib.sh" ]; then
    # shellcheck source=/dev/null
    source "$ROOT/scripts/lib.sh"
fi

BENCH_PRODUCTS=${BENCH_PRODUCTS:-500000}
BENCH_DURATION=${BENCH_DURATION:-30}
BENCH_PGBENCH_DURATION=${BENCH_PGBENCH_DURATION:-20}
BENCH_WARMUP=${BENCH_WARMUP:-5}
BENCH_CONNECTIONS=${BENCH_CONNECTIONS:-64}
BENCH_THREADS=${BENCH_THREADS:-2}
BENCH_PGBENCH_CLIENTS=${BENCH_PGBENCH_CLIENTS:-16}
BENCH_LISTEN=${BENCH_LISTEN:-127.0.0.1:18080}
BENCH_REUSE_DB=${BENCH_REUSE_DB:-0}
BENCH_WAIT_IDLE=${BENCH_WAIT_IDLE:-0}
BENCH_WAIT_MAX=${BENCH_WAIT_MAX:-600}
BENCH_OUT=${BENCH_OUT:-$BENCH/results/latest.md}
BENCH_DB=meshgov_bench
# The search terms and filters of the scenarios.
COMMON_TERM=${BENCH_COMMON_TERM:-sales}
RARE_TERM=${BENCH_RARE_TERM:-pangolin}
FILTER_CLASSIFICATION=${BENCH_CLASSIFICATION:-confidential}
FILTER_TAG=${BENCH_TAG:-certified}
PAGE_LIMIT=50 # the API's default page size; the service fetches limit + 1 rows

SECRET="meshgov-bench-dev-secret-0123456789abcdef"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/meshgov-bench.XXXXXX")
SERVER_PID=""
SAMPLER_PID=""
NOTES=()

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

cleanup() {
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [ "${BENCH_KEEP_WORK:-0}" = 1 ]; then log "raw outputs kept in $WORK"; else rm -rf "$WORK"; fi
}
declare -F at_exit >/dev/null || trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# Tools

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk; then
    if [ "$(id -u)" = 0 ] && need apt-get; then
        log "installing wrk"
        apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null
    else
        die "wrk is missing (Debian/Ubuntu: sudo apt-get install wrk)"
    fi
fi
for tool in psql pgbench curl jq cargo awk; do need "$tool" || die "$tool is missing"; done

# ---------------------------------------------------------------------------------------------
# Postgres

if [ -z "${DATABASE_URL:-}" ] && declare -F ensure_postgres >/dev/null; then
    log "Postgres: the project's local cluster (scripts/lib.sh ensure_postgres)"
    ensure_postgres >&2
fi
declare -F at_exit >/dev/null && at_exit cleanup # lib.sh's exit handlers run ours first
DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}

# The same server and credentials, another database.
with_db() {
    local url=$1 db=$2 query=""
    case $url in *\?*) query="?${url#*\?}"; url=${url%%\?*} ;; esac
    case ${url#*://} in */*) url=${url%/*} ;; esac
    printf '%s/%s%s' "$url" "$db" "$query"
}
ADMIN_URL=$(with_db "$DATABASE_URL" postgres)
BENCH_URL=$(with_db "$DATABASE_URL" "$BENCH_DB")

q() { psql "$BENCH_URL" -X -v ON_ERROR_STOP=1 -qAt "$@"; }

psql "$ADMIN_URL" -X -qAtc "SELECT 1" >/dev/null || die "cannot connect to Postgres ($ADMIN_URL)"

# ---------------------------------------------------------------------------------------------
# Waiting for a quiet machine (only when asked: BENCH_WAIT_IDLE=1)

wait_idle() {
    [ "$BENCH_WAIT_IDLE" = 1 ] || return 0
    local phase=$1 start=$SECONDS load
    while :; do
        load=$(cut -d' ' -f1 /proc/loadavg)
        awk -v l="$load" 'BEGIN { exit !(l < 0.8) }' && return 0
        if (( SECONDS - start >= BENCH_WAIT_MAX )); then
            log "load average still $load after ${BENCH_WAIT_MAX}s; measuring $phase anyway"
            NOTES+=("$phase: the 1-minute load average was still $load after waiting ${BENCH_WAIT_MAX} s; measured anyway.")
            return 0
        fi
        log "waiting for load average < 0.8 before $phase (now $load)"
        sleep 15
    done
}
load1() { cut -d' ' -f1 /proc/loadavg; }

# ---------------------------------------------------------------------------------------------
# Build, database, seed

# BENCH_REF=<commit>: benchmark that commit, exported to a directory of its own and built there,
# instead of the work tree.
SRC="$ROOT"
if [ -n "${BENCH_REF:-}" ]; then
    COMMIT=$(git -C "$ROOT" rev-parse --verify "$BENCH_REF^{commit}") || die "unknown BENCH_REF $BENCH_REF"
    # one directory for every ref, so its target/ (the dependencies) is reused from run to run
    SRC="${TMPDIR:-/tmp}/meshgov-bench-ref"
    mkdir -p "$SRC"
    find "$SRC" -mindepth 1 -maxdepth 1 ! -name target -exec rm -rf {} +
    git -C "$ROOT" archive "$COMMIT" | tar -x -C "$SRC"
    COMMIT=${COMMIT:0:7}
    DIRTY=""
else
    COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    DIRTY=$(git -C "$ROOT" diff --quiet HEAD -- src migrations Cargo.toml Cargo.lock 2>/dev/null \
        || echo " + uncommitted changes")
fi
log "building the release binary (cargo build --release in $SRC)"
(cd "$SRC" && cargo build --release --quiet) || die "cargo build --release failed"
BIN="${CARGO_TARGET_DIR:-$SRC/target}/release/meshgov"
[ -x "$BIN" ] || die "no binary at $BIN"

seeded=0
if [ "$BENCH_REUSE_DB" = 1 ] \
    && [ "$(psql "$ADMIN_URL" -X -qAtc "SELECT 1 FROM pg_database WHERE datname = '$BENCH_DB'")" = 1 ] \
    && [ "$(q -c "SELECT count(*) FROM products" 2>/dev/null || echo 0)" = "$BENCH_PRODUCTS" ]; then
    log "reusing the seeded database $BENCH_DB"
    seeded=1
fi
if [ "$seeded" = 0 ]; then
    log "creating database $BENCH_DB"
    psql "$ADMIN_URL" -X -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" 2>/dev/null \
        || psql "$ADMIN_URL" -X -qc "DROP DATABASE IF EXISTS $BENCH_DB"
    psql "$ADMIN_URL" -X -qc "CREATE DATABASE $BENCH_DB"
fi
DATABASE_URL="$BENCH_URL" MESHGOV_JWT_DEV_SECRET="$SECRET" MESHGOV_LOG=warn "$BIN" migrate
if [ "$seeded" = 0 ]; then
    log "seeding $BENCH_PRODUCTS products (a few minutes for 500,000)"
    seed_start=$SECONDS
    psql "$BENCH_URL" -X -q -v ON_ERROR_STOP=1 -v products="$BENCH_PRODUCTS" -f "$BENCH/seed.sql" >/dev/null
    NOTES+=("Seeding $BENCH_PRODUCTS products took $((SECONDS - seed_start)) s (seed.sql: generate_series, then the secondary indexes rebuilt and VACUUM ANALYZE).")
fi

PRODUCTS=$(q -c "SELECT count(*) FROM products")
DOMAINS=$(q -c "SELECT count(*) FROM domains")
VISIBLE=$(q -c "SELECT count(*) FROM products WHERE status <> 'draft'")
matches() { q -c "SELECT count(*) FROM products p WHERE $1 AND p.status <> 'draft'"; }
N_COMMON=$(matches "p.search @@ websearch_to_tsquery('english', '$COMMON_TERM')")
N_RARE=$(matches "p.search @@ websearch_to_tsquery('english', '$RARE_TERM')")
N_FILTER=$(matches "p.tags @> ARRAY['$FILTER_TAG']::text[] AND p.classification = '$FILTER_CLASSIFICATION'")
TABLE_SIZE=$(q -c "SELECT pg_size_pretty(pg_total_relation_size('products'))")

# ---------------------------------------------------------------------------------------------
# The SQL the service runs (src/products/store.rs), for pgbench

COLUMNS=$(awk '
    /const COLUMNS: &str = "/ { f = 1; sub(/.*const COLUMNS: &str = "/, "") }
    f { if (sub(/";.*$/, "")) { print; exit } print }' "$SRC/src/products/store.rs" | tr -s ' \n' ' ')
case $COLUMNS in *p.id*) ;; *) die "cannot read the column list (COLUMNS) from src/products/store.rs" ;; esac
FROM="FROM products p JOIN domains d ON d.id = p.domain_id"
VISIBILITY="(p.status <> 'draft' OR d.slug = ANY(:drafts))" # a consumer sees no drafts
ORDER="ORDER BY p.id DESC LIMIT :lim"

cat >"$WORK/search_common.sql" <<EOF
SELECT $COLUMNS $FROM WHERE true AND p.search @@ websearch_to_tsquery('english', :q) AND $VISIBILITY $ORDER;
EOF
cp "$WORK/search_common.sql" "$WORK/search_rare.sql"
cat >"$WORK/search_filters.sql" <<EOF
SELECT $COLUMNS $FROM WHERE true AND p.tags @> ARRAY[:tag]::text[] AND p.classification = :cls AND $VISIBILITY $ORDER;
EOF
cat >"$WORK/search_page2.sql" <<EOF
SELECT $COLUMNS $FROM WHERE true AND p.search @@ websearch_to_tsquery('english', :q) AND $VISIBILITY AND p.id < :before $ORDER;
EOF
cat >"$WORK/product_read.sql" <<EOF
\\set n random(1, :paths)
SELECT domain_slug AS ds, product_slug AS ps FROM bench_paths WHERE n = :n \\gset
SELECT $COLUMNS $FROM WHERE d.slug = :ds AND p.slug = :ps;
EOF
PATHS=$(q -c "SELECT count(*) FROM bench_paths")

# ---------------------------------------------------------------------------------------------
# The service

TOKEN=$(MESHGOV_JWT_DEV_SECRET="$SECRET" "$BIN" token --sub bench-consumer --role consumer --domain marketing --ttl 6h)
AUTH="Authorization: Bearer $TOKEN"
BASE="http://$BENCH_LISTEN"

if curl -s -o /dev/null "$BASE/healthz"; then die "something already listens on $BENCH_LISTEN (set BENCH_LISTEN)"; fi
log "starting meshgov serve on $BENCH_LISTEN"
# Background workers off: the seeded domains' AWS accounts are made up, and catalog syncs failing
# against them would be noise in a benchmark of the read API (BENCH_RUN_WORKERS=true to keep them).
# One token drives all the load: the per-caller rate limit is set far above it, so that the
# limiter's bookkeeping is measured without it refusing anything.
DATABASE_URL="$BENCH_URL" MESHGOV_LISTEN="$BENCH_LISTEN" MESHGOV_JWT_DEV_SECRET="$SECRET" \
    MESHGOV_RATE_LIMIT=100000 MESHGOV_RATE_LIMIT_BURST=1000000 \
    MESHGOV_RUN_WORKERS="${BENCH_RUN_WORKERS:-false}" "$BIN" serve 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 1 120); do
    curl -sf -o /dev/null "$BASE/readyz" && break
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/server.log" >&2; die "meshgov serve exited"; }
    sleep 0.5
done
curl -sf -o /dev/null "$BASE/readyz" || die "meshgov did not become ready"
POOL=${MESHGOV_DB_MAX_CONNECTIONS:-16}

rss_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status"; }
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
sleep 2
RSS_IDLE=$(rss_kb VmRSS)

# Scenario URLs; each must answer 200 with items before it is measured.
urlencode() { jq -rn --arg v "$1" '$v|@uri'; }
URL_COMMON="$BASE/api/v1/products?q=$(urlencode "$COMMON_TERM")"
URL_RARE="$BASE/api/v1/products?q=$(urlencode "$RARE_TERM")"
URL_FILTERS="$BASE/api/v1/products?classification=$FILTER_CLASSIFICATION&tag=$(urlencode "$FILTER_TAG")"
page1=$(curl -sf -H "$AUTH" "$URL_COMMON") || die "search failed: $URL_COMMON"
CURSOR=$(jq -r '.next_cursor // empty' <<<"$page1")
[ -n "$CURSOR" ] || die "page 1 of q=$COMMON_TERM has no next_cursor"
URL_PAGE2="$URL_COMMON&cursor=$CURSOR"
BEFORE_ID=$(jq -r '.items[-1].id' <<<"$page1")
for url in "$URL_COMMON" "$URL_RARE" "$URL_FILTERS" "$URL_PAGE2"; do
    n=$(curl -sf -H "$AUTH" "$url" | jq '.items | length') || die "request failed: $url"
    [ "$n" -gt 0 ] || die "no items from $url"
done
q -c "SELECT '/api/v1/domains/' || domain_slug || '/products/' || product_slug
      FROM bench_paths ORDER BY hashint8(n) LIMIT 100000" >"$WORK/paths.txt"
curl -sf -o /dev/null -H "$AUTH" "$BASE$(head -1 "$WORK/paths.txt")" || die "product read failed"
PATH_COUNT=$(wc -l <"$WORK/paths.txt" | tr -d ' ')

declare -A RPS P50 P99 NON2XX LOAD_WRK PEAK_RSS TPS PG_MEAN PG_P50 PG_P99 PG_STMT LOAD_PG
SCENARIOS=(search_common search_rare search_filters search_page2 product_read)
declare -A TITLE=(
    [search_common]="search, common term (\`q=$COMMON_TERM\`, $N_COMMON matches)"
    [search_rare]="search, rare term (\`q=$RARE_TERM\`, $N_RARE matches)"
    [search_filters]="search, filters (\`classification=$FILTER_CLASSIFICATION&tag=$FILTER_TAG\`, $N_FILTER matches)"
    [search_page2]="search page 2 (\`q=$COMMON_TERM&cursor=…\`)"
    [product_read]="product read (\`GET /domains/{d}/products/{p}\`, $PATH_COUNT random products)"
)
declare -A URL=(
    [search_common]="$URL_COMMON" [search_rare]="$URL_RARE" [search_filters]="$URL_FILTERS"
    [search_page2]="$URL_PAGE2" [product_read]="$BASE/"
)

run_wrk() { # name duration
    local name=$1 duration=$2 paths=""
    [ "$name" = product_read ] && paths="$WORK/paths.txt"
    BENCH_PATHS_FILE="$paths" wrk -t "$BENCH_THREADS" -c "$BENCH_CONNECTIONS" -d "${duration}s" --latency \
        -H "$AUTH" -s "$BENCH/wrk/bench.lua" "${URL[$name]}"
}
field() { grep -o " $1=[^ ]*" | head -1 | cut -d= -f2; }

measure_wrk() { # name
    local name=$1 line
    log "wrk $name: warm-up ${BENCH_WARMUP}s, then ${BENCH_DURATION}s"
    run_wrk "$name" "$BENCH_WARMUP" >/dev/null
    LOAD_WRK[$name]=$(load1)
    ( max=0; while kill -0 "$SERVER_PID" 2>/dev/null; do
          v=$(rss_kb VmRSS); [ "${v:-0}" -gt "$max" ] && max=$v; echo "$max" >"$WORK/rss_$name"; sleep 0.5
      done ) &
    SAMPLER_PID=$!
    run_wrk "$name" "$BENCH_DURATION" >"$WORK/wrk_$name.txt"
    kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=""
    line=$(grep '^BENCH_RESULT' "$WORK/wrk_$name.txt") || { cat "$WORK/wrk_$name.txt" >&2; die "wrk $name gave no result"; }
    RPS[$name]=$(field rps <<<"$line"); P50[$name]=$(field p50_ms <<<"$line"); P99[$name]=$(field p99_ms <<<"$line")
    NON2XX[$name]=$(( $(field non2xx <<<"$line") + $(field connect_err <<<"$line") + $(field read_err <<<"$line") \
        + $(field write_err <<<"$line") + $(field timeouts <<<"$line") ))
    PEAK_RSS[$name]=$(cat "$WORK/rss_$name")
    log "  ${RPS[$name]} req/s, p50 ${P50[$name]} ms, p99 ${P99[$name]} ms, errors ${NON2XX[$name]}, peak RSS $(mib "${PEAK_RSS[$name]}") MiB"
}

# pgbench: the same statements, prepared like sqlx prepares them, straight to Postgres.
run_pgbench() { # name duration [extra args]
    local name=$1 duration=$2; shift 2
    pgbench -n -M prepared -c "$BENCH_PGBENCH_CLIENTS" -j 2 -T "$duration" -f "$WORK/$name.sql" \
        -D drafts='{}' -D lim=$((PAGE_LIMIT + 1)) -D q="$COMMON_TERM" -D tag="$FILTER_TAG" \
        -D cls="$FILTER_CLASSIFICATION" -D before="$BEFORE_ID" -D paths="$PATHS" "$@" "$BENCH_URL"
}
measure_pgbench() { # name
    local name=$1 extra=()
    [ "$name" = search_rare ] && extra=(-D q="$RARE_TERM")
    log "pgbench $name: warm-up ${BENCH_WARMUP}s, then ${BENCH_PGBENCH_DURATION}s"
    run_pgbench "$name" "$BENCH_WARMUP" "${extra[@]}" >/dev/null 2>&1 || true
    LOAD_PG[$name]=$(load1)
    mkdir -p "$WORK/pglog_$name"
    (cd "$WORK/pglog_$name" && run_pgbench "$name" "$BENCH_PGBENCH_DURATION" "${extra[@]}" -r -l \
        >"$WORK/pgbench_$name.txt" 2>"$WORK/pgbench_$name.err") \
        || { cat "$WORK/pgbench_$name.err" >&2; die "pgbench $name failed"; }
    TPS[$name]=$(awk '/^tps = / { printf "%.1f", $3; exit }' "$WORK/pgbench_$name.txt")
    PG_MEAN[$name]=$(awk '/^latency average = / { print $4; exit }' "$WORK/pgbench_$name.txt")
    # per-transaction latencies (µs, third column of the log) → p50/p99 in ms
    read -r PG_P50[$name] PG_P99[$name] < <(cat "$WORK/pglog_$name"/pgbench_log.* | awk '{ print $3 }' | sort -n | awk '
        { v[NR] = $1 } END { i50 = int(NR * 0.50); i99 = int(NR * 0.99); if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1
                             printf "%.3f %.3f\n", v[i50] / 1000, v[i99] / 1000 }')
    # latency of the service's statement alone (the last statement of the script)
    PG_STMT[$name]=$(awk '/statement latencies in milliseconds/ { f = 1; next } f && /SELECT/ { last = $1 } END { print last }' \
        "$WORK/pgbench_$name.txt")
    log "  ${TPS[$name]} tps, mean ${PG_MEAN[$name]} ms, p50 ${PG_P50[$name]} ms, p99 ${PG_P99[$name]} ms"
}

# Each scenario: the service under wrk, then its SQL under pgbench (the idle service stays up).
# With BENCH_WAIT_IDLE=1 the machine must be quiet before each scenario; the load average left by
# the scenario's own wrk run is ours, not competition, so pgbench follows at once.
for name in "${SCENARIOS[@]}"; do
    wait_idle "$name"
    measure_wrk "$name"
    measure_pgbench "$name"
done
RSS_AFTER=$(rss_kb VmRSS)
RSS_HWM=$(rss_kb VmHWM)
RSS_PEAK=0
for name in "${SCENARIOS[@]}"; do (( PEAK_RSS[$name] > RSS_PEAK )) && RSS_PEAK=${PEAK_RSS[$name]}; done
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

# ---------------------------------------------------------------------------------------------
# Report

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "–" }'; }
times() { awk -v a="$1" 'BEGIN { printf "%.0f×", a / 20 }'; }
fmt() { awk -v v="$1" 'BEGIN { printf "%.0f", v }'; }

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
PGVER=$(q -c "SELECT current_setting('server_version')")
PGSET=$(q -c "SELECT string_agg(name || '=' || setting || coalesce(unit, ''), ', ' ORDER BY name) FROM pg_settings
              WHERE name IN ('shared_buffers', 'work_mem', 'max_connections', 'jit', 'plan_cache_mode')")

mkdir -p "$(dirname "$BENCH_OUT")"
{
    echo "# meshgov benchmark — $(date -u +%Y-%m-%d) ($(date -u +%H:%M) UTC)"
    echo
    echo "Machine: $(nproc) CPUs ($CPU), $MEM RAM, $(uname -sr). Postgres $PGVER on the same machine ($PGSET)."
    echo "meshgov $COMMIT$DIRTY, release build, \`meshgov serve\` defaults (DB pool $POOL, log level info, JSON access log to a file), background workers ${BENCH_RUN_WORKERS:-off}."
    echo "Data: $PRODUCTS products ($VISIBLE visible to a consumer) in $DOMAINS domains, products table $TABLE_SIZE with indexes."
    echo "Load: wrk $BENCH_THREADS threads, $BENCH_CONNECTIONS connections, ${BENCH_DURATION}s per scenario after ${BENCH_WARMUP}s warm-up, consumer token;"
    echo "pgbench -M prepared, $BENCH_PGBENCH_CLIENTS clients, 2 threads, ${BENCH_PGBENCH_DURATION}s, the same SQL as src/products/store.rs."
    echo "wrk, pgbench, the service and Postgres share the $(nproc) CPUs: every number is a floor."
    echo
    echo "| scenario | meshgov req/s | p50 ms | p99 ms | pgbench tps (same SQL) | pgbench p50 / p99 / mean ms | meshgov ÷ pgbench | ÷ DataZone's 20 req/s |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for name in "${SCENARIOS[@]}"; do
        errs=""; [ "${NON2XX[$name]}" != 0 ] && errs=" (**${NON2XX[$name]} errors**)"
        echo "| ${TITLE[$name]} | $(fmt "${RPS[$name]}")$errs | ${P50[$name]} | ${P99[$name]} | $(fmt "${TPS[$name]}") | ${PG_P50[$name]} / ${PG_P99[$name]} / ${PG_MEAN[$name]} | $(ratio "${RPS[$name]}" "${TPS[$name]}") | $(times "${RPS[$name]}") |"
    done
    echo
    echo "Resident memory of \`meshgov serve\`: idle $(mib "$RSS_IDLE") MiB; under load (VmRSS sampled every 0.5 s) peak $(mib "$RSS_PEAK") MiB; VmHWM $(mib "$RSS_HWM") MiB; after the load $(mib "$RSS_AFTER") MiB."
    echo
    echo "Peak RSS per scenario (MiB): $(for name in "${SCENARIOS[@]}"; do printf '%s %s; ' "$name" "$(mib "${PEAK_RSS[$name]}")"; done)"
    echo
    echo "1-minute load average at the start of each measured run, after its warm-up (wrk / pgbench): $(for name in "${SCENARIOS[@]}"; do printf '%s %s / %s; ' "$name" "${LOAD_WRK[$name]}" "${LOAD_PG[$name]}"; done)"
    [ "$BENCH_WAIT_IDLE" = 1 ] && echo "(BENCH_WAIT_IDLE=1: each scenario waited for a 1-minute load average below 0.8, at most ${BENCH_WAIT_MAX} s; its pgbench run follows its wrk run at once, so the pgbench column shows the load average left by that wrk run)"
    echo
    echo "pgbench for the product read draws a random product with one extra primary-key lookup (pgbench cannot draw a random string),"
    echo "so its tps is for two statements; the find statement alone took ${PG_STMT[product_read]} ms on average."
    for note in "${NOTES[@]}"; do echo; echo "$note"; done
} >"$BENCH_OUT"

cat "$BENCH_OUT"
log "written to ${BENCH_OUT#"$ROOT"/}"
