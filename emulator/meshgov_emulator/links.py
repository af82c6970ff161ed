"""Glue resource links, followed as AWS Glue follows them. moto stores a link's `TargetDatabase`
or `TargetTable` but never follows it.

What AWS documents (Lake Formation developer guide):
- "Resource link handling in AWS Glue APIs":
  - GetTable: if the database is a resource link, follows it and returns the table (or table
    resource link) from the target database; otherwise, if the table is a resource link, follows it
    and returns the target table's properties.
  - GetTables: if the database is a resource link, follows it and returns the tables and table
    resource links of the target database; if that database is shared from another account, only
    the tables shared with the caller, and the table links in it are not followed. A local database
    gives all its tables, each table resource link followed to return its target's properties.
  - GetDatabase: follows the link to the target's properties only if the caller has permissions on
    the target, otherwise returns the link. Not modelled: the emulator has no read permissions in
    Glue, so it returns the link (moto's answer).
  - "For all Get* API operations, only databases and tables that the caller has permissions on get
    returned"; through a link, the caller needs permissions on both the link and the target.
- "How resource links work in Lake Formation": a link's name is used wherever the database or
  table name would be; table links are returned by GetTables.
- "Updated error message": GetTable and GetDatabase answer a general EntityNotFound, so a target
  that does not exist, or that the caller may not see, gives EntityNotFoundException.
- "Granting resource link permissions": grants on a link do not grant on its target (nothing to do
  here: a link is a resource of its own account, see ownership.py).

Permissions are checked while `enforce_ownership` is on:
- the account: for another account's target, the owner must have granted a principal of the
  caller's account something on the table (on it, its columns, its database's table wildcard, or a
  data cells filter on it), and the share must be available (ram.py);
- the principal, when the caller acts as an IAM role (credentials from AssumeRole) that is not a
  data lake administrator of its account: it needs a permission on the link in its own account
  (DESCRIBE, say) and one on the target table, granted to it by the owner, or granted by the owner
  to its account and re-granted to it by its account ("Granting resource link permissions": "the
  principal needs permissions on both the resource link and the target"). Callers with an
  account's own keys act as its administrator, as moto's default credentials do.
A local database or table read without a link is not checked per principal. A target in another
Region (`Region` in the identifier) is looked up in the caller's Region."""
from __future__ import annotations

import copy
from typing import Any

from . import ownership, ram, settings
from .call import Call
from .errors import ApiError
from .faults import REGISTRY
from .moto_app import MotoApp
from .wire import Response, json_response

NOT_FOUND = "EntityNotFoundException"

# Per request: owner account -> the (database, table or "*") pairs it shared with the caller.
Shared = dict[str, set[tuple[str, str]]]


def _as(call: Call, account: str, operation: str) -> Call:
    """The same request, sent to moto as another Glue operation in `account`."""
    other = copy.copy(call)
    other.environ = {**call.environ, "HTTP_X_MOTO_ACCOUNT_ID": account,
                     "HTTP_X_AMZ_TARGET": f"AWSGlue.{operation}"}
    return other


def _own_catalog(call: Call, params: dict[str, Any]) -> bool:
    return params.get("CatalogId") in (None, call.account)


def _target_database(call: Call, name: Any) -> tuple[str, str] | None:
    """(owner, database) that the caller's database `name` links to; None if it is no link."""
    from moto.glue.models import glue_backends

    try:
        database = glue_backends[call.account][call.region].databases.get(name) if isinstance(name, str) else None
    except KeyError:  # a Region moto does not know: moto answers the call itself
        database = None
    target = database.input.get("TargetDatabase") if database is not None else None
    if not isinstance(target, dict) or not target.get("DatabaseName"):
        return None
    return str(target.get("CatalogId") or call.account), str(target["DatabaseName"])


