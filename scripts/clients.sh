#!/usr/bin/env bash
# The generated API clients (clients/): Python (openapi-python-client) and TypeScript
# (@hey-api/openapi-ts, fetch client), both generated from the committed openapi/openapi.json.
#
#   scripts/clients.sh generate        regenerates clients/python and clients/typescript/src/generated
#   scripts/clients.sh check           fails when the committed clients differ from what the spec
#                                      generates (drift), and type-checks both with their flow tests:
#                                      mypy --strict, tsc --strict --noEmit
#   scripts/clients.sh flow BASE_URL   runs both flow tests against a running meshgov at BASE_URL.
#                                      Needs MESHGOV_BIN and MESHGOV_JWT_DEV_SECRET (the server's) to
#                                      mint tokens, EMULATOR_URL and EMULATOR_PYTHON (a Python with
#                                      boto3, e.g. the emulator's venv) for the producer's Glue catalog.
#
# Tools are pinned (clients/requirements.txt, clients/typescript/package-lock.json) and installed
# once: the venv .meshgov/clients-venv and clients/typescript/node_modules are reused until the pins
# change. Needs python3 (3.11+), node (20.19+) and npm.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLIENTS=$MESHGOV_REPO/clients
SPEC=$MESHGOV_REPO/openapi/openapi.json
TS_DIR=$CLIENTS/typescript
PY_VENV=$MESHGOV_STATE/clients-venv
export PYTHONDONTWRITEBYTECODE=1
# The generator runs ruff on its output: no .ruff_cache in the generated tree.
export RUFF_NO_CACHE=true

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------------------------------------
# Tools
# ---------------------------------------------------------------------------------------------

python_tools() {
    local python version
    python=$(command -v python3 || true)
    [[ -n $python ]] || die "python3 is required"
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "python3 is $version; openapi-python-client needs 3.11 or newer"
    make_venv "$PY_VENV" "python$version $(cksum <"$CLIENTS/requirements.txt")" -r "$CLIENTS/requirements.txt"
    # The generator's post hooks call ruff from PATH.
    PATH=$PY_VENV/bin:$PATH
}

