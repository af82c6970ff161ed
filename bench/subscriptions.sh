#!/usr/bin/env bash
# The subscriptions benchmark, in one command:
#
#   bench/subscriptions.sh
#
# Starts (or reuses, see scripts/lib.sh) Postgres and the AWS emulator, runs
# `cargo bench --bench subscriptions` (bench/subscriptions.rs: seeds a fresh database with 500,000
# products and 100,000 subscriptions, measures approvals/s through the HTTP router and grants/s
# against the emulator) and writes its markdown table to bench/results/subscriptions.md.
# Settings: BENCH_PRODUCTS, BENCH_SUBSCRIPTIONS, BENCH_DECISIONS, BENCH_SERIAL, BENCH_CONCURRENCY,
# BENCH_GRANT_JOBS, BENCH_KEEP_DB (see the top of bench/subscriptions.rs); BENCH_OUT for the file.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../scripts/lib.sh
source "$ROOT/scripts/lib.sh"

OUT=${BENCH_OUT:-$ROOT/bench/results/subscriptions.md}
mkdir -p "$(dirname "$OUT")" "$MESHGOV_STATE"

ensure_postgres postgres
# A log file that does not exist yet: ensure_emulator starts the emulator in the background and
# reads its port from the log, so a log left by an earlier run could name that run's port.
EMULATOR_LOG=$MESHGOV_STATE/bench-subscriptions-emulator.log
rm -f "$EMULATOR_LOG"
ensure_emulator "$EMULATOR_LOG"
export MESHGOV_TEST_AWS_ENDPOINT=$EMULATOR_URL

cd "$ROOT"
log "cargo bench --bench subscriptions (release build; the table goes to ${OUT#"$ROOT"/})"
cargo bench --locked --bench subscriptions | tee "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "results written to ${OUT#"$ROOT"/}"
