# shellcheck shell=bash
# The demo mesh of a consumer-packaged-goods company, seeded through the REST API.
# Source after lib.sh; call `seed_demo_mesh BASE_URL` with MESHGOV_BIN and MESHGOV_JWT_DEV_SECRET
# set. Idempotent: what exists already (409) is kept, lifecycle steps run only when still needed.

# token SUB ROLE [DOMAIN...]: a development token from the running configuration.
mint_token() {
    local sub=$1 role=$2 args=()
    shift 2
    local d
    for d in "$@"; do args+=(--domain "$d"); done
    "$MESHGOV_BIN" token --sub "$sub" --role "$role" "${args[@]}" --ttl "${MESHGOV_DEMO_TOKEN_TTL:-24h}"
}

# api METHOD PATH TOKEN [JSON]: sets API_STATUS and API_BODY.
api() {
    local method=$1 path=$2 token=$3 body=${4:-} out
    out=$(mktemp)
    local args=(-sS -o "$out" -w '%{http_code}' --max-time 30 -X "$method" -H "Authorization: Bearer $token")
    if [[ -n $body ]]; then
        args+=(-H 'Content-Type: application/json' --data-binary "$body")
    fi
    API_STATUS=$(curl "${args[@]}" "$SEED_BASE$path") || API_STATUS=000
    API_BODY=$(cat "$out")
    rm -f "$out"
}

# Top-level string field NAME of a JSON object, with jq or else python3.
json_string() {
    if command -v jq >/dev/null 2>&1; then
        printf '%s' "$2" | jq -r --arg k "$1" '.[$k] // empty | strings'
    elif command -v python3 >/dev/null 2>&1; then
        printf '%s' "$2" | python3 -c 'import json, sys
v = json.load(sys.stdin).get(sys.argv[1])
print(v if isinstance(v, str) else "")' "$1"
    else
        die "jq or python3 is needed to read the service's JSON answers"
    fi
}

_expect() { # _expect WHAT STATUS...
    local what=$1 s
    shift
    for s in "$@"; do [[ $API_STATUS == "$s" ]] && return 0; done
    die "$what: HTTP $API_STATUS: $API_BODY"
}

_seed_domain() { # slug account name policy description owner [catalog_mode]
    local slug=$1 account=$2 name=$3 policy=$4 description=$5 owner=$6 mode=${7:-central} roles
    # Central mode: grants on a mirror in the governance account, whose data access role reads the
    # producer's data; producer mode: grants in the producer's account, through its grant role.
    if [[ $mode == producer ]]; then
        roles="\"grant_role_arn\":\"arn:aws:iam::$account:role/meshgov-grants\""
    else
        roles="\"data_access_role_arn\":\"arn:aws:iam::123456789012:role/meshgov-data-access\""
    fi
    # As a consumer: a link role, with which meshgov accepts RAM invitations and creates resource links.
    roles="$roles,\"link_role_arn\":\"arn:aws:iam::$account:role/meshgov-links\""
    api POST /api/v1/domains "$SEED_ADMIN" "$(
        cat <<JSON
{"slug":"$slug","name":"$name","description":"$description","aws_account_id":"$account",
 "sync_role_arn":"arn:aws:iam::$account:role/meshgov-catalog-reader",
 "owners":["$owner"],"approval_policy":"$policy","catalog_mode":"$mode",$roles}
JSON
    )"
    _expect "create domain $slug" 201 409
    if [[ $API_STATUS == 201 ]]; then SEED_CREATED=$((SEED_CREATED + 1)); else SEED_KEPT=$((SEED_KEPT + 1)); fi
}

# _seed_product DOMAIN TARGET_STATUS JSON: creates the product and walks it to TARGET_STATUS.
_seed_product() {
    local domain=$1 target=$2 body=$3 slug token status
    slug=$(json_string slug "$(printf '%s' "$body" | tr -d '\n')")
    token=${SEED_PRODUCERS[$domain]}
    api POST "/api/v1/domains/$domain/products" "$token" "$body"
    _expect "create product $domain/$slug" 201 409
    if [[ $API_STATUS == 201 ]]; then SEED_CREATED=$((SEED_CREATED + 1)); else SEED_KEPT=$((SEED_KEPT + 1)); fi
    api GET "/api/v1/domains/$domain/products/$slug" "$token"
    _expect "read product $domain/$slug" 200
    status=$(json_string status "$API_BODY")
    local steps=()
    case "$target:$status" in
    published:draft | published:deprecated) steps=(publish) ;;
    deprecated:draft) steps=(publish deprecate) ;;
    deprecated:published) steps=(deprecate) ;;
    "$target:$target") ;;
    *) warn "$domain/$slug is $status; the demo wants it $target (left as it is)" ;;
    esac
    local step
    for step in "${steps[@]}"; do
        api POST "/api/v1/domains/$domain/products/$slug/$step" "$token"
        _expect "$step $domain/$slug" 200
    done
}

