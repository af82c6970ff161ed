"""Lake Formation: grants and revokes (normalized, with AWS's batch limit, per-entry failures and
"No permissions revoked"), ListPermissions (column grants included, paged), and data cells
filters, which moto does not implement.

Grants, revokes, filter changes and ListPermissions run under REGISTRY.lock, so the checks made
against moto's state cannot race and a listing never sees half a change."""
from __future__ import annotations

import copy
import json
from typing import Any, Callable

from . import existence, ownership
from .call import Call
from .errors import ApiError, invalid
from .faults import REGISTRY
from .moto_app import MotoApp, error_of
from .moto_patches import cached_listing, discard_grant, grant_index, grant_key
from .paging import page_size, paginate, paginate_sorted, query_key, read_token
from .wire import Response, compact, compact_sorted, json_response

# Lake Formation: BatchGrantPermissions / BatchRevokePermissions take up to 20 entries.
LF_BATCH_MAX = 20
# Lake Formation: RowFilter.FilterExpression is at most 2048 characters (PredicateString).
LF_FILTER_EXPRESSION_MAX = 2048
# Lake Formation: PageSize for ListPermissions / ListDataCellsFilter is 1..1000.
LF_PAGE_MAX = 1000
NO_PERMISSIONS_REVOKED = (
    "No permissions revoked. Grantee has no permissions and no grantable permissions on resource."
)

# On these, a fault with `match` fails single entries instead of the whole call.
BATCH_OPERATIONS = ("BatchGrantPermissions", "BatchRevokePermissions")

FilterKey = tuple[str, str, str, str]

# Data cells filters: (account, region) -> {(TableCatalogId, DatabaseName, TableName, Name): filter
# dict}. Guarded by REGISTRY.lock.
FILTERS: dict[tuple[str, str], dict[FilterKey, dict[str, Any]]] = {}


def clear_filters() -> None:
    with REGISTRY.lock:
        FILTERS.clear()


def forget_filters(owner: str, region: str, database: str, table: str | None) -> None:
    """Drops the data cells filters on a deleted table (every table of a deleted database) of
    `owner`'s catalog, in every account. Call under REGISTRY.lock."""
    for (_, filter_region), filters in FILTERS.items():
        if filter_region != region:
            continue
        for key in [k for k in filters if k[0] == owner and k[1] == database and (table is None or k[2] == table)]:
            del filters[key]


# --------------------------------------------------------------------------
# Normalization and state access
# --------------------------------------------------------------------------

def normalize_resource(resource: Any, caller_account: str) -> Any:
    """Semantic form of a Lake Formation resource, so that two spellings of the
    same grant compare equal in moto (which matches grants on exact JSON):
    a CatalogId/TableCatalogId equal to the caller's account is dropped (it is the
    default), column name lists are sorted and deduplicated, and an empty
    ExcludedColumnNames list is dropped."""
    if not isinstance(resource, dict):
        return resource
    res = copy.deepcopy(resource)
    for sub in res.values():
        if not isinstance(sub, dict):
            continue
        for id_key in ("CatalogId", "TableCatalogId"):
            if sub.get(id_key) == caller_account:
                del sub[id_key]
        if isinstance(sub.get("ColumnNames"), list):
            sub["ColumnNames"] = sorted(set(sub["ColumnNames"]))
        wildcard = sub.get("ColumnWildcard")
        if isinstance(wildcard, dict):
            excluded = wildcard.get("ExcludedColumnNames")
            if excluded:
                wildcard["ExcludedColumnNames"] = sorted(set(excluded))
            else:
                wildcard.pop("ExcludedColumnNames", None)
    return res


def lf_backend(call: Call) -> Any:
    from moto.lakeformation.models import lakeformation_backends

    return lakeformation_backends[call.account][call.region]


def find_grant(call: Call, catalog: str, principal: Any, resource: Any) -> Any:
    catalog_grants = lf_backend(call).grants.get(catalog)
    if catalog_grants is None:
        return None
    return grant_index(catalog_grants).get(grant_key(principal, resource))


def filter_key(call: Call, ref: dict[str, Any]) -> FilterKey:
    return (
        str(ref.get("TableCatalogId") or call.account),
        str(ref.get("DatabaseName") or ""),
        str(ref.get("TableName") or ""),
        str(ref.get("Name") or ""),
    )


