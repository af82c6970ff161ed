"""Glue: GetTables and GetDatabases paged as AWS pages them (moto returns everything at once);
GetTable and GetTables follow resource links (links.py); deleting a table or a database drops the
Lake Formation permissions on it (existence.py)."""
from __future__ import annotations

from typing import Any, Callable

from . import existence, links
from .call import Call
from .faults import REGISTRY
from .moto_app import MotoApp
from .paging import page_size, paginate, query_key, read_token
from .wire import Response, json_response

# Glue: GetTables / GetDatabases MaxResults is 1..100 (CatalogGetterPageSize).
GLUE_PAGE_MAX = 100


Fetch = Callable[[Call, dict[str, Any]], tuple[int, Any, Response]]


def _paged(moto: MotoApp, call: Call, op: str, list_key: str, query_fields: tuple[str, ...],
           fetch: Fetch | None = None) -> Response:
    params = call.params()
    # AWS: MaxResults 1..100; larger values are served as 100 (documented choice).
    size = page_size(params.get("MaxResults"), GLUE_PAGE_MAX, GLUE_PAGE_MAX, cap=True)
    qkey = query_key(call.account, op, [params.get(f) for f in query_fields])
    token = params.get("NextToken")
    if token is not None:
        read_token(token, op, qkey)  # invalid token -> InvalidInputException before any work
    forwarded = {k: v for k, v in params.items() if k not in ("MaxResults", "NextToken")}
    status, data, resp = (fetch or moto.send_json)(call, forwarded)
    if status != 200 or not isinstance(data, dict):
        return resp
    items = data.get(list_key) or []
    page, nxt = paginate(items, lambda t: t.get("Name", ""), size, token, op, qkey)
    data[list_key] = page
    if nxt:
        data["NextToken"] = nxt
    else:
        data.pop("NextToken", None)
    return json_response(call, data)


def get_tables(moto: MotoApp, call: Call) -> Response:
    return _paged(moto, call, "GetTables", "TableList", ("CatalogId", "DatabaseName", "Expression"),
                  lambda c, forwarded: links.get_tables(moto, c, forwarded))


def get_databases(moto: MotoApp, call: Call) -> Response:
    return _paged(moto, call, "GetDatabases", "DatabaseList", ("CatalogId", "ResourceShareType"))


def _deleting(tables: Callable[[dict[str, Any]], list[str | None]]) -> Callable[[MotoApp, Call], Response]:
    """A Glue deletion passed to moto; once it succeeded, the permissions on what it deleted
    (`tables(params)`: table names, or [None] for the whole database) are dropped."""

    def handle(moto: MotoApp, call: Call) -> Response:
        params = call.params()
        owner = str(params.get("CatalogId") or call.account)
        database = params.get("DatabaseName") or params.get("Name")
        with REGISTRY.lock:
            resp = moto.send(call, call.body)
            if resp[0] == 200 and database:
                for table in tables(params):
                    existence.forget(owner, call.region, database, table)
        return resp

    return handle


# The Glue operations the emulator answers itself; the others go to moto as they are.
OPERATIONS: dict[str, Callable[[MotoApp, Call], Response]] = {
    "GetTable": links.get_table,
    "GetTables": get_tables,
    "GetDatabases": get_databases,
    "DeleteTable": _deleting(lambda p: [p.get("Name")]),
    # A batch may delete only some of its tables; dropping the permissions of one that failed to
    # delete would be wrong, but moto fails none that exists, and one that does not exist holds none.
    "BatchDeleteTable": _deleting(lambda p: list(p.get("TablesToDelete") or [])),
    "DeleteDatabase": _deleting(lambda p: [None]),
}