seed_demo_mesh() {
    SEED_BASE=$1
    SEED_CREATED=0
    SEED_KEPT=0
    SEED_ADMIN=$(mint_token demo-admin admin)
    declare -gA SEED_PRODUCERS=()
    local d
    for d in sales supply-chain marketing retail-pos; do
        SEED_PRODUCERS[$d]=$(mint_token "$d-data-team" producer "$d")
    done

    _seed_domain sales 111122223333 "Sales" owners \
        "Sell-in and sell-out to retailers and distributors, orders and key-account performance." \
        "sales-data@example.com"
    _seed_domain supply-chain 222233334444 "Supply chain" stewards \
        "Plants, distribution centres, inventory and transport across the network." \
        "supply-chain-data@example.com"
    _seed_domain marketing 333344445555 "Marketing" either \
        "Brand campaigns, media spend, consumer panels and brand health tracking." \
        "marketing-data@example.com"
    _seed_domain retail-pos 444455556666 "Retail point of sale" stewards \
        "Point-of-sale data shared by retail partners, and the master data of their stores." \
        "retail-pos-data@example.com" producer

    _seed_product sales published '{"slug":"daily-sell-out","name":"Daily sell-out",
 "description":"Units and value sold to consumers per SKU, store and day, harmonised across retail partners. Refreshed daily at 06:00 UTC.",
 "classification":"internal","tags":["sell-out","daily","sku","retail"],"owner":"sales-analytics@example.com",
 "source":{"database":"sales_curated","tables":["sell_out_daily","sku_dim"]}}'
    _seed_product sales published '{"slug":"customer-orders","name":"Customer orders",
 "description":"Orders from retailers and distributors with order lines, requested and confirmed quantities, prices and discounts.",
 "classification":"confidential","tags":["orders","sell-in","b2b"],"owner":"order-to-cash@example.com",
 "source":{"database":"sales_curated","tables":["order_header","order_line"]}}'
    _seed_product sales draft '{"slug":"sales-forecast","name":"Sales forecast",
 "description":"Weekly statistical forecast of sell-in per SKU and customer, 52 weeks ahead. Still being validated by demand planning.",
 "classification":"internal","tags":["forecast","weekly","demand-planning"],"owner":"demand-planning@example.com",
 "source":{"database":"sales_forecast"}}'

    _seed_product supply-chain published '{"slug":"inventory-positions","name":"Inventory positions",
 "description":"On-hand, in-transit and allocated inventory per SKU, plant and distribution centre, snapshot every hour.",
 "classification":"internal","tags":["inventory","hourly","warehouse"],"owner":"supply-chain-data@example.com",
 "source":{"database":"scm_curated","tables":["inventory_snapshot","location_dim"]}}'
    _seed_product supply-chain published '{"slug":"shipments","name":"Shipments",
 "description":"Outbound shipments from distribution centres to customers: carrier, route, pallets, planned and actual delivery times.",
 "classification":"internal","tags":["logistics","transport","otif"],"owner":"logistics@example.com",
 "source":{"database":"scm_curated","tables":["shipment","shipment_line"]}}'
    _seed_product supply-chain deprecated '{"slug":"supplier-scorecard","name":"Supplier scorecard (legacy)",
 "description":"Monthly supplier quality and delivery scores from the old procurement system. Superseded by the procurement domain; kept until consumers move.",
 "classification":"confidential","tags":["suppliers","monthly","legacy"],"owner":"procurement@example.com",
 "source":{"database":"scm_legacy","tables":["supplier_scorecard"]}}'

    _seed_product marketing published '{"slug":"campaign-performance","name":"Campaign performance",
 "description":"Impressions, clicks, spend and attributed sales per campaign, channel and day for all brands.",
 "classification":"internal","tags":["campaigns","media","daily","roi"],"owner":"marketing-analytics@example.com",
 "source":{"database":"mkt_curated","tables":["campaign_daily"]}}'
    _seed_product marketing published '{"slug":"consumer-panel","name":"Consumer panel",
 "description":"Household panel purchases by category and brand (penetration, frequency, share of wallet), licensed from a panel provider.",
 "classification":"restricted","tags":["panel","households","licensed"],"owner":"consumer-insights@example.com",
 "source":{"database":"mkt_panel","tables":["panel_purchases","household_dim"]}}'

    _seed_product retail-pos published '{"slug":"pos-transactions","name":"POS transactions",
 "description":"Receipt-level point-of-sale transactions from partner retailers: basket, SKU, quantity, price and promotion flags.",
 "classification":"confidential","tags":["pos","transactions","baskets"],"owner":"retail-data@example.com",
 "source":{"database":"pos_raw","tables":["transactions","transaction_lines"]}}'
    _seed_product retail-pos published '{"slug":"store-master","name":"Store master",
 "description":"Every partner store with address, format, banner, size and opening hours; the reference for all store-level data.",
 "classification":"public","tags":["stores","master-data","reference"],"owner":"retail-data@example.com",
 "source":{"database":"pos_reference","tables":["stores"]}}'

    log "demo mesh seeded: $SEED_CREATED created, $SEED_KEPT already there"
}

