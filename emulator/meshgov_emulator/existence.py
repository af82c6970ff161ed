"""Lake Formation grants only on what exists in the Data Catalog, and a deleted table or database
takes its permissions along. moto checks neither: it grants on any name, and keeps the grants of a
deleted table (so a test could pass on grants that AWS would have refused or dropped).

The rules and where they come from:
- GrantPermissions and RevokePermissions (Lake Formation API reference) list
  `EntityNotFoundException`, "A specified entity does not exist.", HTTP 400: a grant or revoke
  naming a database, table or data cells filter that is not in its catalog is refused with it.
  The batch operations list no such error for the whole call: each entry's failure is reported in
  `Failures` as an `ErrorDetail` (`ErrorCode`, `ErrorMessage`), here with the same code.
- What a deletion does to permissions is not written down by AWS. The emulator drops every
  permission on a deleted table (its columns and data cells filters included) and on every table
  of a deleted database, in every account's Lake Formation, so ListPermissions no longer shows them
  and a revoke of one answers EntityNotFoundException. This follows what terraform-provider-aws
  recorded of the real service (internal/service/lakeformation/permissions.go, "largely
  undocumented and discovered through trial and error"): after a resource is deleted its
  permissions read as gone (EntityNotFoundException, "Resource does not exist", or an empty list),
  never as still held. A table created again under the same name starts with no permissions.

Existence is checked in the catalog that owns the resource (its CatalogId, the caller's own when
absent); a resource link is a database like any other. Catalog, data location and LF-tag resources
are not checked."""
from __future__ import annotations

from typing import Any

from .errors import ApiError

ENTITY_NOT_FOUND = "EntityNotFoundException"


def _glue(account: str, region: str) -> Any:
    from moto.glue.models import glue_backends

    return glue_backends[account][region]


def _missing(what: str) -> ApiError:
    return ApiError(ENTITY_NOT_FOUND, f"{what} not found.", 400)


def check(resource: dict[str, Any], caller: str, region: str) -> None:
    """Refuses (EntityNotFoundException) a grant or revoke on a database or table that is not in
    the catalog owning it. Data cells filters are checked where they are kept (lakeformation.py)."""
    for key, sub in resource.items():
        if not isinstance(sub, dict) or key not in ("Database", "Table", "TableWithColumns"):
            continue
        owner = str(sub.get("CatalogId") or caller).split(":")[0]
        database = sub.get("Name") if key == "Database" else sub.get("DatabaseName")
        databases = _glue(owner, region).databases
        if database not in databases:
            raise _missing(f"Database {database} in catalog {owner}")
        if key == "Database":
            return
        table = sub.get("Name")
        if table is None and "TableWildcard" in sub:
            return
        if table not in databases[database].tables:
            raise _missing(f"Table {database}.{table} in catalog {owner}")


def _names(resource: dict[str, Any], catalog: str) -> tuple[str, str | None, str | None] | None:
    """(owning account, database, table) a permission's resource names; None when it names none."""
    for key, sub in resource.items():
        if not isinstance(sub, dict):
            continue
        if key == "Database":
            return str(sub.get("CatalogId") or catalog), sub.get("Name"), None
        if key in ("Table", "TableWithColumns"):
            return str(sub.get("CatalogId") or catalog), sub.get("DatabaseName"), sub.get("Name")
        if key == "DataCellsFilter":
            return str(sub.get("TableCatalogId") or catalog), sub.get("DatabaseName"), sub.get("TableName")
    return None


def forget(owner: str, region: str, database: str, table: str | None) -> int:
    """Drops every permission, in every account's Lake Formation, on `database`.`table` of `owner`'s
    catalog (on the whole database and all its tables when `table` is None), and the data cells
    filters on them; returns how many permissions went. Call under REGISTRY.lock."""
    from moto.lakeformation.models import lakeformation_backends

    from . import lakeformation
    from .moto_patches import discard_grant

    dropped = 0
    for account in list(lakeformation_backends.keys()):
        backend = lakeformation_backends[account][region]
        for catalog in list(backend.grants.values()):
            for permission in list(catalog.permissions):
                # A resource without a catalog id is in the granting account's own catalog (the
                # emulator strips an id equal to the caller's), whatever catalog the call named.
                names = _names(permission.resource, str(account))
                if names is None or names[0] != owner or names[1] != database:
                    continue
                if table is not None and names[2] != table:
                    continue
                discard_grant(catalog, permission)
                dropped += 1
    lakeformation.forget_filters(owner, region, database, table)
    return dropped
