from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PlannedSync")


@_attrs_define
class PlannedSync:
    """A product to sync again: its catalog changed under live grants, and the sync's schema-change
    handling revokes or narrows them (and records the breaking change).

        Attributes:
            domain (str):
            orphaned_grants (int):
            product (str):
    """

    domain: str
    orphaned_grants: int
    product: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        domain = self.domain

        orphaned_grants = self.orphaned_grants

        product = self.product

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "domain": domain,
                "orphaned_grants": orphaned_grants,
                "product": product,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        domain = d.pop("domain")

        orphaned_grants = d.pop("orphaned_grants")

        product = d.pop("product")

        planned_sync = cls(
            domain=domain,
            orphaned_grants=orphaned_grants,
            product=product,
        )

        planned_sync.additional_properties = d
        return planned_sync

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
