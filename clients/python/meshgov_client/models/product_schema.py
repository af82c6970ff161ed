from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.table_schema import TableSchema


T = TypeVar("T", bound="ProductSchema")


@_attrs_define
class ProductSchema:
    """The synced schema of a product.

    Attributes:
        domain (str):
        product (str):
        schema_version (int): 0 until the first sync.
        tables (list[TableSchema]):
        synced_at (datetime.datetime | None | Unset):
    """

    domain: str
    product: str
    schema_version: int
    tables: list[TableSchema]
    synced_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        domain = self.domain

        product = self.product

        schema_version = self.schema_version

        tables = []
        for tables_item_data in self.tables:
            tables_item = tables_item_data.to_dict()
            tables.append(tables_item)

        synced_at: None | str | Unset
        if isinstance(self.synced_at, Unset):
            synced_at = UNSET
        elif isinstance(self.synced_at, datetime.datetime):
            synced_at = self.synced_at.isoformat()
        else:
            synced_at = self.synced_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "domain": domain,
                "product": product,
                "schema_version": schema_version,
                "tables": tables,
            }
        )
        if synced_at is not UNSET:
            field_dict["synced_at"] = synced_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.table_schema import TableSchema  # noqa: PLC0415

        d = dict(src_dict)
        domain = d.pop("domain")

        product = d.pop("product")

        schema_version = d.pop("schema_version")

        tables = []
        _tables = d.pop("tables")
        for tables_item_data in _tables:
            tables_item = TableSchema.from_dict(tables_item_data)

            tables.append(tables_item)

        def _parse_synced_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                synced_at_type_0 = datetime.datetime.fromisoformat(data)

                return synced_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        synced_at = _parse_synced_at(d.pop("synced_at", UNSET))

        product_schema = cls(
            domain=domain,
            product=product,
            schema_version=schema_version,
            tables=tables,
            synced_at=synced_at,
        )

        product_schema.additional_properties = d
        return product_schema

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
