from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.access_row import AccessRow


T = TypeVar("T", bound="AccessReport")


@_attrs_define
class AccessReport:
    """Every live access to a domain's products (or one product's).

    Attributes:
        domain (str):
        generated_at (datetime.datetime):
        rows (list[AccessRow]): By product, then principal.
        product (None | str | Unset): The product, when the report is of one product.
    """

    domain: str
    generated_at: datetime.datetime
    rows: list[AccessRow]
    product: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        domain = self.domain

        generated_at = self.generated_at.isoformat()

        rows = []
        for rows_item_data in self.rows:
            rows_item = rows_item_data.to_dict()
            rows.append(rows_item)

        product: None | str | Unset
        if isinstance(self.product, Unset):
            product = UNSET
        else:
            product = self.product

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "domain": domain,
                "generated_at": generated_at,
                "rows": rows,
            }
        )
        if product is not UNSET:
            field_dict["product"] = product

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.access_row import AccessRow  # noqa: PLC0415

        d = dict(src_dict)
        domain = d.pop("domain")

        generated_at = datetime.datetime.fromisoformat(d.pop("generated_at"))

        rows = []
        _rows = d.pop("rows")
        for rows_item_data in _rows:
            rows_item = AccessRow.from_dict(rows_item_data)

            rows.append(rows_item)

        def _parse_product(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        product = _parse_product(d.pop("product", UNSET))

        access_report = cls(
            domain=domain,
            generated_at=generated_at,
            rows=rows,
            product=product,
        )

        access_report.additional_properties = d
        return access_report

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
