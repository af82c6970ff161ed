#!/usr/bin/env bash
# Latency from decision to effect, in one command:
#
#   bench/latency.sh
#
# Starts (or reuses, see scripts/lib.sh) Postgres and the AWS emulator, runs
# `cargo bench --bench latency` (bench/latency.rs: request → approve → granted cycles one at a
# time, 16 in flight, and one at a time with the workers only polling) and writes its table to
# bench/results/latency.md. Settings: BENCH_CYCLES, BENCH_POLL_CYCLES, BENCH_INFLIGHT,
# BENCH_INFLIGHT_CYCLES (see the top of bench/latency.rs); BENCH_OUT for the file.

set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"
run_emulator_bench latency "${BENCH_OUT:-$MESHGOV_REPO/bench/results/latency.md}"
