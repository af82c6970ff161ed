#!/usr/bin/env bash
# A burst of Lake Formation data access events beside decisions, in one command:
#
#   bench/usage.sh
#
# Starts (or reuses, see scripts/lib.sh) Postgres and the AWS emulator, runs
# `cargo bench --bench usage` (bench/usage.rs) and writes its table to bench/results/usage.md.
# Settings: BENCH_EVENTS (100000), BENCH_DECISIONS (100), BENCH_SUBSCRIPTIONS (20); BENCH_OUT for
# the file.

set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"
run_emulator_bench usage "${BENCH_OUT:-$MESHGOV_REPO/bench/results/usage.md}"