def account_filters(call: Call) -> dict[FilterKey, dict[str, Any]]:
    return FILTERS.setdefault((call.account, call.region), {})


# --------------------------------------------------------------------------
# Grants and revokes
# --------------------------------------------------------------------------

def _check_entry(call: Call, entry: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    principal = entry.get("Principal")
    if not isinstance(principal, dict) or not principal.get("DataLakePrincipalIdentifier"):
        raise invalid("Principal is mandatory (DataLakePrincipalIdentifier).")
    resource = entry.get("Resource")
    if not isinstance(resource, dict) or not resource:
        raise invalid("Resource is mandatory.")
    if not entry.get("Permissions") and not entry.get("PermissionsWithGrantOption"):
        raise invalid("Permissions is mandatory.")
    resource = normalize_resource(resource, call.account)
    dcf = resource.get("DataCellsFilter")
    if isinstance(dcf, dict):
        if filter_key(call, dcf) not in account_filters(call):
            raise ApiError("EntityNotFoundException", "Data cells filter not found.", 400)
    return principal, resource


def _grant_one(moto: MotoApp, call: Call, catalog: str, entry: dict[str, Any]) -> None:
    principal, resource = _check_entry(call, entry)
    payload = {
        "CatalogId": catalog,
        "Principal": principal,
        "Resource": resource,
        "Permissions": sorted(set(entry.get("Permissions") or [])),
        "PermissionsWithGrantOption": sorted(set(entry.get("PermissionsWithGrantOption") or [])),
    }
    ownership.check_grant(call, principal, resource, payload["Permissions"], payload["PermissionsWithGrantOption"])
    # After the ownership check: a caller without rights on another account's catalog is told so,
    # not whether a name exists there.
    existence.check(resource, call.account, call.region)
    status, _, resp = moto.send_json(call, payload, "/GrantPermissions")
    if status != 200:
        raise ApiError(*error_of(resp), status)
    ownership.after_grant(call, principal, resource)


def _revoke_one(moto: MotoApp, call: Call, catalog: str, entry: dict[str, Any]) -> None:
    principal, resource = _check_entry(call, entry)
    wanted = set(entry.get("Permissions") or [])
    wanted_grant = set(entry.get("PermissionsWithGrantOption") or [])
    ownership.check_grant(call, principal, resource, sorted(wanted), sorted(wanted_grant))
    existence.check(resource, call.account, call.region)
    existing = find_grant(call, catalog, principal, resource)
    if existing is None or not (
        wanted & set(existing.permissions) or wanted_grant & set(existing.permissions_with_grant_options)
    ):
        raise invalid(NO_PERMISSIONS_REVOKED)
    payload = {
        "CatalogId": catalog,
        "Principal": principal,
        "Resource": resource,
        "Permissions": sorted(wanted),
        "PermissionsWithGrantOption": sorted(wanted_grant),
    }
    status, _, resp = moto.send_json(call, payload, "/RevokePermissions")
    if status != 200:
        raise ApiError(*error_of(resp), status)


def grant(moto: MotoApp, call: Call) -> Response:
    params = call.params()
    with REGISTRY.lock:
        _grant_one(moto, call, params.get("CatalogId") or call.account, params)
    return json_response(call, {})


def revoke(moto: MotoApp, call: Call) -> Response:
    params = call.params()
    with REGISTRY.lock:
        _revoke_one(moto, call, params.get("CatalogId") or call.account, params)
    return json_response(call, {})


def _batch(moto: MotoApp, call: Call, one: Callable[[MotoApp, Call, str, dict[str, Any]], None]) -> Response:
    params = call.params()
    entries = params.get("Entries")
    if not isinstance(entries, list):
        raise invalid("Entries is mandatory.")
    if len(entries) > LF_BATCH_MAX:
        raise invalid(
            f"Entries has {len(entries)} elements; a batch accepts at most {LF_BATCH_MAX} entries."
        )
    catalog = params.get("CatalogId") or call.account
    failures: list[dict[str, Any]] = []
    # Each entry's fault is taken first, and its delay or hold waited out, before the global
    # lock: a delayed entry slows its own call, never the other callers (parallel tests) waiting
    # on the lock.
    faults = [REGISTRY.take_for_entry(call, compact(entry)) if isinstance(entry, dict) and entry.get("Id") else None
              for entry in entries]
    for fault in faults:
        if fault is not None:
            fault.pause()
    with REGISTRY.lock:
        for entry, fault in zip(entries, faults):
            if not isinstance(entry, dict) or not entry.get("Id"):
                failures.append({"RequestEntry": entry, "Error": {
                    "ErrorCode": "InvalidInputException", "ErrorMessage": "Entry Id is mandatory."}})
                continue
            if fault is not None and fault.error:
                failures.append({"RequestEntry": entry, "Error": {
                    "ErrorCode": fault.error, "ErrorMessage": fault.message}})
                continue
            try:
                one(moto, call, catalog, entry)
            except ApiError as err:
                failures.append({"RequestEntry": entry, "Error": {
                    "ErrorCode": err.code, "ErrorMessage": err.message}})
    call.entry_failures = [
        {"Id": f["RequestEntry"].get("Id") if isinstance(f["RequestEntry"], dict) else None,
         "ErrorCode": f["Error"]["ErrorCode"]} for f in failures
    ]
    return json_response(call, {"Failures": failures})


def batch_grant(moto: MotoApp, call: Call) -> Response:
    return _batch(moto, call, _grant_one)


def batch_revoke(moto: MotoApp, call: Call) -> Response:
    return _batch(moto, call, _revoke_one)


# --------------------------------------------------------------------------
# ListPermissions
# --------------------------------------------------------------------------

def list_permissions(moto: MotoApp, call: Call) -> Response:
    params = call.params()
    catalog = params.get("CatalogId") or call.account
    # Paged only when asked (MaxResults or NextToken): AWS's default page size is undocumented.
    size = page_size(params.get("MaxResults"), LF_PAGE_MAX, LF_PAGE_MAX, cap=False)
    paged = params.get("MaxResults") is not None or params.get("NextToken") is not None
    resource = normalize_resource(params.get("Resource"), call.account)
    principal = params.get("Principal")
    qkey = query_key(call.account, catalog, principal, resource, params.get("ResourceType"), params.get("IncludeRelated"))
    token = params.get("NextToken")
    if token is not None:
        read_token(token, "ListPermissions", qkey)
    local = isinstance(resource, dict) and ("Table" in resource or "DataCellsFilter" in resource)
    if local and principal is not None and params.get("IncludeRelated") == "TRUE":
        raise invalid("Principal must not be set when IncludeRelated is TRUE.")
    failed: list[Response] = []

    def build() -> list[str] | None:
        if local:
            perms = _list_local(call, catalog, principal, resource, params.get("IncludeRelated") == "TRUE")
        else:
            forwarded = {k: v for k, v in params.items() if k not in ("MaxResults", "NextToken")}
            if resource is not None:
                forwarded["Resource"] = resource
            status, data, resp = moto.send_json(call, forwarded)
            if status != 200 or not isinstance(data, dict):
                failed.append(resp)
                return None
            perms = data.get("PrincipalResourcePermissions") or []
        return sorted(compact_sorted(p) for p in perms)

    # Under the lock, so that no grant or revoke changes the catalog while it is listed.
    with REGISTRY.lock:
        keys = cached_listing(lf_backend(call).grants.get(catalog), qkey, build)
    if keys is None:
        return failed[0]
    # Each key is the entry's JSON (sorted keys), so the page is sent as it is kept.
    if not paged:
        page, nxt = keys, None
    else:
        page, nxt = paginate_sorted(keys, size, token, "ListPermissions", qkey)
    body = '{"PrincipalResourcePermissions":[' + ",".join(page) + "]"
    if nxt:
        body += ',"NextToken":' + json.dumps(nxt)
    body += "}"
    return 200, [("Content-Type", "application/json"), ("x-amzn-RequestId", call.request_id)], body.encode()


def _list_local(call: Call, catalog: str, principal: Any, flt: dict[str, Any], related: bool) -> list[dict[str, Any]]:
    """ListPermissions for a Table or DataCellsFilter resource, answered from
    moto's grant store. AWS: listing on a table returns the table's grants and
    its TableWithColumns grants (and, with IncludeRelated=TRUE, the grants on
    its data cells filters)."""
    backend = lf_backend(call)
    catalog_grants = backend.grants.get(catalog)
    if catalog_grants is None:
        return []
    out = []
    for perm in list(catalog_grants.permissions):
        if principal is not None and perm.principal != principal:
            continue
        if _resource_matches(flt, perm.resource, related):
            out.append(perm.to_external_form())
    return out


def _resource_matches(flt: dict[str, Any], res: dict[str, Any], related: bool) -> bool:
    if "Table" in flt:
        want = flt["Table"]
        db = want.get("DatabaseName")
        name = want.get("Name")
        cat = want.get("CatalogId")
        if "Table" in res:
            got = res["Table"]
            if got.get("DatabaseName") != db or got.get("CatalogId") != cat:
                return False
            if "TableWildcard" in want and name is None:
                return "TableWildcard" in got
            return got.get("Name") == name
        if "TableWithColumns" in res and name is not None:
            got = res["TableWithColumns"]
            return got.get("DatabaseName") == db and got.get("Name") == name and got.get("CatalogId") == cat
        if related and "DataCellsFilter" in res and name is not None:
            got = res["DataCellsFilter"]
            return got.get("DatabaseName") == db and got.get("TableName") == name and got.get("TableCatalogId") == cat
        return False
    if "DataCellsFilter" in flt and "DataCellsFilter" in res:
        want, got = flt["DataCellsFilter"], res["DataCellsFilter"]
        for key in ("TableCatalogId", "DatabaseName", "TableName"):
            if want.get(key) != got.get(key):
                return False
        return want.get("Name") is None or want.get("Name") == got.get("Name")
    return False


# --------------------------------------------------------------------------
# Data cells filters
# --------------------------------------------------------------------------

def _validate_filter(call: Call, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise invalid("TableData is mandatory.")
    for field in ("TableCatalogId", "DatabaseName", "TableName", "Name"):
        value = data.get(field)
        if not isinstance(value, str) or not value:
            raise invalid(f"{field} is mandatory.")
        if len(value) > 255:
            raise invalid(f"{field} must be at most 255 characters.")
    row = data.get("RowFilter")
    if not isinstance(row, dict):
        raise invalid("RowFilter is mandatory: give FilterExpression, or AllRowsWildcard for all rows.")
    has_expr = "FilterExpression" in row and row["FilterExpression"] is not None
    has_all = "AllRowsWildcard" in row and row["AllRowsWildcard"] is not None
    if has_expr == has_all:
        raise invalid("RowFilter must contain exactly one of FilterExpression or AllRowsWildcard.")
    if has_expr:
        expr = row["FilterExpression"]
        if not isinstance(expr, str) or not expr.strip():
            raise invalid("FilterExpression must be a non-empty string.")
        if len(expr) > LF_FILTER_EXPRESSION_MAX:
            raise invalid(
                f"FilterExpression is {len(expr)} characters; the maximum is {LF_FILTER_EXPRESSION_MAX}."
            )
    has_names = data.get("ColumnNames") is not None
    has_wild = data.get("ColumnWildcard") is not None
    if has_names == has_wild:
        raise invalid("Specify either ColumnNames or ColumnWildcard (exactly one).")
    if has_names and (not isinstance(data["ColumnNames"], list) or not data["ColumnNames"]):
        raise invalid("ColumnNames must be a non-empty list.")
    # The table must exist in its catalog (moto's Glue state of that account).
    from moto.glue.models import glue_backends

    try:
        glue_backends[data["TableCatalogId"]][call.region].get_table(data["DatabaseName"], data["TableName"])
    except Exception:
        raise ApiError(
            "EntityNotFoundException",
            f"Table {data['DatabaseName']}.{data['TableName']} not found in catalog {data['TableCatalogId']}.",
            400,
        ) from None
    stored = {k: copy.deepcopy(data[k]) for k in (
        "TableCatalogId", "DatabaseName", "TableName", "Name", "RowFilter", "ColumnNames", "ColumnWildcard")
        if data.get(k) is not None}
    return stored


def create_filter(moto: MotoApp, call: Call) -> Response:
    stored = _validate_filter(call, call.params().get("TableData"))
    key = filter_key(call, stored)
    with REGISTRY.lock:
        ownership.check_filter(call, stored)
        existence.check({"Table": {"CatalogId": stored["TableCatalogId"], "DatabaseName": stored["DatabaseName"],
                                   "Name": stored["TableName"]}}, call.account, call.region)
        filters = account_filters(call)
        if key in filters:
            raise ApiError("AlreadyExistsException",
                           f"A data cells filter named {stored['Name']} already exists on this table.", 400)
        stored["VersionId"] = "1"
        filters[key] = stored
    return json_response(call, {})


def update_filter(moto: MotoApp, call: Call) -> Response:
    stored = _validate_filter(call, call.params().get("TableData"))
    key = filter_key(call, stored)
    with REGISTRY.lock:
        filters = account_filters(call)
        if key not in filters:
            raise ApiError("EntityNotFoundException", "Data cells filter not found.", 400)
        stored["VersionId"] = str(int(filters[key].get("VersionId", "1")) + 1)
        filters[key] = stored
    return json_response(call, {})


def _filter_ref(call: Call) -> FilterKey:
    params = call.params()
    for field in ("TableCatalogId", "DatabaseName", "TableName", "Name"):
        if not params.get(field):
            raise invalid(f"{field} is mandatory.")
    return filter_key(call, params)


def get_filter(moto: MotoApp, call: Call) -> Response:
    key = _filter_ref(call)
    with REGISTRY.lock:
        found = account_filters(call).get(key)
        if found is None:
            raise ApiError("EntityNotFoundException", "Data cells filter not found.", 400)
        return json_response(call, {"DataCellsFilter": copy.deepcopy(found)})


def delete_filter(moto: MotoApp, call: Call) -> Response:
    key = _filter_ref(call)
    with REGISTRY.lock:
        filters = account_filters(call)
        if key not in filters:
            raise ApiError("EntityNotFoundException", "Data cells filter not found.", 400)
        del filters[key]
        # Grants on a deleted filter go with it.
        backend = lf_backend(call)
        for catalog_grants in backend.grants.values():
            for perm in list(catalog_grants.permissions):
                ref = perm.resource.get("DataCellsFilter") if isinstance(perm.resource, dict) else None
                if isinstance(ref, dict) and filter_key(call, ref) == key:
                    discard_grant(catalog_grants, perm)
    return json_response(call, {})


def list_filters(moto: MotoApp, call: Call) -> Response:
    params = call.params()
    size = page_size(params.get("MaxResults"), LF_PAGE_MAX, LF_PAGE_MAX, cap=False)
    table = params.get("Table")
    qkey = query_key(call.account, table)
    with REGISTRY.lock:
        items = [copy.deepcopy(f) for f in account_filters(call).values()]
    if isinstance(table, dict):
        cat = table.get("CatalogId") or call.account
        items = [f for f in items if f["TableCatalogId"] == cat
                 and f["DatabaseName"] == table.get("DatabaseName")
                 and (table.get("Name") is None or f["TableName"] == table.get("Name"))]
    page, nxt = paginate(
        items, lambda f: [f["TableCatalogId"], f["DatabaseName"], f["TableName"], f["Name"]],
        size, params.get("NextToken"), "ListDataCellsFilter", qkey)
    out: dict[str, Any] = {"DataCellsFilters": page}
    if nxt:
        out["NextToken"] = nxt
    return json_response(call, out)


# The Lake Formation operations the emulator answers itself; the others go to moto as they are.
OPERATIONS: dict[str, Callable[[MotoApp, Call], Response]] = {
    "GrantPermissions": grant,
    "RevokePermissions": revoke,
    "BatchGrantPermissions": batch_grant,
    "BatchRevokePermissions": batch_revoke,
    "ListPermissions": list_permissions,
    "CreateDataCellsFilter": create_filter,
    "UpdateDataCellsFilter": update_filter,
    "GetDataCellsFilter": get_filter,
    "DeleteDataCellsFilter": delete_filter,
    "ListDataCellsFilter": list_filters,
}
