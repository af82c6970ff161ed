from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.classification import Classification
from ..models.product_status import ProductStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.health_rollup import HealthRollup
    from ..models.product_sync import ProductSync
    from ..models.source import Source


T = TypeVar("T", bound="Product")


@_attrs_define
class Product:
    """A data product.

    Attributes:
        auto_approve (bool): Subscription requests are approved at once by the system (public products only).
        classification (Classification):
        created_at (datetime.datetime):
        description (str):
        domain (str): Slug of the owning domain.
        id (UUID):
        name (str):
        owner (str): Person or team accountable for the product.
        schema_version (int): Incremented by catalog sync whenever the synced schema changes.
        slug (str):  Example: daily-sell-out.
        source (Source): Where a product's data lives in its domain's Glue catalog.
        status (ProductStatus):
        sync (ProductSync): Where the product's catalog sync stands.
        tags (list[str]):
        updated_at (datetime.datetime):
        version (int): Incremented on every change; the ETag is this number in quotes.
        health (HealthRollup | None | Unset):
        published_at (datetime.datetime | None | Unset):
        schema_synced_at (datetime.datetime | None | Unset):
    """

    auto_approve: bool
    classification: Classification
    created_at: datetime.datetime
    description: str
    domain: str
    id: UUID
    name: str
    owner: str
    schema_version: int
    slug: str
    source: Source
    status: ProductStatus
    sync: ProductSync
    tags: list[str]
    updated_at: datetime.datetime
    version: int
    health: HealthRollup | None | Unset = UNSET
    published_at: datetime.datetime | None | Unset = UNSET
    schema_synced_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.health_rollup import HealthRollup  # noqa: PLC0415

        auto_approve = self.auto_approve

        classification = self.classification.value

        created_at = self.created_at.isoformat()

        description = self.description

        domain = self.domain

        id = str(self.id)

        name = self.name

        owner = self.owner

        schema_version = self.schema_version

        slug = self.slug

        source = self.source.to_dict()

        status = self.status.value

        sync = self.sync.to_dict()

        tags = self.tags

        updated_at = self.updated_at.isoformat()

        version = self.version

        health: dict[str, Any] | None | Unset
        if isinstance(self.health, Unset):
            health = UNSET
        elif isinstance(self.health, HealthRollup):
            health = self.health.to_dict()
        else:
            health = self.health

        published_at: None | str | Unset
        if isinstance(self.published_at, Unset):
            published_at = UNSET
        elif isinstance(self.published_at, datetime.datetime):
            published_at = self.published_at.isoformat()
        else:
            published_at = self.published_at

        schema_synced_at: None | str | Unset
        if isinstance(self.schema_synced_at, Unset):
            schema_synced_at = UNSET
        elif isinstance(self.schema_synced_at, datetime.datetime):
            schema_synced_at = self.schema_synced_at.isoformat()
        else:
            schema_synced_at = self.schema_synced_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "auto_approve": auto_approve,
                "classification": classification,
                "created_at": created_at,
                "description": description,
                "domain": domain,
                "id": id,
                "name": name,
                "owner": owner,
                "schema_version": schema_version,
                "slug": slug,
                "source": source,
                "status": status,
                "sync": sync,
                "tags": tags,
                "updated_at": updated_at,
                "version": version,
            }
        )
        if health is not UNSET:
            field_dict["health"] = health
        if published_at is not UNSET:
            field_dict["published_at"] = published_at
        if schema_synced_at is not UNSET:
            field_dict["schema_synced_at"] = schema_synced_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.health_rollup import HealthRollup  # noqa: PLC0415
        from ..models.product_sync import ProductSync  # noqa: PLC0415
        from ..models.source import Source  # noqa: PLC0415

        d = dict(src_dict)
        auto_approve = d.pop("auto_approve")

        classification = Classification(d.pop("classification"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        domain = d.pop("domain")

        id = UUID(d.pop("id"))

        name = d.pop("name")

        owner = d.pop("owner")

        schema_version = d.pop("schema_version")

        slug = d.pop("slug")

        source = Source.from_dict(d.pop("source"))

        status = ProductStatus(d.pop("status"))

        sync = ProductSync.from_dict(d.pop("sync"))

        tags = cast(list[str], d.pop("tags"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        version = d.pop("version")

        def _parse_health(data: object) -> HealthRollup | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                health_type_0 = HealthRollup.from_dict(data)

                return health_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HealthRollup | None | Unset, data)

        health = _parse_health(d.pop("health", UNSET))

        def _parse_published_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                published_at_type_0 = datetime.datetime.fromisoformat(data)

                return published_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        published_at = _parse_published_at(d.pop("published_at", UNSET))

        def _parse_schema_synced_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                schema_synced_at_type_0 = datetime.datetime.fromisoformat(data)

                return schema_synced_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        schema_synced_at = _parse_schema_synced_at(d.pop("schema_synced_at", UNSET))

        product = cls(
            auto_approve=auto_approve,
            classification=classification,
            created_at=created_at,
            description=description,
            domain=domain,
            id=id,
            name=name,
            owner=owner,
            schema_version=schema_version,
            slug=slug,
            source=source,
            status=status,
            sync=sync,
            tags=tags,
            updated_at=updated_at,
            version=version,
            health=health,
            published_at=published_at,
            schema_synced_at=schema_synced_at,
        )

        product.additional_properties = d
        return product

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
