from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Unverified")


@_attrs_define
class Unverified:
    """A product whose producer catalog could not be read (whether its grants are orphaned is unknown),
    or whose grants live in a producer account whose Lake Formation could not be listed (they are
    not judged).

        Attributes:
            domain (str):
            error (str):
            product (str):
    """

    domain: str
    error: str
    product: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        domain = self.domain

        error = self.error

        product = self.product

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "domain": domain,
                "error": error,
                "product": product,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        domain = d.pop("domain")

        error = d.pop("error")

        product = d.pop("product")

        unverified = cls(
            domain=domain,
            error=error,
            product=product,
        )

        unverified.additional_properties = d
        return unverified

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
