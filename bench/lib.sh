# What the benchmarks against the AWS emulator share: Postgres and the emulator started (or
# reused, see scripts/lib.sh), then `cargo bench --bench NAME` with its markdown kept in a file.
# Sourced by bench/drift.sh and bench/subscriptions.sh.

# shellcheck source=../scripts/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/../scripts/lib.sh"

run_emulator_bench() { # NAME OUT
    local name=$1 out=$2
    mkdir -p "$(dirname "$out")" "$MESHGOV_STATE"
    ensure_postgres postgres
    ensure_emulator "$MESHGOV_STATE/bench-$name-emulator.log"
    export MESHGOV_TEST_AWS_ENDPOINT=$EMULATOR_URL
    cd "$MESHGOV_REPO"
    log "cargo bench --bench $name (release build; the results go to ${out#"$MESHGOV_REPO"/})"
    cargo bench --locked --bench "$name" | tee "$out.tmp"
    mv "$out.tmp" "$out"
    log "results written to ${out#"$MESHGOV_REPO"/}"
}
