#!/usr/bin/env bash
# Catalog sync benchmark: a full sync of BENCH_ACCOUNTS producer accounts × BENCH_TABLES tables
# (default 10 × 1000) and a no-change re-sync through meshgov's job worker, against the AWS
# emulator, next to the same Glue reads in a plain loop. Writes bench/results/catalog_sync.md.
#
#   bench/catalog_sync.sh
#
# Postgres: DATABASE_URL when set, otherwise the private cluster of scripts/lib.sh.
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR
source "$BENCH/../scripts/lib.sh"

cd "$MESHGOV_REPO"
mkdir -p "$MESHGOV_STATE/bench" "$BENCH/results"
ensure_postgres postgres
ensure_emulator "$MESHGOV_STATE/bench/catalog-sync-emulator.log"
export MESHGOV_TEST_AWS_ENDPOINT=$EMULATOR_URL
out=$BENCH/results/catalog_sync.md
{
    echo "## Catalog sync benchmark"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)) ·" \
        "$(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo) · load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    cargo bench --locked --bench catalog_sync 2>"$MESHGOV_STATE/bench/catalog-sync.log"
    echo
    echo "Load average at end: $(cut -d' ' -f1-3 /proc/loadavg). Seeding: $(grep -o 'seeded .*' "$MESHGOV_STATE/bench/catalog-sync.log" | head -n 1)."
} | tee "$out.tmp"
mv "$out.tmp" "$out"
log "results written to $out"