def _shared(call: Call, owner: str, shared: Shared) -> set[tuple[str, str]]:
    if owner not in shared:
        from moto.lakeformation.models import lakeformation_backends

        pairs: set[tuple[str, str]] = set()
        with REGISTRY.lock:
            catalog = lakeformation_backends[owner][call.region].grants.get(owner)
            if catalog is not None and ram.available(owner, call.account, call.region):
                for perm in list(catalog.permissions):
                    grantee = (perm.principal or {}).get("DataLakePrincipalIdentifier")
                    if ownership.principal_account(grantee, owner) != call.account:
                        continue
                    for key in ("Table", "TableWithColumns", "DataCellsFilter"):
                        sub = perm.resource.get(key) if isinstance(perm.resource, dict) else None
                        if isinstance(sub, dict):
                            name = sub.get("TableName") if key == "DataCellsFilter" else sub.get("Name")
                            pairs.add((str(sub.get("DatabaseName")), str(name or "*")))
        shared[owner] = pairs
    return shared[owner]


def visible(call: Call, owner: str, database: str, table: str, shared: Shared) -> bool:
    """Whether the caller may see `owner`'s table through a link."""
    if owner == call.account or not settings.enforcing():
        return True
    pairs = _shared(call, owner, shared)
    return (database, table) in pairs or (database, "*") in pairs


def caller_role(call: Call) -> str | None:
    """The IAM role the caller acts as (the role its AssumeRole credentials came from), or None
    for an account's own keys."""
    from moto.iam.models import iam_backends

    from .call import ACCESS_KEY_RE

    m = ACCESS_KEY_RE.search(call.environ.get("HTTP_AUTHORIZATION", "") or "")
    if not m:
        return None
    try:
        key = iam_backends[call.account]["aws"].access_keys.get(m.group("access_key"))
    except KeyError:
        return None
    return getattr(key, "role_arn", None) if key is not None else None


def _lf(account: str, region: str) -> Any:
    from moto.lakeformation.models import lakeformation_backends

    return lakeformation_backends[account][region]


def _is_admin(account: str, region: str, arn: str) -> bool:
    admins = (_lf(account, region).settings.get(account) or {}).get("DataLakeAdmins") or []
    return any(a.get("DataLakePrincipalIdentifier") == arn for a in admins if isinstance(a, dict))


def _on_table(resource: Any, catalog: str, account: str, database: str, table: str) -> bool:
    """Whether a grant's resource (in `account`'s grants) is table `catalog`:`database`.`table`
    or part of it."""
    if not isinstance(resource, dict):
        return False
    for key in ("Table", "TableWithColumns", "DataCellsFilter"):
        sub = resource.get(key)
        if not isinstance(sub, dict):
            continue
        on = str(sub.get("CatalogId") or sub.get("TableCatalogId") or account)
        name = sub.get("TableName") if key == "DataCellsFilter" else sub.get("Name")
        if on == catalog and sub.get("DatabaseName") == database and (name == table or "TableWildcard" in sub):
            return True
    return False


def _on_database(resource: Any, account: str, database: str) -> bool:
    sub = resource.get("Database") if isinstance(resource, dict) else None
    return isinstance(sub, dict) and str(sub.get("CatalogId") or account) == account and sub.get("Name") == database


def _granted(account: str, region: str, principal: str, match: Any) -> bool:
    """Whether `account`'s Lake Formation holds a grant to `principal` whose resource `match`es.
    Call under REGISTRY.lock."""
    catalog = _lf(account, region).grants.get(account)
    return catalog is not None and any(
        (perm.principal or {}).get("DataLakePrincipalIdentifier") == principal and match(perm.resource)
        for perm in list(catalog.permissions))


def principal_may_use(call: Call, link: tuple[str, str | None], owner: str, database: str, table: str) -> bool:
    """Whether the caller's role may read `owner`'s `database`.`table` through its link
    `link` = (database, table or None for a database link). True for an account's own keys and
    for data lake administrators."""
    role = caller_role(call)
    if role is None or not settings.enforcing():
        return True
    with REGISTRY.lock:
        if _is_admin(call.account, call.region, role):
            return True
        link_db, link_table = link
        on_link = ((lambda r: _on_table(r, call.account, call.account, link_db, link_table)) if link_table
                   else (lambda r: _on_database(r, call.account, link_db)))
        if not _granted(call.account, call.region, role, on_link):
            return False
        on_target = lambda r: _on_table(r, owner, owner, database, table)  # noqa: E731
        shared = owner == call.account or ram.available(owner, call.account, call.region)
        if _granted(owner, call.region, role, on_target):
            return shared
        # Granted to the account by the owner, then by the account to the role.
        on_target_here = lambda r: _on_table(r, owner, call.account, database, table)  # noqa: E731
        return (owner != call.account and shared and _granted(owner, call.region, call.account, on_target)
                and _granted(call.account, call.region, role, on_target_here))


