#!/usr/bin/env bash
# The drift check benchmark, in one command:
#
#   bench/drift.sh
#
# Starts (or reuses, see scripts/lib.sh) Postgres and the AWS emulator, runs
# `cargo bench --bench drift` (bench/drift.rs: 10 producer accounts × 10 products × 10 Glue tables,
# 1,000 consumer roles; for each size, approved subscriptions with their `granted` grants in a
# fresh database, ~1% drift made by hand; `drift::check::check` run and timed, its findings
# asserted) and writes its markdown tables to bench/results/drift.md.
#
# Sizes: BENCH_SIZES (default 10000,100000) are granted into the emulator's Lake Formation with
# BatchGrantPermissions and checked against it, then checked once more with the same listing served
# from memory (meshgov's own cost); BENCH_FULL (default 0: none) adds a size checked from memory only.
# How long: ~10 minutes on a 2-core machine once the release build is current (the 100,000-grant
# set-up through the emulator is ~2–3 of them), plus the release build itself (~10 minutes cold).
# BENCH_SIZES=2000 bench/drift.sh is a one-minute smoke run.
# Other settings: BENCH_KEEP_DB=1 (keep the databases); BENCH_OUT for the file.

set -euo pipefail

# shellcheck source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"
run_emulator_bench drift "${BENCH_OUT:-$MESHGOV_REPO/bench/results/drift.md}"
