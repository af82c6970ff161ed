"""Emulator settings (the control API's /settings): whether Lake Formation's cross-account rules
are enforced, and which accounts share one AWS Organization.

`enforce_ownership` is on by default: a test that passes only because the emulator is more
permissive than AWS proves nothing. Turn it off only to reproduce moto's own behaviour."""
from __future__ import annotations

import copy
import re
from typing import Any

from .faults import REGISTRY

DEFAULTS: dict[str, Any] = {"enforce_ownership": True, "organizations": []}

# Guarded by REGISTRY.lock. `organizations` is a list of organizations, each a list of account ids.
SETTINGS: dict[str, Any] = copy.deepcopy(DEFAULTS)
# account id -> index of its organization in SETTINGS["organizations"]; rebuilt on every update.
_ORG_OF: dict[str, int] = {}


def current() -> dict[str, Any]:
    with REGISTRY.lock:
        return copy.deepcopy(SETTINGS)


def update(payload: Any) -> dict[str, Any]:
    """Changes the settings given (the others keep their value); ValueError if one is invalid."""
    if not isinstance(payload, dict):
        raise ValueError("settings must be a JSON object")
    unknown = set(payload) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    if "enforce_ownership" in payload and not isinstance(payload["enforce_ownership"], bool):
        raise ValueError("enforce_ownership must be true or false")
    org_of = None
    if "organizations" in payload:
        org_of = _index(payload["organizations"])
    with REGISTRY.lock:
        if "enforce_ownership" in payload:
            SETTINGS["enforce_ownership"] = payload["enforce_ownership"]
        if org_of is not None:
            SETTINGS["organizations"] = [list(org) for org in payload["organizations"]]
            _ORG_OF.clear()
            _ORG_OF.update(org_of)
        return copy.deepcopy(SETTINGS)


def add_organization(accounts: Any) -> dict[str, Any]:
    """Adds one organization of `accounts` (a list of account ids) to the setting; ValueError if
    one of them is already in another organization."""
    with REGISTRY.lock:
        orgs = [list(org) for org in SETTINGS["organizations"]] + [accounts]
        org_of = _index(orgs)
        SETTINGS["organizations"] = orgs
        _ORG_OF.clear()
        _ORG_OF.update(org_of)
        return copy.deepcopy(SETTINGS)


def reset() -> None:
    with REGISTRY.lock:
        SETTINGS.clear()
        SETTINGS.update(copy.deepcopy(DEFAULTS))
        _ORG_OF.clear()


def _index(orgs: Any) -> dict[str, int]:
    if not isinstance(orgs, list) or not all(isinstance(org, list) for org in orgs):
        raise ValueError('organizations must be a list of lists of account ids, e.g. [["111111111111","222222222222"]]')
    org_of: dict[str, int] = {}
    for i, org in enumerate(orgs):
        for account in org:
            if not isinstance(account, str) or not re.fullmatch(r"\d{12}", account):
                raise ValueError(f"not a 12-digit account id: {account!r}")
            if account in org_of and org_of[account] != i:
                raise ValueError(f"account {account} is in two organizations (an account belongs to at most one)")
            org_of[account] = i
    return org_of


def enforcing() -> bool:
    return bool(SETTINGS["enforce_ownership"])


def same_organization(a: str, b: str) -> bool:
    if a == b:
        return True
    org = _ORG_OF.get(a)
    return org is not None and org == _ORG_OF.get(b)
