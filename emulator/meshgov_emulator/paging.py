"""Paging tokens (opaque to clients; bound to the query they came from) and keyset paging."""
from __future__ import annotations

import base64
import bisect
import hashlib
import json
from typing import Any, Callable

from .errors import invalid
from .wire import compact


def query_key(*parts: Any) -> str:
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
