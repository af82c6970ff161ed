#!/usr/bin/env bash
# Runs meshgov locally with a seeded demo mesh, in the foreground until Ctrl-C.
#
#   scripts/demo.sh
#
# Postgres: DATABASE_URL when set (used as it is), otherwise a private cluster under .meshgov/pg
# (database `meshgov`) that is stopped again on exit. Environment:
#   MESHGOV_LISTEN          where to serve (default 127.0.0.1:8080; a free port is chosen if busy)
#   MESHGOV_JWT_DEV_SECRET  HS256 secret for the demo tokens (default: a new random one per run)
#   MESHGOV_RELEASE=1       build with --release (slower build, faster service)
#   MESHGOV_AWS_ENDPOINT_URL  unset: the AWS emulator of emulator/ is started, the producers' Glue
#                           catalogs are filled in it and every domain is synced; set: meshgov
#                           uses that endpoint and your AWS credentials, and nothing is synced
set -euo pipefail

SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR
source "$SCRIPTS/lib.sh"
# shellcheck source-path=SCRIPTDIR
source "$SCRIPTS/demo-data.sh"

case ${1:-} in
'') ;;
-h | --help)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0
    ;;
*) die "unknown argument: $1 (see --help)" ;;
esac

command -v curl >/dev/null 2>&1 || die "curl is required"
DEMO_DIR=$MESHGOV_STATE/demo
mkdir -p "$DEMO_DIR"

user_database=${DATABASE_URL:-}
ensure_postgres meshgov
aws_env=()
if [[ -z ${MESHGOV_AWS_ENDPOINT_URL:-} ]]; then
    # The emulator starts empty every run: so does the demo's own database, or the registry would
    # remember grants and schemas that the new emulator does not have. A database you gave in
    # DATABASE_URL is never dropped.
    if [[ -z $user_database ]]; then
        create_database --fresh meshgov >/dev/null
    fi
    ensure_emulator "$DEMO_DIR/emulator.log"
    mapfile -t aws_env < <(emulator_env)
    "$EMULATOR_PYTHON" "$SCRIPTS/demo-catalog.py" "$EMULATOR_URL" || die "could not fill the demo Glue catalogs"
    # Producers' catalog changes reach meshgov within seconds through this queue (the emulator
    # plays EventBridge's rules, which deploy/cloudformation sets up on AWS).
    events_queue=$("$EMULATOR_PYTHON" "$SCRIPTS/demo-catalog.py" "$EMULATOR_URL" catalog-events) \
        || die "could not set up the catalog-events queue"
    aws_env+=("MESHGOV_CATALOG_EVENTS_QUEUE_URL=$events_queue")
fi
build_meshgov

if [[ -z ${MESHGOV_JWT_DEV_SECRET:-} ]]; then
    MESHGOV_JWT_DEV_SECRET=$(dev_secret)
    log "generated a development token secret for this run (set MESHGOV_JWT_DEV_SECRET to keep tokens valid across runs)"
fi
export MESHGOV_JWT_DEV_SECRET
# Webhook receivers tried out with the demo listen on plain http on this machine (a private address).
export MESHGOV_WEBHOOK_ALLOW_HTTP=${MESHGOV_WEBHOOK_ALLOW_HTTP:-true}
export MESHGOV_WEBHOOK_ALLOW_PRIVATE=${MESHGOV_WEBHOOK_ALLOW_PRIVATE:-true}

