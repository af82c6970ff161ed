#!/usr/bin/env python3
"""meshgov AWS emulator: moto 5.2.5's server app behind WSGI middleware.

moto answers STS, Glue and Lake Formation well enough to show that meshgov sends
the right calls, but not how AWS answers them (see
shared/notes/aws-emulation.md and emulator/README.md). This middleware adds,
modelled on AWS's documented behaviour:

* fault injection per operation (errors in each protocol's wire format, delays),
  through a control API under /_emulator/;
* a log of every AWS call (operation, account, request body, status);
* an ``x-amzn-RequestId`` header on every response;
* Glue ``GetTables``/``GetDatabases`` paging (100 a page, opaque NextToken);
* Lake Formation: the 20-entry batch limit, per-entry batch failures,
  "No permissions revoked", grants compared semantically (normalized),
  ``ListPermissions`` on a table returning its column grants, and data cells
  filters (create/get/update/delete/list) with grants on them;
* an indexed grant store: O(1) per grant or revoke instead of moto's linear
  scan (which also left merged grants under a stale hash), and ListPermissions
  listings kept sorted until the next change, paged by binary search.

Run:  python emulator/meshgov_emulator.py --host 127.0.0.1 --port 5000
It prints ``meshgov-emulator ready on http://HOST:PORT`` once it accepts
connections (``--port 0`` picks a free port; the line tells which).
"""
from __future__ import annotations

import argparse
import base64
import bisect
import copy
import hashlib
import http
import io
import json
import logging
import os
import re
import signal
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, parse_qsl, unquote_plus

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

# Glue: GetTables / GetDatabases MaxResults is 1..100 (CatalogGetterPageSize).
GLUE_PAGE_MAX = 100
# Lake Formation: BatchGrantPermissions / BatchRevokePermissions take up to 20 entries.
LF_BATCH_MAX = 20
# Lake Formation: RowFilter.FilterExpression is at most 2048 characters (PredicateString).
LF_FILTER_EXPRESSION_MAX = 2048
# Lake Formation: PageSize for ListPermissions / ListDataCellsFilter is 1..1000.
LF_PAGE_MAX = 1000
NO_PERMISSIONS_REVOKED = (
    "No permissions revoked. Grantee has no permissions and no grantable permissions on resource."
)

EMULATOR_PREFIX = "/_emulator"

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"

# Used only when a request carries no SigV4 Authorization header.
LF_OPERATIONS = {
    "AddLFTagsToResource", "BatchGrantPermissions", "BatchRevokePermissions",
    "CreateDataCellsFilter", "CreateLFTag", "DeleteDataCellsFilter", "DeleteLFTag",
    "DeregisterResource", "DescribeResource", "GetDataCellsFilter",
    "GetDataLakeSettings", "GetLFTag", "GetResourceLFTags", "GrantPermissions",
    "ListDataCellsFilter", "ListLFTags", "ListPermissions", "ListResources",
    "PutDataLakeSettings", "RegisterResource", "RemoveLFTagsFromResource",
    "RevokePermissions", "UpdateDataCellsFilter", "UpdateLFTag",
}

log = logging.getLogger("meshgov_emulator")


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def utcnow_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def compact(obj: Any) -> str:
    """Compact JSON (no spaces): the form that fault ``match`` strings are tested against."""
    return json.dumps(obj, separators=(",", ":"), sort_keys=False)


