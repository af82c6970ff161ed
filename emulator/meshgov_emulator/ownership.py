"""Lake Formation's cross-account rules, which moto does not check: who may grant on a resource
owned by another account, and who may create a data cells filter on it. Enforced only while the
`enforce_ownership` setting is on (settings.py); the RAM shares that an owner's cross-account
grants create are recorded either way (ram.py).

The rules, from AWS's Lake Formation developer guide:
- "Granting permissions on a database or table shared with your account": after another account's
  Data Catalog resource is shared with your account, you can grant permissions on it to other
  principals in your account, but not to other AWS accounts or organizations.
- "Cross-account data sharing using the named resource method" and "Granting data filter
  permissions": the owner shares with an external account by granting it the permissions with the
  grant option, which the recipient's administrator then cascades to its own principals.
- "Accepting a resource share invitation from AWS RAM": outside the owner's organization, a shared
  resource is not accessible until the invitation is accepted.
- "Managing data filters": creating a data filter needs SELECT with the grant option on the table.

A refusal is `AccessDeniedException` with HTTP 403: the status botocore's Lake Formation model
gives it and the current API reference lists (for CreateDataCellsFilter; earlier revisions of the
reference said 400). The message starts "Insufficient Lake Formation permission(s)", as Lake
Formation's access errors do; the rest of it is the emulator's own explanation."""
from __future__ import annotations

import re
from typing import Any

from . import lakeformation, ram, settings
from .call import Call
from .errors import ApiError
from .moto_patches import grant_index, grant_key

ACCESS_DENIED = "AccessDeniedException"
DENIED_STATUS = 403


def owner_of(resource: Any, caller: str) -> str:
    """The account that owns a Lake Formation resource: its CatalogId (TableCatalogId for a data
    cells filter), the caller's own catalog when absent."""
    if isinstance(resource, dict):
        for sub in resource.values():
            if isinstance(sub, dict):
                owner = sub.get("CatalogId") or sub.get("TableCatalogId") or sub.get("Id")
                if owner:
                    return str(owner).split(":")[0]  # a Catalog Id may name a sub-catalog: "<account>:<name>"
    return caller


def principal_account(identifier: Any, caller: str) -> str | None:
    """The account a grantee belongs to: an account id is itself, an IAM ARN names its account,
    IAM_ALLOWED_PRINCIPALS is the caller's own group. None for anything else (organizations,
    organizational units, identity center): not modelled."""
    ident = str(identifier or "")
    if re.fullmatch(r"\d{12}", ident):
        return ident
    m = re.fullmatch(r"arn:aws[a-z-]*:iam::(\d{12}):.+", ident)
    if m:
        return m.group(1)
    if ident == "IAM_ALLOWED_PRINCIPALS":
        return caller
    return None


def describe(resource: dict[str, Any], owner: str) -> str:
    for key, sub in resource.items():
        if not isinstance(sub, dict):
            continue
        if key == "Database":
            return f"database {sub.get('Name')} in catalog {owner}"
        if key in ("Table", "TableWithColumns"):
            name = sub.get("Name") or "*"
            return f"table {sub.get('DatabaseName')}.{name} in catalog {owner}"
        if key == "DataCellsFilter":
            return (f"data cells filter {sub.get('Name')} on table {sub.get('DatabaseName')}."
                    f"{sub.get('TableName')} in catalog {owner}")
        return f"{key} in catalog {owner}"
    return f"resource in catalog {owner}"


def _covering(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The resources whose grant option covers `resource`: itself, and for a column grant or a
    data cells filter its table, and for a table the database's table wildcard."""
    out = [resource]
    for key in ("TableWithColumns", "DataCellsFilter", "Table"):
        sub = resource.get(key)
        if not isinstance(sub, dict):
            continue
        catalog = sub.get("CatalogId") or sub.get("TableCatalogId")
        name = sub.get("TableName") if key == "DataCellsFilter" else sub.get("Name")
        base = {"DatabaseName": sub.get("DatabaseName"), **({"CatalogId": catalog} if catalog else {})}
        if key != "Table" and name:
            out.append({"Table": {**base, "Name": name}})
        out.append({"Table": {**base, "TableWildcard": {}}})
    return out


def grantable(owner: str, grantee: str, region: str, resource: dict[str, Any]) -> set[str]:
    """The permissions `owner` granted to the account `grantee` with the grant option on
    `resource` (or on what covers it). Call under REGISTRY.lock."""
    from moto.lakeformation.models import lakeformation_backends

    catalog = lakeformation_backends[owner][region].grants.get(owner)
    if catalog is None:
        return set()
    index = grant_index(catalog)
    principal = {"DataLakePrincipalIdentifier": grantee}
    held: set[str] = set()
    for candidate in _covering(resource):
        found = index.get(grant_key(principal, lakeformation.normalize_resource(candidate, owner)))
        if found is not None:
            held |= set(found.permissions_with_grant_options or [])
    return held


def _denied(message: str) -> ApiError:
    return ApiError(ACCESS_DENIED, f"Insufficient Lake Formation permission(s): {message}", DENIED_STATUS)


def _require(call: Call, owner: str, resource: dict[str, Any], wanted: set[str]) -> None:
    """The caller, which does not own the resource, must have it shared (and the share accepted)
    and hold `wanted` with the grant option on it."""
    what = describe(resource, owner)
    if not ram.available(owner, call.account, call.region):
        raise _denied(f"{what} is not shared with account {call.account}, or its AWS RAM resource "
                      "share invitation has not been accepted.")
    held = grantable(owner, call.account, call.region, resource)
    missing = set() if "ALL" in held else wanted - held
    if missing:
        raise _denied(f"account {call.account} needs {', '.join(sorted(missing))} with the grant option "
                      f"on {what}, granted by its owner {owner}.")


def check_grant(call: Call, principal: dict[str, Any], resource: dict[str, Any],
                permissions: list[str], grant_permissions: list[str]) -> None:
    """A grant or revoke by the caller: refused (AccessDeniedException) when the caller does not own
    the resource and either the grantee is not one of its own principals or it lacks the grant
    option. Call under REGISTRY.lock."""
    if not settings.enforcing():
        return
    owner = owner_of(resource, call.account)
    if owner == call.account:
        return
    grantee = principal.get("DataLakePrincipalIdentifier")
    if principal_account(grantee, call.account) != call.account:
        raise _denied(f"{describe(resource, owner)} is owned by account {owner}; account {call.account} "
                      f"can grant on it only to its own principals, not to {grantee}.")
    _require(call, owner, resource, set(permissions) | set(grant_permissions))


def check_filter(call: Call, data: dict[str, Any]) -> None:
    """CreateDataCellsFilter on another account's table needs SELECT with the grant option on it."""
    if not settings.enforcing():
        return
    owner = str(data.get("TableCatalogId") or call.account)
    if owner == call.account:
        return
    table = {"Table": {"CatalogId": owner, "DatabaseName": data.get("DatabaseName"), "Name": data.get("TableName")}}
    _require(call, owner, table, {"SELECT"})


def after_grant(call: Call, principal: dict[str, Any], resource: dict[str, Any]) -> None:
    """An owner's grant to a principal of another account shares the resource with that account
    through RAM. Call under REGISTRY.lock, after the grant succeeded."""
    owner = owner_of(resource, call.account)
    receiver = principal_account(principal.get("DataLakePrincipalIdentifier"), call.account)
    if owner == call.account and receiver is not None and receiver != owner:
        ram.share(owner, receiver, call.region, resource)
