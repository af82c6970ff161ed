#!/usr/bin/env bash
# EXPLAIN (ANALYZE, BUFFERS) of the statements the benchmark's scenarios run, on the seeded
# benchmark database (run bench/run.sh first). For every scenario two plans:
#   custom  — the statement with its values, planned for them (what psql shows);
#   served  — the statement prepared with parameters the way sqlx sends it, executed five times,
#             then explained on the sixth: the plan the service really runs once Postgres' plan
#             cache (plan_cache_mode=auto) has decided between custom and generic plans.
#
#   bench/explain.sh [URL-of-meshgov_bench] > bench/results/plans-raw.txt
#
# BENCH_SRC: the source tree whose src/products/store.rs gives the column list (default: this one).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=${BENCH_SRC:-$ROOT}
URL=${1:-}
if [ -z "$URL" ]; then
    base=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
    query=""
    case $base in *\?*) query="?${base#*\?}"; base=${base%%\?*} ;; esac
    case ${base#*://} in */*) base=${base%/*} ;; esac
    URL="$base/meshgov_bench$query"
fi

COMMON_TERM=${BENCH_COMMON_TERM:-sales}
RARE_TERM=${BENCH_RARE_TERM:-pangolin}
CLS=${BENCH_CLASSIFICATION:-confidential}
TAG=${BENCH_TAG:-certified}

COLUMNS=$(awk '
    /const COLUMNS: &str = "/ { f = 1; sub(/.*const COLUMNS: &str = "/, "") }
    f { if (sub(/";.*$/, "")) { print; exit } print }' "$SRC/src/products/store.rs" | tr -s ' \n' ' ')
FROM="FROM products p JOIN domains d ON d.id = p.domain_id"

psql() { command psql "$URL" -X -q -v ON_ERROR_STOP=1 "$@"; }

# the id of the last row of page 1 of the common-term search: the cursor of page 2
BEFORE=$(psql -At -c "SELECT p.id $FROM WHERE p.search @@ websearch_to_tsquery('english', '$COMMON_TERM')
    AND p.status <> 'draft' ORDER BY p.id DESC LIMIT 1 OFFSET 49")
# a product in the middle of the table
read -r DS PS < <(psql -At -F ' ' -c "SELECT domain_slug, product_slug FROM bench_paths
    WHERE n = (SELECT max(n) / 2 FROM bench_paths)")

explain() { # title, parameter types, statement with $n, values
    local title=$1 types=$2 sql=$3 values=$4
    local custom=$sql i
    # the custom statement: values in place of the parameters
    IFS='|' read -r -a vals <<<"$values"
    for ((i = ${#vals[@]}; i >= 1; i--)); do custom=${custom//\$$i/${vals[i - 1]}}; done
    local args
    args=$(IFS=,; echo "${vals[*]}")
    echo "=== $title"
    echo "--- custom plan"
    psql -c "EXPLAIN (ANALYZE, BUFFERS) $custom"
    echo "--- served plan (prepared, 6th execution, plan_cache_mode=$(psql -At -c 'SHOW plan_cache_mode'))"
    psql <<EOF
PREPARE s($types) AS $sql;
EXECUTE s($args) \\g /dev/null
EXECUTE s($args) \\g /dev/null
EXECUTE s($args) \\g /dev/null
EXECUTE s($args) \\g /dev/null
EXECUTE s($args) \\g /dev/null
EXPLAIN (ANALYZE, BUFFERS) EXECUTE s($args);
EOF
    echo
}

VIS="(p.status <> 'draft' OR d.slug = ANY(\$2))"
explain "search, common term (q=$COMMON_TERM)" "text, text[], bigint" \
    "SELECT $COLUMNS $FROM WHERE true AND p.search @@ websearch_to_tsquery('english', \$1) AND $VIS ORDER BY p.id DESC LIMIT \$3" \
    "'$COMMON_TERM'|'{}'::text[]|51"
explain "search, rare term (q=$RARE_TERM)" "text, text[], bigint" \
    "SELECT $COLUMNS $FROM WHERE true AND p.search @@ websearch_to_tsquery('english', \$1) AND $VIS ORDER BY p.id DESC LIMIT \$3" \
    "'$RARE_TERM'|'{}'::text[]|51"
explain "search, filters (classification=$CLS, tag=$TAG)" "text, text, text[], bigint" \
    "SELECT $COLUMNS $FROM WHERE true AND p.tags @> ARRAY[\$1]::text[] AND p.classification = \$2 AND (p.status <> 'draft' OR d.slug = ANY(\$3)) ORDER BY p.id DESC LIMIT \$4" \
    "'$TAG'|'$CLS'|'{}'::text[]|51"
explain "search page 2 (q=$COMMON_TERM, id < cursor)" "text, text[], uuid, bigint" \
    "SELECT $COLUMNS $FROM WHERE true AND p.search @@ websearch_to_tsquery('english', \$1) AND $VIS AND p.id < \$3 ORDER BY p.id DESC LIMIT \$4" \
    "'$COMMON_TERM'|'{}'::text[]|'$BEFORE'::uuid|51"
explain "product read ($DS/$PS)" "text, text" \
    "SELECT $COLUMNS $FROM WHERE d.slug = \$1 AND p.slug = \$2" \
    "'$DS'|'$PS'"
