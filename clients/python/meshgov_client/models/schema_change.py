from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.schema_change_kind import SchemaChangeKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.schema_change_details import SchemaChangeDetails


T = TypeVar("T", bound="SchemaChange")


@_attrs_define
class SchemaChange:
    """One detected change of a product's schema.

    Attributes:
        breaking (bool): Removals, retypings and partition changes break consumers; additions do not.
        details (SchemaChangeDetails):
        detected_at (datetime.datetime):
        id (int):
        kind (SchemaChangeKind): What changed in a product's schema (the `schema_changes.kind` column).

            Only named in the OpenAPI document: the field holds the column's text, which a CHECK
            constraint keeps to these values (tests/openapi.rs compares the two).
        schema_version (int): The schema version this change produced.
        table (str):
        column (None | str | Unset):
    """

    breaking: bool
    details: SchemaChangeDetails
    detected_at: datetime.datetime
    id: int
    kind: SchemaChangeKind
    schema_version: int
    table: str
    column: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        breaking = self.breaking

        details = self.details.to_dict()

        detected_at = self.detected_at.isoformat()

        id = self.id

        kind = self.kind.value

        schema_version = self.schema_version

        table = self.table

        column: None | str | Unset
        if isinstance(self.column, Unset):
            column = UNSET
        else:
            column = self.column

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "breaking": breaking,
                "details": details,
                "detected_at": detected_at,
                "id": id,
                "kind": kind,
                "schema_version": schema_version,
                "table": table,
            }
        )
        if column is not UNSET:
            field_dict["column"] = column

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.schema_change_details import SchemaChangeDetails  # noqa: PLC0415

        d = dict(src_dict)
        breaking = d.pop("breaking")

        details = SchemaChangeDetails.from_dict(d.pop("details"))

        detected_at = datetime.datetime.fromisoformat(d.pop("detected_at"))

        id = d.pop("id")

        kind = SchemaChangeKind(d.pop("kind"))

        schema_version = d.pop("schema_version")

        table = d.pop("table")

        def _parse_column(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        column = _parse_column(d.pop("column", UNSET))

        schema_change = cls(
            breaking=breaking,
            details=details,
            detected_at=detected_at,
            id=id,
            kind=kind,
            schema_version=schema_version,
            table=table,
            column=column,
        )

        schema_change.additional_properties = d
        return schema_change

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