# Syncs every demo domain from its Glue catalog (in the emulator) and waits for the jobs, so the
# products show their schemas. Failures are reported, not fatal: the registry works without them.
sync_demo_mesh() {
    local d job status deadline ok=0
    for d in sales supply-chain marketing retail-pos; do
        api POST "/api/v1/domains/$d/sync" "$SEED_ADMIN"
        if [[ $API_STATUS != 202 ]]; then
            warn "sync of $d: HTTP $API_STATUS: $API_BODY"
            continue
        fi
        job=$(json_string id "$API_BODY")
        deadline=$((SECONDS + 60))
        status=queued
        while [[ $status == queued || $status == running ]] && ((SECONDS < deadline)); do
            sleep 0.3
            api GET "/api/v1/jobs/$job" "$SEED_ADMIN"
            status=$(json_string status "$API_BODY")
        done
        if [[ $status == succeeded ]]; then
            ok=$((ok + 1))
        else
            warn "sync of $d ended $status: $(json_string last_error "$API_BODY")"
        fi
    done
    log "catalog sync: $ok of 4 domains synced from their Glue catalogs"
}

# A full access flow: marketing's consumer asks for part of sales' daily sell-out (four columns,
# one retailer's rows, plus the SKU dimension), sales' producer approves (the sales domain lets
# owners approve), meshgov grants it in Lake
# Formation (the emulator). Sets DEMO_SUBSCRIPTION to the subscription's id. Idempotent: a repeated
# identical request returns the existing subscription, and approving it again is a 409.
subscribe_demo() {
    local consumer owner id
    consumer=$(mint_token maya consumer marketing)
    owner=$(mint_token sam producer sales)
    api POST /api/v1/subscriptions "$consumer" '{"domain":"sales","product":"daily-sell-out",
 "consumer_domain":"marketing","principal":"arn:aws:iam::333344445555:role/marketing-analytics",
 "tables":[{"name":"sell_out_daily","columns":["sku","store_id","retailer","units"],"row_filter":"retailer = '"'"'ACME'"'"'"},
           {"name":"sku_dim"}],
 "justification":"Promotion uplift analysis for the spring campaign"}'
    _expect "request access to sales/daily-sell-out" 200 201
    id=$(json_string id "$API_BODY")
    api POST "/api/v1/subscriptions/$id/approve" "$owner" '{"comment":"Approved for the spring campaign"}'
    _expect "approve subscription $id" 202 409
    _settled "$id" "$owner"
    if [[ $SETTLED == granted ]]; then
        log "subscription $id: approved, granted in Lake Formation, and linked in marketing's account"
        log "  query it from marketing's account: $(_access_field example_query "$API_BODY")"
    else
        warn "subscription $id ended provisioning=$SETTLED: $API_BODY"
    fi
    DEMO_SUBSCRIPTION=$id
}

# _settled ID TOKEN: waits until the subscription's provisioning settles; sets SETTLED to it
# (and API_BODY to the subscription).
_settled() {
    local id=$1 token=$2 deadline=$((SECONDS + 60))
    SETTLED=
    while ((SECONDS < deadline)); do
        api GET "/api/v1/subscriptions/$id" "$token"
        SETTLED=$(json_string provisioning "$API_BODY")
        [[ $SETTLED == granting || $SETTLED == revoking || $SETTLED == none ]] || break
        sleep 0.3
    done
}

# _access_field NAME JSON: a field of the subscription's `access`.
_access_field() {
    printf '%s' "$2" | python3 -c 'import json, sys
a = json.load(sys.stdin).get("access") or {}
print(a.get(sys.argv[1]) or "")' "$1"
}

