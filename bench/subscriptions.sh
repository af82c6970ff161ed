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

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"
run_emulator_bench subscriptions "${BENCH_OUT:-$MESHGOV_REPO/bench/results/subscriptions.md}"
