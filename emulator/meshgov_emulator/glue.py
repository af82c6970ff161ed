"""Glue: GetTables and GetDatabases paged as AWS pages them (moto returns everything at once);
GetTable and GetTables follow resource links (links.py)."""
from __future__ import annotations

from typing import Any, Callable

from . import links
from .call import Call
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


# The Glue operations the emulator answers itself; the others go to moto as they are.
OPERATIONS: dict[str, Callable[[MotoApp, Call], Response]] = {
    "GetTable": links.get_table,
    "GetTables": get_tables,
    "GetDatabases": get_databases,
}