# What revoking does, shown with the consumer's own credentials: a second marketing role gets the
# SKU dimension, reads it through the resource link (GetTable as that role), is revoked, and cannot.
revoke_demo() {
    local consumer owner id before after
    consumer=$(mint_token maya consumer marketing)
    owner=$(mint_token sam producer sales)
    local role=arn:aws:iam::333344445555:role/marketing-intern
    api POST /api/v1/subscriptions "$consumer" '{"domain":"sales","product":"daily-sell-out",
 "consumer_domain":"marketing","principal":"'"$role"'","tables":[{"name":"sku_dim"}],
 "justification":"Onboarding: reading the SKU dimension"}'
    _expect "request access for $role" 200 201
    id=$(json_string id "$API_BODY")
    api POST "/api/v1/subscriptions/$id/approve" "$owner" '{}'
    _expect "approve subscription $id" 202 409
    _settled "$id" "$owner"
    before=$("$EMULATOR_PYTHON" "$SCRIPTS/demo-catalog.py" "$EMULATOR_URL" read-through-link "$role" sales__daily_sell_out sku_dim 2>&1) || true
    # Sales lets its owners decide on its products (approval policy `owners`): sales' producer revokes.
    api POST "/api/v1/subscriptions/$id/revoke" "$owner" '{"comment":"Onboarding over"}'
    _expect "revoke subscription $id" 202 409
    _settled "$id" "$owner"
    after=$("$EMULATOR_PYTHON" "$SCRIPTS/demo-catalog.py" "$EMULATOR_URL" read-through-link "$role" sales__daily_sell_out sku_dim 2>&1) || true
    log "marketing-intern, granted: $before"
    log "marketing-intern, after revoke ($SETTLED): $after"
}

# Who uses what. Sales reviews access every 14 days (so the seeded subscriptions are due for review
# at once) and counts 60 days without a read as unused; a second marketing role gets the SKU
# dimension and never reads it; the analytics role's reads, recorded Lake Formation data access
# events on meshgov's queue, make its subscription "used". Sets DEMO_UNUSED to the unread one.
usage_demo() {
    local owner consumer id deadline uses role=arn:aws:iam::333344445555:role/marketing-planner
    local analyst=arn:aws:iam::333344445555:role/marketing-analytics
    owner=$(mint_token sam producer sales)
    consumer=$(mint_token maya consumer marketing)
    api PATCH /api/v1/domains/sales "$SEED_ADMIN" '{"access_policy":{"review_every_days":14,"unused_after_days":60}}'
    _expect "set sales' access policy" 200
    api POST /api/v1/subscriptions "$consumer" '{"domain":"sales","product":"daily-sell-out",
 "consumer_domain":"marketing","principal":"'"$role"'","tables":[{"name":"sku_dim"}],
 "justification":"Assortment planning for the next season"}'
    _expect "request access for $role" 200 201
    id=$(json_string id "$API_BODY")
    api POST "/api/v1/subscriptions/$id/approve" "$owner" '{}'
    _expect "approve subscription $id" 202 409
    _settled "$id" "$owner"
    DEMO_UNUSED=$id
    local read
    for read in "sell_out_daily athena 30" "sku_dim glue_etl 6" "sell_out_daily athena 1"; do
        # shellcheck disable=SC2086 # table, engine and age, as three words
        "$EMULATOR_PYTHON" "$SCRIPTS/demo-catalog.py" "$EMULATOR_URL" record-access "$analyst" sales__daily_sell_out $read ||
            die "could not record a data access event"
    done
    deadline=$((SECONDS + 20))
    uses=0
    while ((uses < 3 && SECONDS < deadline)); do
        sleep 0.3
        api GET "/api/v1/subscriptions/$DEMO_SUBSCRIPTION" "$owner"
        uses=$(printf '%s' "$API_BODY" | python3 -c 'import json, sys; print(json.load(sys.stdin)["usage"]["uses_30d"])')
    done
    if ((uses >= 3)); then
        log "usage: marketing-analytics read daily-sell-out $uses times (athena, glue_etl); marketing-planner never did"
    else
        warn "the recorded data access events did not reach meshgov within 20 s (uses_30d = $uses)"
    fi
}

# print_usage_report BASE TOKEN: the review list and sales' access report (CSV), as a steward sees them.
print_usage_report() {
    local base=$1 token=$2 reviews report
    reviews=$(curl -sS -H "Authorization: Bearer $token" "$base/api/v1/reviews")
    report=$(curl -sS -H "Authorization: Bearer $token" "$base/api/v1/domains/sales/access-report?format=csv")
    python3 - "$base" "$reviews" "$report" <<'PY'
import csv, io, json, sys
base, reviews, report = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
print(f"Access reviews due (GET {base}/api/v1/reviews):")
for r in reviews["items"]:
    used = r["usage"]["last_used_at"] or "never"
    print(f"  {r['domain']}/{r['product']} -> {r['principal']}: review {r['state']} by {r['due_at'][:10]}, "
          f"approved by {r['approved_by']}, last used {used}, {r['usage']['uses_30d']} uses in 30 days")
print()
print(f"Sales' access report (GET {base}/api/v1/domains/sales/access-report?format=csv):")
for r in csv.DictReader(io.StringIO(report)):
    print(f"  {r['product']} | {r['principal']} | {r['scope']} | approved by {r['approved_by']} | "
          f"last used {r['last_used_at'] or 'never'} | review due {r['review_due_at'][:10] or '-'}")
PY
}
