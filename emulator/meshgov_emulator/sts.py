"""STS AssumeRole with the role's trust policy `sts:ExternalId` condition enforced (moto ignores
trust policies).

IAM User Guide, "Access to AWS accounts owned by third parties" (the external id): a role whose
trust policy allows `sts:AssumeRole` only under `"Condition": {"StringEquals": {"sts:ExternalId":
"..."}}` can be assumed only by a request that carries that `ExternalId`; any other request is
refused with `AccessDenied` (HTTP 403, "... is not authorized to perform: sts:AssumeRole on
resource: <role>").

Enforced for roles the emulator's IAM knows (made with `CreateRole`); a role ARN IAM does not know
is assumed as moto assumes it, since tests name roles without creating them. Only the external id
condition is checked (not the principals, and no other condition keys)."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from .call import Call
from .errors import ApiError
from .moto_app import MotoApp
from .wire import Response

CONDITION_KEY = "sts:ExternalId"


def _role(arn: str) -> Any:
    parts = arn.split(":")
    if len(parts) < 6 or not parts[4].isdigit():
        return None
    from moto.iam.models import iam_backends

    try:
        backend = iam_backends[parts[4]]["aws"]
    except KeyError:
        return None
    return next((r for r in list(backend.roles.values()) if r.arn == arn), None)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def required_external_ids(document: Any) -> set[str] | None:
    """The external ids a trust policy accepts for `sts:AssumeRole`, or None when a statement
    allows it without that condition (or the policy cannot be read)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            try:
                document = json.loads(unquote_plus(document))
            except ValueError:
                return None
    if not isinstance(document, dict):
        return None
    accepted: set[str] = set()
    allowing = 0
    for statement in _as_list(document.get("Statement") or []):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in _as_list(statement.get("Action") or [])]
        if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        allowing += 1
        condition = statement.get("Condition") or {}
        ids = (condition.get("StringEquals") or {}).get(CONDITION_KEY) if isinstance(condition, dict) else None
        if ids is None:
            return None
        accepted |= {str(i) for i in _as_list(ids)}
    return accepted if allowing else None


def assume_role(moto: MotoApp, call: Call) -> Response:
    arn = call.form.get("RoleArn", "")
    role = _role(arn)
    if role is not None:
        accepted = required_external_ids(role.assume_role_policy_document)
        if accepted is not None and call.form.get("ExternalId") not in accepted:
            raise ApiError("AccessDenied",
                           f"User: arn:aws:iam::{call.account}:root is not authorized to perform: "
                           f"sts:AssumeRole on resource: {arn}", 403)
    return moto.send(call, call.body)


# The STS operations the emulator answers itself; the others go to moto as they are.
OPERATIONS = {"AssumeRole": assume_role}
