#!/usr/bin/env bash
# Checks the CloudFormation templates of deploy/cloudformation/: cfn-lint on each (an error or a
# warning fails; informational findings are printed only), then test_templates.py (pytest): the
# roles' policies equal deploy/iam/, the Lake Formation registrations, the outputs, the database
# secret, log retention, the catalog-event wiring.
#
#   deploy/cloudformation/check.sh
#
# cfn-lint and pytest are installed, at the versions pinned below, into a venv at
# $MESHGOV_STATE/cfn-venv (default .meshgov/cfn-venv), made once and reused.
set -euo pipefail

CFN_LINT_VERSION=1.58.0
PYTEST_VERSION=9.2.0

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR/../../scripts
source "$HERE/../../scripts/lib.sh"

venv=$MESHGOV_STATE/cfn-venv
pins=("cfn-lint==$CFN_LINT_VERSION" "pytest==$PYTEST_VERSION")
make_venv "$venv" "${pins[*]}" "${pins[@]}"

status=0
for template in governance producer consumer; do
    file=$HERE/$template.yaml
    log "cfn-lint ${file#"$MESHGOV_REPO"/}"
    rc=0
    "$venv/bin/cfn-lint" --format parseable -- "$file" || rc=$?
    # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational; 1 a failure of
    # its own. Anything but informational fails.
    if ((rc & ~8)); then
        warn "cfn-lint: $template.yaml has errors or warnings (exit $rc)"
        status=1
    fi
done

log "pytest ${HERE#"$MESHGOV_REPO"/}/test_templates.py"
(cd "$HERE" && "$venv/bin/python" -m pytest -q -p no:cacheprovider test_templates.py) || status=1

if ((status)); then
    die "the CloudFormation templates failed their checks"
fi
log "CloudFormation templates: cfn-lint and tests passed"
