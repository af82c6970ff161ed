#!/usr/bin/env bash
# The demo mesh for a meshgov and an AWS emulator that run already: docker-compose.yml's
# `catalogs` and `seed` services run this (scripts/demo.sh does the same steps for its own
# processes).
#
#   scripts/demo-seed.sh catalogs   fills the producers' Glue catalogs in the emulator, routes
#                                   their catalog events to the governance account's queue and
#                                   prints its URL (meshgov's MESHGOV_CATALOG_EVENTS_QUEUE_URL)
#   scripts/demo-seed.sh mesh       seeds the domains and products through the API, syncs them,
#                                   grants subscriptions and revokes one, records data accesses;
#                                   prints the reviews, the access report, the console and tokens
#
# Environment: EMULATOR_URL (both); SERVICE_URL and MESHGOV_JWT_DEV_SECRET (mesh: the service's
# development secret, for the tokens it mints with `meshgov token`); CONSOLE_URL (mesh: the
# console's address to print, default $SERVICE_URL/console); MESHGOV_BIN (default: meshgov
# on PATH); EMULATOR_PYTHON (default: python3), with boto3.
set -euo pipefail

SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR
source "$SCRIPTS/lib.sh"
# shellcheck source-path=SCRIPTDIR
source "$SCRIPTS/demo-data.sh"

[[ -n ${EMULATOR_URL:-} ]] || die "EMULATOR_URL is required (the AWS emulator's address)"
EMULATOR_PYTHON=${EMULATOR_PYTHON:-python3}

case ${1:-} in
catalogs)
    "$EMULATOR_PYTHON" "$SCRIPTS/demo-catalog.py" "$EMULATOR_URL" >&2 || die "could not fill the demo Glue catalogs"
    queue=$("$EMULATOR_PYTHON" "$SCRIPTS/demo-catalog.py" "$EMULATOR_URL" catalog-events) ||
        die "could not set up the catalog-events queue"
    log "producers' Glue catalogs filled; their catalog events go to this queue:"
    printf '%s\n' "$queue"
    ;;
mesh)
    [[ -n ${SERVICE_URL:-} ]] || die "SERVICE_URL is required (the service's address)"
    [[ -n ${MESHGOV_JWT_DEV_SECRET:-} ]] || die "MESHGOV_JWT_DEV_SECRET is required (the service's development secret)"
    export MESHGOV_JWT_DEV_SECRET
    MESHGOV_BIN=${MESHGOV_BIN:-$(command -v meshgov)} || die "meshgov is not on PATH: set MESHGOV_BIN"
    wait_for_url "$SERVICE_URL/readyz" 120 || die "meshgov at $SERVICE_URL did not become ready"
    seed_demo_mesh "$SERVICE_URL"
    sync_demo_mesh
    subscribe_demo
    revoke_demo
    usage_demo
    print_usage_report "$SERVICE_URL" "$(mint_token sofia steward)"
    cat <<EOF

The demo mesh is seeded. The console: ${CONSOLE_URL:-$SERVICE_URL/console} (development sign-in: pick a role).
Development tokens (valid ${MESHGOV_DEMO_TOKEN_TTL:-24h}):
export ADMIN=$(mint_token ada admin)
export STEWARD=$(mint_token sofia steward)
export PRODUCER=$(mint_token sam producer sales)   # producer in sales
export CONSUMER=$(mint_token maya consumer marketing)   # consumer in marketing
Marketing's subscription to sales/daily-sell-out: /api/v1/subscriptions/$DEMO_SUBSCRIPTION
EOF
    ;;
-h | --help)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    ;;
*) die "usage: scripts/demo-seed.sh catalogs|mesh (see --help)" ;;
esac
