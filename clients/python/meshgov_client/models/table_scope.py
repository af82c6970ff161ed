from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TableScope")


@_attrs_define
class TableScope:
    """One table of a subscription's scope.

    Attributes:
        name (str): A table of the product. Example: orders.
        columns (list[str] | None | Unset): Only these columns; absent or null: every column.
        row_filter (None | str | Unset): Only the rows matching this PartiQL condition (Lake Formation data cells
            filter), e.g.
            `region = 'EU' AND amount > 0`. Comparisons, AND/OR/NOT, parentheses, IN, BETWEEN,
            IS [NOT] NULL and LIKE over the table's columns and string or number literals.
    """

    name: str
    columns: list[str] | None | Unset = UNSET
    row_filter: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        columns: list[str] | None | Unset
        if isinstance(self.columns, Unset):
            columns = UNSET
        elif isinstance(self.columns, list):
            columns = self.columns

        else:
            columns = self.columns

        row_filter: None | str | Unset
        if isinstance(self.row_filter, Unset):
            row_filter = UNSET
        else:
            row_filter = self.row_filter

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if columns is not UNSET:
            field_dict["columns"] = columns
        if row_filter is not UNSET:
            field_dict["row_filter"] = row_filter

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        def _parse_columns(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                columns_type_0 = cast(list[str], data)

                return columns_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        columns = _parse_columns(d.pop("columns", UNSET))

        def _parse_row_filter(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        row_filter = _parse_row_filter(d.pop("row_filter", UNSET))

        table_scope = cls(
            name=name,
            columns=columns,
            row_filter=row_filter,
        )

        return table_scope
