from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Source")


@_attrs_define
class Source:
    """Where a product's data lives in its domain's Glue catalog.

    Attributes:
        database (str): Glue database in the owning domain's account. Example: sales_curated.
        tables (list[str] | None | Unset): Tables of the database that belong to the product; absent or null: all of
            them.
    """

    database: str
    tables: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        database = self.database

        tables: list[str] | None | Unset
        if isinstance(self.tables, Unset):
            tables = UNSET
        elif isinstance(self.tables, list):
            tables = self.tables

        else:
            tables = self.tables

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "database": database,
            }
        )
        if tables is not UNSET:
            field_dict["tables"] = tables

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        database = d.pop("database")

        def _parse_tables(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                tables_type_0 = cast(list[str], data)

                return tables_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        tables = _parse_tables(d.pop("tables", UNSET))

        source = cls(
            database=database,
            tables=tables,
        )

        return source