listen=${MESHGOV_LISTEN:-127.0.0.1:8080}
port=${listen##*:}
if port_in_use "$port"; then
    new_port=$(free_port $((port + 1)))
    warn "port $port is busy; serving on port $new_port instead"
    listen=${listen%:*}:$new_port
fi
addr=$(connect_addr "$listen")
BASE=http://$addr

start_meshgov "$listen" "$DEMO_DIR/meshgov.log" "${aws_env[@]}"
log "meshgov serve started (pid $MESHGOV_PID, log $DEMO_DIR/meshgov.log); waiting for $BASE/readyz"
if ! wait_for_url "$BASE/readyz" 120 "$MESHGOV_PID"; then
    tail -n 30 "$DEMO_DIR/meshgov.log" >&2 || true
    die "meshgov did not become ready"
fi

seed_demo_mesh "$BASE"
if ((${#aws_env[@]})); then
    sync_demo_mesh
    subscribe_demo
    revoke_demo
    usage_demo
fi

ADMIN=$(mint_token ada admin)
STEWARD=$(mint_token sofia steward)
PRODUCER=$(mint_token sam producer sales)
CONSUMER=$(mint_token maya consumer marketing)

# The examples printed below, checked before they are shown.
examples=(
    "CONSUMER|/api/v1/products?q=inventory"
    "CONSUMER|/api/v1/products?tag=daily&status=published&limit=10"
    "CONSUMER|/api/v1/domains/retail-pos/products/pos-transactions"
    "CONSUMER|/api/v1/domains/sales/products/daily-sell-out/schema"
    "PRODUCER|/api/v1/domains/sales/products?status=draft"
    "ADMIN|/api/v1/domains"
    "STEWARD|/api/v1/audit?action=product.published&limit=5"
    "STEWARD|/api/v1/audit/verify"
)
failed=0
for ex in "${examples[@]}"; do
    role=${ex%%|*}
    path=${ex#*|}
    api GET "$path" "${!role}"
    if [[ $API_STATUS != 200 ]]; then
        warn "example GET $path as $role answered HTTP $API_STATUS: $API_BODY"
        failed=1
    fi
done

cat >"$DEMO_DIR/env" <<EOF
# Source this file in another shell: . $DEMO_DIR/env
export MESHGOV=$BASE
export ADMIN=$ADMIN
export STEWARD=$STEWARD
export PRODUCER=$PRODUCER
export CONSUMER=$CONSUMER
EOF

cat <<EOF

meshgov demo is running
  console      $BASE/console   (development sign-in: pick a name, a role and domains)
  API          $BASE/api/v1
  OpenAPI      $BASE/openapi.json
  health       $BASE/healthz   $BASE/readyz   $BASE/metrics
  database     $(printf '%s' "$DATABASE_URL" | sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#')
  service log  $DEMO_DIR/meshgov.log
  AWS          ${MESHGOV_AWS_ENDPOINT_URL:-${EMULATOR_URL:-} (the emulator of emulator/; log $DEMO_DIR/emulator.log)}

Demo mesh: domains sales, supply-chain, marketing, retail-pos with 10 data products
(sales/sales-forecast is a draft, supply-chain/supplier-scorecard is deprecated).

Development tokens (valid ${MESHGOV_DEMO_TOKEN_TTL:-24h}; also in $DEMO_DIR/env, which you can source):
export ADMIN=$ADMIN
export STEWARD=$STEWARD
export PRODUCER=$PRODUCER   # producer in sales
export CONSUMER=$CONSUMER   # consumer in marketing

Try:
curl -s -H "Authorization: Bearer \$CONSUMER" '$BASE/api/v1/products?q=inventory'
curl -s -H "Authorization: Bearer \$CONSUMER" '$BASE/api/v1/products?tag=daily&status=published&limit=10'
curl -s -H "Authorization: Bearer \$CONSUMER" $BASE/api/v1/domains/retail-pos/products/pos-transactions
curl -s -H "Authorization: Bearer \$CONSUMER" $BASE/api/v1/domains/sales/products/daily-sell-out/schema
curl -s -H "Authorization: Bearer \$PRODUCER" '$BASE/api/v1/domains/sales/products?status=draft'
curl -s -H "Authorization: Bearer \$ADMIN" $BASE/api/v1/domains
curl -s -H "Authorization: Bearer \$STEWARD" '$BASE/api/v1/audit?action=product.published&limit=5'
curl -s -H "Authorization: Bearer \$STEWARD" $BASE/api/v1/audit/verify
curl -s -X POST -H "Authorization: Bearer \$PRODUCER" $BASE/api/v1/domains/sales/products/sales-forecast/publish
EOF
if ((${#aws_env[@]})); then
    cat <<EOF

Marketing's subscription to sales/daily-sell-out, approved by sales' owner, and what Lake Formation grants
(sales is in central mode: the grant is on the mirror sales__daily_sell_out in the governance account):
curl -s -H "Authorization: Bearer \$CONSUMER" $BASE/api/v1/subscriptions/$DEMO_SUBSCRIPTION
$EMULATOR_PYTHON $SCRIPTS/demo-catalog.py $EMULATOR_URL list-permissions arn:aws:iam::333344445555:role/marketing-analytics

Marketing's role reads it through the resource link meshgov made in marketing's account (its "access"
above says how to query: Athena database sales__daily_sell_out), with its own credentials:
$EMULATOR_PYTHON $SCRIPTS/demo-catalog.py $EMULATOR_URL read-through-link arn:aws:iam::333344445555:role/marketing-analytics sales__daily_sell_out sku_dim

A producer changes its catalog: add a column in the sales account, and within seconds the API shows it,
without a sync (Glue's catalog event reaches meshgov through the queue); drop one, and see the breaking change:
$EMULATOR_PYTHON $SCRIPTS/demo-catalog.py $EMULATOR_URL add-column sales sales_curated sell_out_daily promo_id string
sleep 2; curl -s -H "Authorization: Bearer \$CONSUMER" $BASE/api/v1/domains/sales/products/daily-sell-out/schema
$EMULATOR_PYTHON $SCRIPTS/demo-catalog.py $EMULATOR_URL drop-column sales sales_curated sell_out_daily currency
sleep 2; curl -s -H "Authorization: Bearer \$CONSUMER" $BASE/api/v1/domains/sales/products/daily-sell-out/schema-changes

Someone revokes a grant by hand in Lake Formation: the drift report lists it as missing, and
reconcile grants it again (the periodic reconcile would too, within MESHGOV_RECONCILE_INTERVAL):
$EMULATOR_PYTHON $SCRIPTS/demo-catalog.py $EMULATOR_URL revoke-by-hand sales__daily_sell_out sku_dim arn:aws:iam::333344445555:role/marketing-analytics
curl -s -H "Authorization: Bearer \$STEWARD" $BASE/api/v1/drift
curl -s -X POST -H "Authorization: Bearer \$STEWARD" '$BASE/api/v1/reconcile?apply=true'
curl -s -H "Authorization: Bearer \$STEWARD" $BASE/api/v1/drift
curl -s -H "Authorization: Bearer \$CONSUMER" $BASE/api/v1/subscriptions/$DEMO_SUBSCRIPTION

Who uses what: marketing-analytics read daily-sell-out (recorded Lake Formation data access events),
marketing-planner never did; sales reviews access every 14 days, so both are due for review:
curl -s -H "Authorization: Bearer \$STEWARD" $BASE/api/v1/reviews
curl -s -X POST -H "Authorization: Bearer \$STEWARD" -H 'Content-Type: application/json' -d '{"comment":"still needed"}' $BASE/api/v1/reviews/$DEMO_SUBSCRIPTION/confirm
curl -s -X POST -H "Authorization: Bearer \$STEWARD" -H 'Content-Type: application/json' -d '{"comment":"never used"}' $BASE/api/v1/reviews/$DEMO_UNUSED/revoke
curl -s -H "Authorization: Bearer \$STEWARD" '$BASE/api/v1/domains/sales/access-report?format=csv'
$EMULATOR_PYTHON $SCRIPTS/demo-catalog.py $EMULATOR_URL record-access arn:aws:iam::333344445555:role/marketing-planner sales__daily_sell_out sku_dim
EOF
    echo
    print_usage_report "$BASE" "$STEWARD"
fi
echo
((failed == 0)) || warn "some example calls did not answer 200 (see above)"

# Ctrl-C (or SIGTERM) ends the demo normally; the EXIT trap stops meshgov and the private cluster.
trap 'echo >&2; log "shutting down"; exit 0' INT TERM
log "running; press Ctrl-C to stop"
set +e
wait "$MESHGOV_PID"
status=$?
set -e
tail -n 20 "$DEMO_DIR/meshgov.log" >&2 || true
die "meshgov exited on its own (status $status)"
