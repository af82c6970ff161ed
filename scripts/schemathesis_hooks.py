"""Hooks for the contract fuzzing stage of scripts/test.sh (loaded through SCHEMATHESIS_HOOKS).

1. A workaround for a schemathesis 4.32.5 bug: its coverage phase generates header values from
   A-Z, a-z and 0-9 only, so it finds no valid value for a pattern such as If-Match's (quotes,
   `*`); it then seeds the optional header with a *negative* value (`If-Match: 0`) yet labels
   the whole case positive, and `positive_data_acceptance` fails on the 400 that the invalid
   header rightly gets. Such a case contradicts itself (positive, with a negative part); it is
   dropped. Every other case, the negative ones included, is sent.

2. In the stateful phase, a fresh Idempotency-Key per call. The phase may send a creation again
   with the key it drew before; meshgov then answers, as it must, with the first answer, which
   names a resource the phase has deleted since (a webhook), and the phase reports the created
   resource missing. Replays are tested in tests/http_conventions.rs and tests/domains.rs.

3. A check that keeps `positive_data_acceptance` strict where scripts/schemathesis.toml lets it
   accept 400 and 422: a schema-valid request may be refused only for a rule the contract cannot
   state, which the problem document names by its code. Anything else refused is a constraint
   missing from the contract, and fails.
"""

import json
import uuid

import schemathesis
from schemathesis import GenerationMode
from schemathesis.generation.meta import TestPhase

# 422 field error codes of rules that JSON Schema cannot state, each with why.
RULES_BEYOND_THE_SCHEMA = {
    # relations between fields, or with what is stored
    "account_mismatch": "a role must be in the domain's AWS account (another field, or the stored domain)",
    "not_public": "automatic approval only for public products (another field)",
    "select_required": "SELECT must be among the permissions",
    "duplicate": "a table listed twice (uniqueness by name, not by whole item)",
    "widens_scope": "an approval may only narrow the stored request",
    "unknown_domain": "a domain that does not exist",
    "unknown_product": "a product that does not exist or is not visible",
    "unknown_table": "a table the product's synced schema lacks",
    "unknown_column": "a column the product's synced schema lacks",
    # time
    "in_past": "an expiry must be in the future",
    "too_late": "an expiry within the configured maximum from now",
    # a grammar, and Lake Formation's limits over the whole request
    "invalid_row_filter": "a row filter is a PartiQL condition over the table's columns",
    "too_many_row_filters": "Lake Formation's limit of row filters per grant",
    # the operator's settings
    "https_required": "plain http webhooks only where the operator allows them",
    "address_not_allowed": "webhooks reach only public addresses unless the operator allows others",
}
# Problem codes (400, 422) of the same kind.
PROBLEMS_BEYOND_THE_SCHEMA = {
    "invalid_cursor": "a cursor this list did not issue, however well formed",
    "idempotency_key_reused": "an Idempotency-Key used before for a different request",
}


@schemathesis.hook
def filter_case(context, case):
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
        return True
    return all(info.mode == GenerationMode.POSITIVE for info in meta.components.values())


@schemathesis.hook
def before_call(context, case, **kwargs):
    meta = case.meta
    if meta is not None and meta.phase.name == TestPhase.STATEFUL and case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = f"stateful-{uuid.uuid4()}"


@schemathesis.check
def refusals_name_rules_beyond_the_schema(ctx, response, case):
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
        return None
    if response.status_code not in (400, 422):
        return None
    try:
        problem = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"a schema-valid request got {response.status_code} without a problem document")
    code = problem.get("code")
    if code in PROBLEMS_BEYOND_THE_SCHEMA:
        return None
    if response.status_code == 400:
        raise AssertionError(f"schema-valid request refused with 400 {code}: {problem.get('detail')}")
    unstated = [e for e in problem.get("errors", []) if e.get("code") not in RULES_BEYOND_THE_SCHEMA]
    if unstated or not problem.get("errors"):
        raise AssertionError(f"schema-valid request refused for rules the contract should state: {unstated or problem}")
    return None
