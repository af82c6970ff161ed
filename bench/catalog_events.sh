#!/usr/bin/env bash
# Producer change to API through the catalog-events queue, in one command:
#
#   bench/catalog_events.sh
#
# Starts (or reuses, see scripts/lib.sh) Postgres and the AWS emulator, runs
# `cargo bench --bench catalog_events` (bench/catalog_events.rs) and writes its table to
# bench/results/catalog_events.md. Settings: BENCH_CHANGES (50); BENCH_OUT for the file.

set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"
run_emulator_bench catalog_events "${BENCH_OUT:-$MESHGOV_REPO/bench/results/catalog_events.md}"