class ApiError(Exception):
    """An AWS error to send back in the protocol of the service that was called."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def invalid(message: str) -> ApiError:
    return ApiError("InvalidInputException", message, 400)


def default_status(code: str) -> int:
    c = code.lower()
    if "internal" in c or c in ("internalfailure", "servicefailure"):
        return 500
    if "unavailable" in c:
        return 503
    if "timeout" in c:
        return 500
    if c.startswith("accessdenied") or c in ("unauthorizedoperation", "expiredtoken", "expiredtokenexception"):
        return 403
    return 400


def status_line(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


# --------------------------------------------------------------------------
# Request classification (service, operation, account, region)
# --------------------------------------------------------------------------

# Same expressions moto's BaseResponse uses, so we resolve the same account/region.
ACCESS_KEY_RE = re.compile(r"AWS.*(?P<access_key>(?<![A-Z0-9])[A-Z0-9]{20}(?![A-Z0-9]))[:/]")
REGION_FROM_UA_RE = re.compile(r"region/(?P<region>[a-z]{2}-[a-z]+-\d{1})")
SCOPE_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


class Call:
    """What the middleware knows about one AWS request."""

    def __init__(self, environ: dict[str, Any], body: bytes):
        self.environ = environ
        self.body = body
        self.text = body.decode("utf-8", errors="replace")
        self.path = environ.get("PATH_INFO", "") or "/"
        self.content_type = environ.get("CONTENT_TYPE", "") or ""
        self.request_id = str(uuid.uuid4())
        auth = environ.get("HTTP_AUTHORIZATION", "") or ""
        scope = SCOPE_RE.search(auth)
        self.form: dict[str, str] = {}
        if "x-www-form-urlencoded" in self.content_type or (not self.content_type and "Action=" in self.text):
            self.form = dict(parse_qsl(self.text, keep_blank_values=True))
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        target = environ.get("HTTP_X_AMZ_TARGET", "") or ""

        service = scope.group("service").lower() if scope else None
        if not service:
            if target.startswith("AWSGlue."):
                service = "glue"
            elif self.path.strip("/").split("/")[0] in LF_OPERATIONS:
                service = "lakeformation"
            elif (self.form.get("Action") or query.get("Action")) and (
                (self.form.get("Version") or query.get("Version")) == "2011-06-15"
                or (self.form.get("Action") or query.get("Action", "")).startswith(("AssumeRole", "GetCallerIdentity", "GetSessionToken", "GetFederationToken"))
            ):
                service = "sts"
        self.service = service or "unknown"

        if target:
            operation = target.split(".", 1)[-1]
        elif self.form.get("Action") or query.get("Action"):
            operation = self.form.get("Action") or query.get("Action", "")
        elif self.service == "lakeformation":
            operation = self.path.strip("/").split("/")[0]
        else:
            operation = self.path
        self.operation = operation
        self.account = self._account(auth, query)
        self.region = self._region(auth, scope)
        self._json: Any = None
        self._json_parsed = False

    def _account(self, auth: str, query: dict[str, str]) -> str:
        # Mirrors moto.core.responses.BaseResponse.get_current_account.
        if os.environ.get("MOTO_ACCOUNT_ID"):
            return os.environ["MOTO_ACCOUNT_ID"]
        header = self.environ.get("HTTP_X_MOTO_ACCOUNT_ID")
        if header:
            return header
        m = ACCESS_KEY_RE.search(auth)
        access_key = m.group("access_key") if m else query.get("AWSAccessKeyId", "AKIAEXAMPLE")
        from moto.iam.models import get_account_id_from

        return get_account_id_from(access_key)

    def _region(self, auth: str, scope: Any) -> str:
        # Mirrors BaseResponse.get_region_from_url for a server on a bare host:port.
        ua = REGION_FROM_UA_RE.search(self.environ.get("HTTP_USER_AGENT", "") or "")
        if ua:
            return ua.group("region")
        if scope:
            return scope.group("region")
        return DEFAULT_REGION

    @property
    def json(self) -> Any:
        if not self._json_parsed:
            self._json_parsed = True
            try:
                self._json = json.loads(self.text) if self.text.strip() else {}
            except ValueError:
                self._json = None
        return self._json

    def params(self) -> dict[str, Any]:
        data = self.json
        if not isinstance(data, dict):
            raise ApiError("SerializationException", "Request body is not a JSON object", 400)
        return data

    def logged_body(self) -> Any:
        if self.form:
            return self.form
        if self.json is not None:
            return self.json
        return self.text[:4096]

    def matches(self, needle: str) -> bool:
        return needle in self.text or needle in unquote_plus(self.text)


# --------------------------------------------------------------------------
# Faults and the call log
# --------------------------------------------------------------------------

class Fault:
    FIELDS = ("service", "operation", "error", "status", "message", "count", "delay_ms", "account", "match")

    def __init__(self, spec: dict[str, Any]):
        unknown = set(spec) - set(self.FIELDS)
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        self.id = uuid.uuid4().hex[:12]
        self.service = str(spec.get("service") or "").lower()
        if not self.service:
            raise ValueError("service is required")
        self.operation = str(spec.get("operation") or "")
        if not self.operation:
            raise ValueError("operation is required ('*' for any)")
        self.error = spec.get("error")
        self.delay_ms = int(spec.get("delay_ms") or 0)
        if not self.error and not self.delay_ms:
            raise ValueError("give an error, a delay_ms, or both")
        self.status = int(spec["status"]) if spec.get("status") is not None else (
            default_status(self.error) if self.error else 200)
        self.message = spec.get("message") or (f"Injected {self.error} by meshgov-emulator" if self.error else "")
        self.count = int(spec.get("count", 1))
        if self.count == 0 or self.count < -1:
            raise ValueError("count must be N > 0, or -1 for forever")
        self.account = str(spec["account"]) if spec.get("account") else None
        if self.account and not re.fullmatch(r"\d{12}", self.account):
            raise ValueError("account must be a 12-digit account id")
        self.match = spec.get("match")
        self.fired = 0

    def applies(self, service: str, operation: str, account: str) -> bool:
        return (
            self.service in (service, "*")
            and self.operation in (operation, "*")
            and (self.account is None or self.account == account)
        )

    def to_dict(self) -> dict[str, Any]:
        d = {k: getattr(self, k) for k in self.FIELDS}
        d.update(id=self.id, fired=self.fired)
        return d


class Registry:
    """Faults, the call log and the emulated Lake Formation state, behind one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.calls: list[dict[str, Any]] = []
        # (account, region) -> {(TableCatalogId, DatabaseName, TableName, Name): filter dict}
        self.filters: dict[tuple[str, str], dict[tuple[str, str, str, str], dict[str, Any]]] = {}

    def add_fault(self, spec: dict[str, Any]) -> Fault:
        fault = Fault(spec)
        with self.lock:
            self.faults.append(fault)
        return fault

    def _consume(self, fault: Fault) -> None:
        fault.fired += 1
        if fault.count > 0:
            fault.count -= 1
            if fault.count == 0:
                self.faults.remove(fault)

    def take(self, call: Call, batch: bool) -> Fault | None:
        """The first fault for this whole request, consumed. On batch operations
        faults with ``match`` are per entry and are not considered here."""
        with self.lock:
            for fault in self.faults:
                if not fault.applies(call.service, call.operation, call.account):
                    continue
                if fault.match is not None:
                    if batch or not call.matches(fault.match):
                        continue
                self._consume(fault)
                return fault
        return None

    def take_for_entry(self, call: Call, entry_json: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.match is None or not fault.applies(call.service, call.operation, call.account):
                    continue
                if fault.match in entry_json:
                    self._consume(fault)
                    return fault
        return None

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            entry["seq"] = len(self.calls) + 1
            self.calls.append(entry)


REGISTRY = Registry()


# --------------------------------------------------------------------------
# Error bodies per protocol
# --------------------------------------------------------------------------

def render_error(service: str, code: str, message: str, status: int, request_id: str) -> tuple[int, list[tuple[str, str]], bytes]:
    if service == "sts" or service in ("iam", "sqs", "sns"):
        # awsQuery: XML ErrorResponse.
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f'<ErrorResponse xmlns="{STS_NS}">'
            f"<Error><Type>{kind}</Type><Code>{_xml(code)}</Code><Message>{_xml(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body
    if service == "lakeformation":
        # restJson1: error code in x-amzn-ErrorType, message in the body.
        body = json.dumps({"message": message}).encode()
        return status, [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", code),
            ("x-amzn-RequestId", request_id),
        ], body
    # awsJson1_1 (Glue and other X-Amz-Target services).
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", code),
        ("x-amzn-RequestId", request_id),
    ], body