node_tools() {
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        die "node and npm are required (Node.js 20.19 or newer)"
    fi
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' ||
        die "node is $(node --version); @hey-api/openapi-ts needs 20.19 or newer"
    local stamp=$TS_DIR/node_modules/.meshgov-stamp want
    want="node$(node --version) $(cksum <"$TS_DIR/package-lock.json")"
    if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
        return 0
    fi
    log "installing the TypeScript tools: npm ci (clients/typescript)"
    # --ignore-scripts: nothing here needs an install script (esbuild, under tsx, ships its binary
    # as an optional dependency).
    (cd "$TS_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed"
    printf '%s\n' "$want" >"$stamp"
}

# ---------------------------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------------------------

# gen_python DEST: the Python client project (pyproject.toml, README.md, meshgov_client/) in DEST,
# which must not exist.
gen_python() {
    local dest=$1 out
    out=$(cd "$(dirname "$dest")" && openapi-python-client generate --path "$SPEC" \
        --config "$CLIENTS/python-config.yaml" --meta pdm --output-path "$dest" 2>&1) || {
        printf '%s\n' "$out" >&2
        die "openapi-python-client failed"
    }
    # Warnings mean parts of the spec were skipped: the client would be missing them.
    if grep -qiE 'warning|skipping|unable to' <<<"$out"; then
        printf '%s\n' "$out" >&2
        die "openapi-python-client could not generate everything from $SPEC (above)"
    fi
    [[ -f $dest/meshgov_client/__init__.py ]] || die "openapi-python-client generated nothing in $dest"
}

# gen_typescript DEST: the TypeScript SDK and types (what src/generated holds) in DEST.
gen_typescript() {
    local dest=$1 out
    out=$(cd "$TS_DIR" && MESHGOV_OPENAPI_INPUT=$SPEC MESHGOV_OPENAPI_TS_OUTPUT=$dest \
        NO_COLOR=1 FORCE_COLOR=0 node_modules/.bin/openapi-ts 2>&1) || {
        printf '%s\n' "$out" >&2
        die "@hey-api/openapi-ts failed"
    }
    [[ -f $dest/sdk.gen.ts ]] || {
        printf '%s\n' "$out" >&2
        die "@hey-api/openapi-ts generated no SDK in $dest"
    }
}

# Replaces directory TARGET with the freshly generated directory NEW.
replace_dir() {
    local target=$1 new=$2
    rm -rf "$target"
    mkdir -p "$(dirname "$target")"
    mv "$new" "$target"
}

cmd_generate() {
    [[ -f $SPEC ]] || die "$SPEC not found"
    python_tools
    node_tools
    local tmp start=$SECONDS
    tmp=$(mktemp -d)
    at_exit rm -rf "$tmp"
    gen_python "$tmp/python"
    gen_typescript "$tmp/generated"
    replace_dir "$CLIENTS/python" "$tmp/python"
    replace_dir "$TS_DIR/src/generated" "$tmp/generated"
    log "generated clients/python and clients/typescript/src/generated from openapi/openapi.json in $(fmt_duration $((SECONDS - start)))"
}

# ---------------------------------------------------------------------------------------------
# Check: drift and types
# ---------------------------------------------------------------------------------------------

# Files that are not generated but may sit in the generated trees (builds, caches).
DIFF_EXCLUDES=(-x __pycache__ -x .ruff_cache -x .mypy_cache -x build -x dist -x '*.egg-info' -x .venv)

# drift NAME COMMITTED FRESH: 0 when the trees are the same; else prints a summary, returns 1.
drift() {
    local name=$1 committed=$2 fresh=$3 changes
    if [[ ! -d $committed ]]; then
        warn "$name: $committed does not exist: run scripts/clients.sh generate"
        return 1
    fi
    if diff -r -q "${DIFF_EXCLUDES[@]}" "$committed" "$fresh" >/dev/null; then
        return 0
    fi
    changes=$(diff -r -q "${DIFF_EXCLUDES[@]}" "$committed" "$fresh" |
        sed -e "s#$committed/\{0,1\}#${name}/#g" -e "s#$fresh/\{0,1\}#(generated)/#g" || true)
    warn "$name differs from what openapi/openapi.json generates ($(wc -l <<<"$changes") files; run scripts/clients.sh generate):"
    printf '  %s\n' "${changes//$'\n'/$'\n'  }" | head -n 40 >&2
    diff -r -u "${DIFF_EXCLUDES[@]}" "$committed" "$fresh" | head -n 60 | sed 's/^/    /' >&2 || true
    return 1
}

cmd_check() {
    [[ -f $SPEC ]] || die "$SPEC not found"
    python_tools
    node_tools
    local tmp start=$SECONDS failed=()
    tmp=$(mktemp -d)
    at_exit rm -rf "$tmp"

    log "check: regenerating into $tmp"
    gen_python "$tmp/python"
    gen_typescript "$tmp/generated"
    drift clients/python "$CLIENTS/python" "$tmp/python" || failed+=("drift in clients/python")
    drift clients/typescript/src/generated "$TS_DIR/src/generated" "$tmp/generated" ||
        failed+=("drift in clients/typescript/src/generated")

    log "check: mypy --strict (clients/python/meshgov_client, clients/tests/test_flow.py)"
    if ! (cd "$CLIENTS/python" && MYPYPATH=. mypy --strict --no-error-summary --cache-dir "$MESHGOV_STATE/clients-mypy-cache" \
        meshgov_client ../tests/test_flow.py >&2); then
        failed+=("mypy --strict")
    fi

    log "check: tsc --strict --noEmit (clients/typescript: src, test)"
    if ! (cd "$TS_DIR" && node_modules/.bin/tsc -p tsconfig.json --strict --noEmit \
        --incremental --tsBuildInfoFile "$MESHGOV_STATE/clients-tsc.tsbuildinfo" >&2); then
        failed+=("tsc --strict")
    fi

    if ((${#failed[@]})); then
        die "clients check failed: $(IFS=,; printf '%s' "${failed[*]}" | sed 's/,/, /g') ($(fmt_duration $((SECONDS - start))))"
    fi
    log "clients check passed: no drift, mypy --strict and tsc --strict clean ($(fmt_duration $((SECONDS - start))))"
}

# ---------------------------------------------------------------------------------------------
# Flow tests
# ---------------------------------------------------------------------------------------------

# A random lowercase alphanumeric word (a search term, part of slugs and Glue names).
random_word() {
    LC_ALL=C tr -dc 'a-z0-9' </dev/urandom | head -c "${1:-8}" || true
}

# A random 12-digit AWS account id (never the emulator's default 123456789012).
random_account() {
    printf '9%s\n' "$(LC_ALL=C tr -dc '0-9' </dev/urandom | head -c 11 || true)"
}

token() { # token SUB ROLE [DOMAIN]
    local args=(token --sub "$1" --role "$2" --ttl 1h)
    [[ -n ${3:-} ]] && args+=(--domain "$3")
    "$MESHGOV_BIN" "${args[@]}" || die "$MESHGOV_BIN token failed (is MESHGOV_JWT_DEV_SECRET the server's?)"
}

# flow_env LANG: the environment of one flow test: fresh domains, accounts and tokens.
flow_env() {
    local lang=$1 suffix producer consumer
    suffix=$(random_word 8)
    producer=flow-$lang-$suffix
    consumer=flow-$lang-$suffix-consumer
    printf '%s\n' \
        "MESHGOV_URL=$BASE_URL" \
        "MESHGOV_FLOW_PRODUCER_DOMAIN=$producer" \
        "MESHGOV_FLOW_CONSUMER_DOMAIN=$consumer" \
        "MESHGOV_FLOW_PRODUCER_ACCOUNT=$(random_account)" \
        "MESHGOV_FLOW_CONSUMER_ACCOUNT=$(random_account)" \
        "MESHGOV_FLOW_TOKEN_ADMIN=$(token "flow-$lang-admin" admin)" \
        "MESHGOV_FLOW_TOKEN_STEWARD=$(token "flow-$lang-steward" steward)" \
        "MESHGOV_FLOW_TOKEN_PRODUCER=$(token "flow-$lang-producer" producer "$producer")" \
        "MESHGOV_FLOW_TOKEN_CONSUMER=$(token "flow-$lang-consumer" consumer "$consumer")" \
        "EMULATOR_URL=$EMULATOR_URL" \
        "EMULATOR_PYTHON=$EMULATOR_PYTHON"
}

cmd_flow() {
    BASE_URL=${1:-}
    [[ -n $BASE_URL ]] || usage
    BASE_URL=${BASE_URL%/}
    local var
    for var in MESHGOV_BIN MESHGOV_JWT_DEV_SECRET EMULATOR_URL EMULATOR_PYTHON; do
        [[ -n ${!var:-} ]] || die "$var must be set (see scripts/clients.sh)"
    done
    [[ -x $MESHGOV_BIN ]] || die "MESHGOV_BIN=$MESHGOV_BIN is not an executable"
    # The TypeScript test runs from clients/typescript: a relative path would point elsewhere there.
    # (Made absolute without resolving links: a venv's python is a link that must stay the venv's.)
    if [[ $EMULATOR_PYTHON == */* && $EMULATOR_PYTHON != /* ]]; then
        EMULATOR_PYTHON=$(cd "$(dirname "$EMULATOR_PYTHON")" && pwd)/$(basename "$EMULATOR_PYTHON")
    fi
    "$EMULATOR_PYTHON" -c 'import boto3' 2>/dev/null || die "EMULATOR_PYTHON=$EMULATOR_PYTHON cannot import boto3"
    curl -fsS -o /dev/null --max-time 5 "$BASE_URL/readyz" || die "meshgov at $BASE_URL is not ready ($BASE_URL/readyz)"
    export MESHGOV_JWT_DEV_SECRET
    python_tools
    node_tools

    local start=$SECONDS t failed=() py_env=() ts_env=()
    mapfile -t py_env < <(flow_env py)
    mapfile -t ts_env < <(flow_env ts)
    ((${#py_env[@]} == 11 && ${#ts_env[@]} == 11)) || die "could not prepare the flow tests' environment"

    log "flow: Python client (pytest clients/tests/test_flow.py) against $BASE_URL"
    t=$SECONDS
    if env "${py_env[@]}" PYTHONPATH="$CLIENTS/python" \
        pytest -q -p no:cacheprovider --rootdir "$CLIENTS/tests" "$CLIENTS/tests/test_flow.py" >&2; then
        log "flow: Python passed ($(fmt_duration $((SECONDS - t))))"
    else
        failed+=(Python)
    fi

    log "flow: TypeScript client (node --test clients/typescript/test/flow.test.ts) against $BASE_URL"
    t=$SECONDS
    if (cd "$TS_DIR" && env "${ts_env[@]}" node --import tsx --test --test-reporter=spec test/flow.test.ts >&2); then
        log "flow: TypeScript passed ($(fmt_duration $((SECONDS - t))))"
    else
        failed+=(TypeScript)
    fi

    ((${#failed[@]} == 0)) || die "flow tests failed: ${failed[*]} ($(fmt_duration $((SECONDS - start))))"
    log "flow tests passed: Python and TypeScript ($(fmt_duration $((SECONDS - start))))"
}

case ${1:-} in
generate) cmd_generate ;;
check) cmd_check ;;
flow)
    shift
    cmd_flow "$@"
    ;;
*) usage ;;
esac