def _not_found(database: Any, table: Any, owner: str) -> ApiError:
    return ApiError(NOT_FOUND, f"Entity Not Found: table {database}.{table} in catalog {owner}.", 400)


def _target_table(moto: MotoApp, call: Call, owner: str, database: str, name: Any,
                  shared: Shared) -> dict[str, Any]:
    status, data, _ = moto.send_json(_as(call, owner, "GetTable"), {"DatabaseName": database, "Name": name})
    if status != 200 or not isinstance(data, dict) or not visible(call, owner, database, str(name), shared):
        raise _not_found(database, name, owner)
    return data["Table"]


def follow_table(moto: MotoApp, call: Call, link: dict[str, Any], shared: Shared) -> dict[str, Any]:
    """A table resource link with its target's definition: the target's columns, storage
    descriptor and the rest, under the link's name, database and catalog, `TargetTable` naming
    the target. EntityNotFoundException if the target is missing or not visible."""
    target = link["TargetTable"]
    owner = str(target.get("CatalogId") or call.account)
    found = _target_table(moto, call, owner, str(target.get("DatabaseName")), target.get("Name"), shared)
    if not principal_may_use(call, (str(link.get("DatabaseName")), str(link.get("Name"))), owner,
                             str(target.get("DatabaseName")), str(target.get("Name"))):
        raise _not_found(link.get("DatabaseName"), link.get("Name"), call.account)
    out = {k: v for k, v in found.items() if k != "TargetTable"}
    out.update({k: link[k] for k in ("Name", "DatabaseName", "CatalogId", "TargetTable") if k in link})
    return out


def get_table(moto: MotoApp, call: Call) -> Response:
    params = call.params()
    if not _own_catalog(call, params):
        return moto.send(call, call.body)
    shared: Shared = {}
    target_db = _target_database(call, params.get("DatabaseName"))
    if target_db is not None:
        # A database link: the table (or table link, not followed) of the target database.
        owner, database = target_db
        found = _target_table(moto, call, owner, database, params.get("Name"), shared)
        if not principal_may_use(call, (str(params.get("DatabaseName")), None), owner, database, str(params.get("Name"))):
            raise _not_found(params.get("DatabaseName"), params.get("Name"), call.account)
        return json_response(call, {"Table": found})
    status, data, resp = moto.send_json(call, params)
    table = (data or {}).get("Table") if status == 200 else None
    if not isinstance(table, dict) or not isinstance(table.get("TargetTable"), dict):
        return resp
    return json_response(call, {"Table": follow_table(moto, call, table, shared)})


def get_tables(moto: MotoApp, call: Call, forwarded: dict[str, Any]) -> tuple[int, Any, Response]:
    """GetTables before paging, links followed; the same (status, data, response) as
    MotoApp.send_json."""
    if not _own_catalog(call, forwarded):
        return moto.send_json(call, forwarded)
    shared: Shared = {}
    target_db = _target_database(call, forwarded.get("DatabaseName"))
    if target_db is not None:
        owner, database = target_db
        query = {"DatabaseName": database, **({"Expression": forwarded["Expression"]} if forwarded.get("Expression") else {})}
        status, data, resp = moto.send_json(_as(call, owner, "GetTables"), query)
        if status != 200 or not isinstance(data, dict):
            return status, data, resp
        link = (str(forwarded.get("DatabaseName")), None)
        data["TableList"] = [t for t in data.get("TableList") or []
                             if visible(call, owner, database, str(t.get("Name")), shared)
                             and principal_may_use(call, link, owner, database, str(t.get("Name")))]
        return status, data, resp
    status, data, resp = moto.send_json(call, forwarded)
    if status != 200 or not isinstance(data, dict):
        return status, data, resp
    tables = []
    for table in data.get("TableList") or []:
        if isinstance(table.get("TargetTable"), dict):
            try:
                table = follow_table(moto, call, table, shared)
            except ApiError:
                pass  # a link whose target is missing or not visible is listed as it is stored
        tables.append(table)
    data["TableList"] = tables
    return status, data, resp