def _xml(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------
# Paging tokens (opaque to clients; bound to the query they came from)
# --------------------------------------------------------------------------

def _query_key(*parts: Any) -> str:
    return hashlib.sha256(compact(parts).encode()).hexdigest()[:16]


def make_token(op: str, qkey: str, after: Any) -> str:
    raw = compact({"o": op, "q": qkey, "a": after}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: Any, op: str, qkey: str) -> Any:
    try:
        if not isinstance(token, str) or not token:
            raise ValueError
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        if data.get("o") != op or data.get("q") != qkey:
            raise ValueError
        return data["a"]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise invalid("Invalid pagination token (NextToken)") from None


def page_size(value: Any, default: int, maximum: int, cap: bool) -> int:
    if value is None:
        return default
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise invalid("MaxResults must be an integer") from None
    if n < 1:
        raise invalid(f"MaxResults must be between 1 and {maximum}")
    if n > maximum:
        if cap:
            return maximum
        raise invalid(f"MaxResults must be between 1 and {maximum}")
    return n


def paginate(items: list[Any], sort_key: Callable[[Any], Any], size: int, token: Any, op: str, qkey: str) -> tuple[list[Any], str | None]:
    """Keyset paging: the token remembers the sort key of the last item returned,
    so items added or removed between pages neither repeat nor vanish."""
    items = sorted(items, key=sort_key)
    if token is not None:
        after = read_token(token, op, qkey)
        after_key = tuple(after) if isinstance(after, list) else after
        items = [i for i in items if _k(sort_key(i)) > _k(after_key)]
    page = items[:size]
    nxt = None
    if len(items) > size:
        last = sort_key(page[-1])
        nxt = make_token(op, qkey, list(last) if isinstance(last, tuple) else last)
    return page, nxt


def paginate_sorted(keys: list[str], size: int, token: Any, op: str, qkey: str) -> tuple[list[str], str | None]:
    """`paginate` over items that are their own sort keys and already sorted: the page starts
    after the token's key, found by binary search (O(log n + size) a page)."""
    start = 0
    if token is not None:
        after = read_token(token, op, qkey)
        if not isinstance(after, str):
            raise invalid("Invalid pagination token (NextToken)")
        start = bisect.bisect_right(keys, after)
    page = keys[start:start + size]
    nxt = make_token(op, qkey, page[-1]) if start + size < len(keys) else None
    return page, nxt


def _k(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


# --------------------------------------------------------------------------
# Lake Formation normalization and state access
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


# moto's grant store, indexed. moto 5.2.5 keeps an account's grants (`Permission` objects) in a
# set on a `PermissionCatalog`, and `add_permission`/`remove_permission` look for the grant with the
# same principal and resource by scanning that set: O(n) per grant. Worse, `add_permission` merges
# into the existing grant *in place* (`merge`: `list(set(...))`, whose order depends on the string
# hash seed), so the element sits in the set under a stale hash and a later revoke's `set.remove`
# misses it or raises: whether a revoke worked depended on PYTHONHASHSEED.
#
# `install_moto_patches` replaces both methods. Each catalog gets a dict index
# (principal, resource) -> Permission next to its set, and a version number bumped on every change.
# A grant that is merged or diffed is taken out of the set first, changed (permission lists sorted
# and deduplicated, so neither order nor hash depends on the seed) and put back, so no element ever
# has a stale hash. Every change to the set goes through these methods or `discard_grant`. A moto
# reset (`/moto-api/reset`) rebuilds the backends with new catalogs, and the index, version and
# cached listings (`cached_listing`) live on the catalog, so they go with it.

def grant_key(principal: Any, resource: Any) -> tuple[str, str]:
    """The identity of a grant, as moto's `equal_principal_and_resouce` sees it (dict equality,
    i.e. key order ignored, list order kept)."""
    return compact_sorted(principal), compact_sorted(resource)


def _sorted_unique(values: Any) -> list[str]:
    return sorted(set(values or []))


def grant_index(catalog: Any) -> dict[tuple[str, str], Any]:
    """The catalog's index, (re)built from its set if missing or if the set was changed behind
    its back (a cheap size check)."""
    index = catalog.__dict__.get("_meshgov_index")
    if index is None or len(index) != len(catalog.permissions):
        index = {grant_key(p.principal, p.resource): p for p in catalog.permissions}
        catalog._meshgov_index = index
        _bump(catalog)
    return index


def grant_version(catalog: Any) -> int:
    grant_index(catalog)
    return catalog.__dict__.get("_meshgov_version", 0)


def _bump(catalog: Any) -> None:
    catalog._meshgov_version = catalog.__dict__.get("_meshgov_version", 0) + 1
    catalog.__dict__.pop("_meshgov_listings", None)


def _add_permission(self: Any, permission: Any) -> None:
    """moto's `PermissionCatalog.add_permission`: one grant per (principal, resource); a repeated
    grant adds its permissions to the existing one. O(1)."""
    index = grant_index(self)
    key = grant_key(permission.principal, permission.resource)
    existing = index.get(key)
    _bump(self)
    if existing is None:
        permission.permissions = _sorted_unique(permission.permissions)
        permission.permissions_with_grant_options = _sorted_unique(permission.permissions_with_grant_options)
        self.permissions.add(permission)
        index[key] = permission
        return
    self.permissions.discard(existing)  # under the hash it was added with: it is only changed outside the set
    existing.permissions = _sorted_unique(list(existing.permissions or []) + list(permission.permissions or []))
    existing.permissions_with_grant_options = _sorted_unique(
        list(existing.permissions_with_grant_options or []) + list(permission.permissions_with_grant_options or []))
    self.permissions.add(existing)


def _remove_permission(self: Any, permission: Any) -> None:
    """moto's `PermissionCatalog.remove_permission`: takes the given permissions away from the
    grant with the same principal and resource, and drops the grant once it holds none. O(1)."""
    index = grant_index(self)
    key = grant_key(permission.principal, permission.resource)
    existing = index.get(key)
    if existing is None:
        return
    _bump(self)
    self.permissions.discard(existing)
    existing.permissions = _sorted_unique(set(existing.permissions or []) - set(permission.permissions or []))
    existing.permissions_with_grant_options = _sorted_unique(
        set(existing.permissions_with_grant_options or []) - set(permission.permissions_with_grant_options or []))
    if existing.is_empty():
        del index[key]
    else:
        self.permissions.add(existing)


def discard_grant(catalog: Any, permission: Any) -> None:
    """Drops a whole grant (all its permissions) from a catalog, keeping the index."""
    index = grant_index(catalog)
    key = grant_key(permission.principal, permission.resource)
    if index.get(key) is permission:
        del index[key]
        catalog.permissions.discard(permission)
        _bump(catalog)


def install_moto_patches() -> None:
    """Applied once, before the first request (see the comment above `grant_key`)."""
    from moto.lakeformation.models import PermissionCatalog

    PermissionCatalog.add_permission = _add_permission  # type: ignore[method-assign]
    PermissionCatalog.remove_permission = _remove_permission  # type: ignore[method-assign]


# ListPermissions listings kept per catalog and query, as the sorted list of each entry's sort key
# (its compact JSON with sorted keys, which is also what is sent). A listing is valid while the
# catalog's version is the one it was built at; any grant or revoke drops them all.
LISTINGS_PER_CATALOG = 32


def cached_listing(catalog: Any, qkey: str, build: Callable[[], list[str] | None]) -> list[str] | None:
    """The sorted listing for `qkey`, built by `build` (sorted keys, or None on an error, which
    is not kept) when there is none for the catalog's current version. Call under REGISTRY.lock."""
    if catalog is None:
        return build()
    version = grant_version(catalog)
    listings = catalog.__dict__.get("_meshgov_listings")
    if listings is None or listings[0] != version:
        listings = (version, {})
        catalog._meshgov_listings = listings
    found = listings[1].get(qkey)
    if found is None:
        found = build()
        if found is not None and grant_version(catalog) == version:
            if len(listings[1]) >= LISTINGS_PER_CATALOG:
                listings[1].pop(next(iter(listings[1])))
            listings[1][qkey] = found
    return found


def find_grant(call: Call, catalog: str, principal: Any, resource: Any) -> Any:
    catalog_grants = lf_backend(call).grants.get(catalog)
    if catalog_grants is None:
        return None
    return grant_index(catalog_grants).get(grant_key(principal, resource))


def filter_key(call: Call, ref: dict[str, Any]) -> tuple[str, str, str, str]:
    return (
        str(ref.get("TableCatalogId") or call.account),
        str(ref.get("DatabaseName") or ""),
        str(ref.get("TableName") or ""),
        str(ref.get("Name") or ""),
    )


def account_filters(call: Call) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    return REGISTRY.filters.setdefault((call.account, call.region), {})


# --------------------------------------------------------------------------
# The middleware
# --------------------------------------------------------------------------

Response = tuple[int, list[tuple[str, str]], bytes]


class EmulatorMiddleware:
    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app
        self.handlers: dict[tuple[str, str], Callable[[Call], Response]] = {
            ("glue", "GetTables"): self.glue_get_tables,
            ("glue", "GetDatabases"): self.glue_get_databases,
            ("lakeformation", "GrantPermissions"): self.lf_grant,
            ("lakeformation", "RevokePermissions"): self.lf_revoke,
            ("lakeformation", "BatchGrantPermissions"): self.lf_batch_grant,
            ("lakeformation", "BatchRevokePermissions"): self.lf_batch_revoke,
            ("lakeformation", "ListPermissions"): self.lf_list_permissions,
            ("lakeformation", "CreateDataCellsFilter"): self.lf_create_filter,
            ("lakeformation", "UpdateDataCellsFilter"): self.lf_update_filter,
            ("lakeformation", "GetDataCellsFilter"): self.lf_get_filter,
            ("lakeformation", "DeleteDataCellsFilter"): self.lf_delete_filter,
            ("lakeformation", "ListDataCellsFilter"): self.lf_list_filters,
        }

    # ---- WSGI entry ------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or ""
        if path == EMULATOR_PREFIX or path.startswith(EMULATOR_PREFIX + "/"):
            status, headers, body = self.control(environ)
        elif path.startswith("/moto-api") or path == "/favicon.ico":
            if path.rstrip("/") == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
                with REGISTRY.lock:
                    REGISTRY.filters.clear()
            status, headers, body = self.forward(environ)
        else:
            status, headers, body = self.aws(environ)
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "transfer-encoding")]
        if not any(k.lower() == "x-amzn-requestid" for k, _ in headers):
            headers.append(("x-amzn-RequestId", str(uuid.uuid4())))
        headers.append(("Content-Length", str(len(body))))
        start_response(status_line(status), headers)
        return [body]

    # ---- moto ------------------------------------------------------------

    def forward(self, environ: dict[str, Any]) -> Response:
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = list(headers)
            return chunks.append

        result = self.app(environ, start_response)
        try:
            for chunk in result:
                chunks.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        return captured["status"], captured["headers"], b"".join(chunks)

    def moto(self, call: Call, body: bytes, path: str | None = None) -> Response:
        """Send a (possibly rewritten) request to moto with the caller's credentials."""
        environ = dict(call.environ)
        environ.pop("werkzeug.request", None)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        if path is not None:
            environ["PATH_INFO"] = path
            environ["RAW_URI"] = environ["REQUEST_URI"] = path
        return self.forward(environ)

    def moto_json(self, call: Call, payload: dict[str, Any], path: str | None = None) -> tuple[int, Any, Response]:
        resp = self.moto(call, json.dumps(payload).encode(), path)
        try:
            data = json.loads(resp[2] or b"{}")
        except ValueError:
            data = None
        return resp[0], data, resp

    @staticmethod
    def moto_error_code(resp: Response) -> tuple[str, str]:
        headers = {k.lower(): v for k, v in resp[1]}
        code = headers.get("x-amzn-errortype", "")
        message = ""
        try:
            data = json.loads(resp[2] or b"{}")
            code = code or data.get("__type") or data.get("code") or ""
            message = data.get("message") or data.get("Message") or ""
        except (ValueError, AttributeError):
            message = resp[2].decode("utf-8", "replace")[:500]
        return (code.split(":")[0] or "InternalServiceException"), message

    # ---- AWS requests ----------------------------------------------------

    def aws(self, environ: dict[str, Any]) -> Response:
        from werkzeug.wrappers import Request

        body = Request(environ).get_data(cache=True)
        environ.pop("werkzeug.request", None)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        call = Call(environ, body)
        started = time.time()
        record: dict[str, Any] = {
            "service": call.service,
            "operation": call.operation,
            "account": call.account,
            "region": call.region,
            "time": utcnow_iso(),
            "ts": started,
            "body": call.logged_body(),
            "request_id": call.request_id,
            "injected": None,
        }
        batch = (call.service, call.operation) in (
            ("lakeformation", "BatchGrantPermissions"),
            ("lakeformation", "BatchRevokePermissions"),
        )
        fault = REGISTRY.take(call, batch)
        resp: Response
        if fault is not None and fault.delay_ms:
            time.sleep(fault.delay_ms / 1000.0)
        if fault is not None and fault.error:
            record["injected"] = fault.error
            resp = render_error(call.service, fault.error, fault.message, fault.status, call.request_id)
        else:
            handler = self.handlers.get((call.service, call.operation))
            try:
                if handler is None:
                    resp = self.moto(call, body)
                else:
                    resp = handler(call)
            except ApiError as err:
                resp = render_error(call.service, err.code, err.message, err.status, call.request_id)
            if record.get("entry_failures") is None and getattr(call, "entry_failures", None) is not None:
                record["entry_failures"] = call.entry_failures  # type: ignore[attr-defined]
        status, headers, out = resp
        if not any(k.lower() == "x-amzn-requestid" for k, _ in headers):
            headers = list(headers) + [("x-amzn-RequestId", call.request_id)]
        else:
            record["request_id"] = next(v for k, v in headers if k.lower() == "x-amzn-requestid")
        record["status"] = status
        record["duration_ms"] = round((time.time() - started) * 1000, 1)
        REGISTRY.record(record)
        return status, headers, out

    @staticmethod
    def json_response(call: Call, payload: Any, status: int = 200) -> Response:
        ctype = "application/x-amz-json-1.1" if call.service == "glue" else "application/json"
        return status, [("Content-Type", ctype), ("x-amzn-RequestId", call.request_id)], json.dumps(payload).encode()

    # ---- Glue paging -----------------------------------------------------

    def _glue_paged(self, call: Call, op: str, list_key: str, query_fields: tuple[str, ...]) -> Response:
        params = call.params()
        # AWS: MaxResults 1..100; larger values are served as 100 (documented choice).
        size = page_size(params.get("MaxResults"), GLUE_PAGE_MAX, GLUE_PAGE_MAX, cap=True)
        qkey = _query_key(call.account, op, [params.get(f) for f in query_fields])
        token = params.get("NextToken")
        if token is not None:
            read_token(token, op, qkey)  # invalid token -> InvalidInputException before any work
        forwarded = {k: v for k, v in params.items() if k not in ("MaxResults", "NextToken")}
        status, data, resp = self.moto_json(call, forwarded)
        if status != 200 or not isinstance(data, dict):
            return resp
        items = data.get(list_key) or []
        page, nxt = paginate(items, lambda t: t.get("Name", ""), size, token, op, qkey)
        data[list_key] = page
        if nxt:
            data["NextToken"] = nxt
        else:
            data.pop("NextToken", None)
        return self.json_response(call, data)

    def glue_get_tables(self, call: Call) -> Response:
        return self._glue_paged(call, "GetTables", "TableList", ("CatalogId", "DatabaseName", "Expression"))

    def glue_get_databases(self, call: Call) -> Response:
        return self._glue_paged(call, "GetDatabases", "DatabaseList", ("CatalogId", "ResourceShareType"))

    # ---- Lake Formation grants -------------------------------------------

    def _check_entry(self, call: Call, entry: dict[str, Any]) -> tuple[dict[str, Any], Any]:
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

    def _grant_one(self, call: Call, catalog: str, entry: dict[str, Any]) -> None:
        principal, resource = self._check_entry(call, entry)
        payload = {
            "CatalogId": catalog,
            "Principal": principal,
            "Resource": resource,
            "Permissions": sorted(set(entry.get("Permissions") or [])),
            "PermissionsWithGrantOption": sorted(set(entry.get("PermissionsWithGrantOption") or [])),
        }
        status, _, resp = self.moto_json(call, payload, "/GrantPermissions")
        if status != 200:
            raise ApiError(*self.moto_error_code(resp), status)

    def _revoke_one(self, call: Call, catalog: str, entry: dict[str, Any]) -> None:
        principal, resource = self._check_entry(call, entry)
        wanted = set(entry.get("Permissions") or [])
        wanted_grant = set(entry.get("PermissionsWithGrantOption") or [])
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
        status, _, resp = self.moto_json(call, payload, "/RevokePermissions")
        if status != 200:
            raise ApiError(*self.moto_error_code(resp), status)

    def lf_grant(self, call: Call) -> Response:
        params = call.params()
        with REGISTRY.lock:
            self._grant_one(call, params.get("CatalogId") or call.account, params)
        return self.json_response(call, {})

    def lf_revoke(self, call: Call) -> Response:
        params = call.params()
        with REGISTRY.lock:
            self._revoke_one(call, params.get("CatalogId") or call.account, params)
        return self.json_response(call, {})

    def _batch(self, call: Call, one: Callable[[Call, str, dict[str, Any]], None]) -> Response:
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
        with REGISTRY.lock:
            for entry in entries:
                if not isinstance(entry, dict) or not entry.get("Id"):
                    failures.append({"RequestEntry": entry, "Error": {
                        "ErrorCode": "InvalidInputException", "ErrorMessage": "Entry Id is mandatory."}})
                    continue
                fault = REGISTRY.take_for_entry(call, compact(entry))
                if fault is not None:
                    if fault.delay_ms:
                        time.sleep(fault.delay_ms / 1000.0)
                    if fault.error:
                        failures.append({"RequestEntry": entry, "Error": {
                            "ErrorCode": fault.error, "ErrorMessage": fault.message}})
                        continue
                try:
                    one(call, catalog, entry)
                except ApiError as err:
                    failures.append({"RequestEntry": entry, "Error": {
                        "ErrorCode": err.code, "ErrorMessage": err.message}})
        call.entry_failures = [  # type: ignore[attr-defined]
            {"Id": f["RequestEntry"].get("Id") if isinstance(f["RequestEntry"], dict) else None,
             "ErrorCode": f["Error"]["ErrorCode"]} for f in failures
        ]
        return self.json_response(call, {"Failures": failures})

    def lf_batch_grant(self, call: Call) -> Response:
        return self._batch(call, self._grant_one)

    def lf_batch_revoke(self, call: Call) -> Response:
        return self._batch(call, self._revoke_one)

    def lf_list_permissions(self, call: Call) -> Response:
        params = call.params()
        catalog = params.get("CatalogId") or call.account
        # Paged only when asked (MaxResults or NextToken): AWS's default page size is undocumented.
        size = page_size(params.get("MaxResults"), LF_PAGE_MAX, LF_PAGE_MAX, cap=False)
        paged = params.get("MaxResults") is not None or params.get("NextToken") is not None
        resource = normalize_resource(params.get("Resource"), call.account)
        principal = params.get("Principal")
        qkey = _query_key(call.account, catalog, principal, resource, params.get("ResourceType"), params.get("IncludeRelated"))
        token = params.get("NextToken")
        if token is not None:
            read_token(token, "ListPermissions", qkey)
        local = isinstance(resource, dict) and ("Table" in resource or "DataCellsFilter" in resource)
        if local and principal is not None and params.get("IncludeRelated") == "TRUE":
            raise invalid("Principal must not be set when IncludeRelated is TRUE.")
        failed: list[Response] = []

        def build() -> list[str] | None:
            if local:
                perms = self._list_local(call, catalog, principal, resource, params.get("IncludeRelated") == "TRUE")
            else:
                forwarded = {k: v for k, v in params.items() if k not in ("MaxResults", "NextToken")}
                if resource is not None:
                    forwarded["Resource"] = resource
                status, data, resp = self.moto_json(call, forwarded)
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

    def _list_local(self, call: Call, catalog: str, principal: Any, flt: dict[str, Any], related: bool) -> list[dict[str, Any]]:
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
            if self._resource_matches(flt, perm.resource, related):
                out.append(perm.to_external_form())
        return out

    @staticmethod
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

    # ---- Lake Formation data cells filters -------------------------------

    def _validate_filter(self, call: Call, data: Any) -> dict[str, Any]:
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

    def lf_create_filter(self, call: Call) -> Response:
        stored = self._validate_filter(call, call.params().get("TableData"))
        key = filter_key(call, stored)
        with REGISTRY.lock:
            filters = account_filters(call)
            if key in filters:
                raise ApiError("AlreadyExistsException",
                               f"A data cells filter named {stored['Name']} already exists on this table.", 400)
            stored["VersionId"] = "1"
            filters[key] = stored
        return self.json_response(call, {})

    def lf_update_filter(self, call: Call) -> Response:
        stored = self._validate_filter(call, call.params().get("TableData"))
        key = filter_key(call, stored)
        with REGISTRY.lock:
            filters = account_filters(call)
            if key not in filters:
                raise ApiError("EntityNotFoundException", "Data cells filter not found.", 400)
            stored["VersionId"] = str(int(filters[key].get("VersionId", "1")) + 1)
            filters[key] = stored
        return self.json_response(call, {})

    def _filter_ref(self, call: Call) -> tuple[str, str, str, str]:
        params = call.params()
        for field in ("TableCatalogId", "DatabaseName", "TableName", "Name"):
            if not params.get(field):
                raise invalid(f"{field} is mandatory.")
        return filter_key(call, params)

    def lf_get_filter(self, call: Call) -> Response:
        key = self._filter_ref(call)
        with REGISTRY.lock:
            found = account_filters(call).get(key)
            if found is None:
                raise ApiError("EntityNotFoundException", "Data cells filter not found.", 400)
            return self.json_response(call, {"DataCellsFilter": copy.deepcopy(found)})

    def lf_delete_filter(self, call: Call) -> Response:
        key = self._filter_ref(call)
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
        return self.json_response(call, {})

    def lf_list_filters(self, call: Call) -> Response:
        params = call.params()
        size = page_size(params.get("MaxResults"), LF_PAGE_MAX, LF_PAGE_MAX, cap=False)
        table = params.get("Table")
        qkey = _query_key(call.account, table)
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
        return self.json_response(call, out)

    # ---- control API -----------------------------------------------------

    def control(self, environ: dict[str, Any]) -> Response:
        method = environ.get("REQUEST_METHOD", "GET")
        path = (environ.get("PATH_INFO") or "")[len(EMULATOR_PREFIX):].rstrip("/") or "/"
        query = parse_qs(environ.get("QUERY_STRING", ""))

        def reply(payload: Any, status: int = 200) -> Response:
            return status, [("Content-Type", "application/json")], json.dumps(payload, default=str).encode()

        try:
            if path in ("/", "/health") and method == "GET":
                import moto

                return reply({"status": "ok", "moto": moto.__version__, **memory_kib()})
            if path == "/faults":
                if method == "GET":
                    with REGISTRY.lock:
                        return reply({"faults": [f.to_dict() for f in REGISTRY.faults]})
                if method == "POST":
                    length = int(environ.get("CONTENT_LENGTH") or 0)
                    raw = environ["wsgi.input"].read(length) if length else b""
                    spec = json.loads(raw or b"{}")
                    specs = spec if isinstance(spec, list) else [spec]
                    created = [REGISTRY.add_fault(s).to_dict() for s in specs]
                    return reply(created if isinstance(spec, list) else created[0], 201)
                if method == "DELETE":
                    with REGISTRY.lock:
                        REGISTRY.faults.clear()
                    return reply({"cleared": True})
            if path.startswith("/faults/") and method == "DELETE":
                fid = path.split("/", 2)[2]
                with REGISTRY.lock:
                    before = len(REGISTRY.faults)
                    REGISTRY.faults[:] = [f for f in REGISTRY.faults if f.id != fid]
                    return reply({"deleted": before != len(REGISTRY.faults)})
            if path == "/calls":
                if method == "GET":
                    with REGISTRY.lock:
                        calls = list(REGISTRY.calls)
                    for field in ("service", "operation", "account"):
                        if query.get(field):
                            calls = [c for c in calls if c.get(field) == query[field][0]]
                    return reply({"calls": calls})
                if method == "DELETE":
                    with REGISTRY.lock:
                        REGISTRY.calls.clear()
                    return reply({"cleared": True})
            if path == "/reset" and method == "POST":
                with REGISTRY.lock:
                    REGISTRY.faults.clear()
                    REGISTRY.calls.clear()
                    REGISTRY.filters.clear()
                return reply({"reset": True})
        except (ValueError, TypeError) as err:
            return reply({"error": str(err)}, 400)
        return reply({"error": f"no such control endpoint: {method} {EMULATOR_PREFIX}{path}"}, 404)


def memory_kib() -> dict[str, int]:
    """The emulator's resident memory now and at its peak (Linux: VmRSS, VmHWM), for benchmarks."""
    out = {}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    out["rss_kib" if name == "VmRSS" else "peak_rss_kib"] = int(value.split()[0])
    except OSError:
        pass
    return out


def compact_sorted(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------

def make_app() -> EmulatorMiddleware:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    install_moto_patches()
    return EmulatorMiddleware(DomainDispatcherApplication(create_backend_app))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto with AWS-like behaviour for meshgov tests")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000, help="0 picks a free port")
    parser.add_argument("--log-requests", action="store_true", help="log every HTTP request to stderr")
    args = parser.parse_args(argv)

    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if not args.log_requests:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    app = make_app()
    # make_server(threaded=True) is the server werkzeug's run_simple(threaded=True)
    # starts; used directly so the ready line is printed once the socket is bound
    # and --port 0 can report the port it got.
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_address[1]
    os.environ.setdefault("MOTO_PORT", str(port))

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"meshgov-emulator ready on http://{args.host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
