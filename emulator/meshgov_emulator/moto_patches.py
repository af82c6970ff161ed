"""moto's Lake Formation grant store, indexed, and the ListPermissions listings kept on it.

moto 5.2.5 keeps an account's grants (`Permission` objects) in a set on a `PermissionCatalog`, and
`add_permission`/`remove_permission` look for the grant with the same principal and resource by
scanning that set: O(n) per grant. Worse, `add_permission` merges into the existing grant *in
place* (`merge`: `list(set(...))`, whose order depends on the string hash seed), so the element
sits in the set under a stale hash and a later revoke's `set.remove` misses it or raises: whether a
revoke worked depended on PYTHONHASHSEED.

`install_moto_patches` replaces both methods. Each catalog gets a dict index
(principal, resource) -> Permission next to its set, and a version number bumped on every change.
A grant that is merged or diffed is taken out of the set first, changed (permission lists sorted
and deduplicated, so neither order nor hash depends on the seed) and put back, so no element ever
has a stale hash. Every change to the set goes through these methods or `discard_grant`. A moto
reset (`/moto-api/reset`) rebuilds the backends with new catalogs, and the index, version and
cached listings (`cached_listing`) live on the catalog, so they go with it.
"""
from __future__ import annotations

from typing import Any, Callable

from .wire import compact_sorted


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
    """Applied once, before the first request (see the module's docstring)."""
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
