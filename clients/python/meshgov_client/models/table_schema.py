from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.column import Column
    from ..models.table_schema_parameters import TableSchemaParameters


T = TypeVar("T", bound="TableSchema")


@_attrs_define
class TableSchema:
    """A table of a product as last read from the producer's Glue catalog.

    Attributes:
        columns (list[Column]):
        name (str):
        parameters (TableSchemaParameters):
        partition_keys (list[Column]):
        format_ (None | str | Unset):
        location (None | str | Unset):
    """

    columns: list[Column]
    name: str
    parameters: TableSchemaParameters
    partition_keys: list[Column]
    format_: None | str | Unset = UNSET
    location: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        columns = []
        for columns_item_data in self.columns:
            columns_item = columns_item_data.to_dict()
            columns.append(columns_item)

        name = self.name

        parameters = self.parameters.to_dict()

        partition_keys = []
        for partition_keys_item_data in self.partition_keys:
            partition_keys_item = partition_keys_item_data.to_dict()
            partition_keys.append(partition_keys_item)

        format_: None | str | Unset
        if isinstance(self.format_, Unset):
            format_ = UNSET
        else:
            format_ = self.format_

        location: None | str | Unset
        if isinstance(self.location, Unset):
            location = UNSET
        else:
            location = self.location

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "columns": columns,
                "name": name,
                "parameters": parameters,
                "partition_keys": partition_keys,
            }
        )
        if format_ is not UNSET:
            field_dict["format"] = format_
        if location is not UNSET:
            field_dict["location"] = location

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.column import Column  # noqa: PLC0415
        from ..models.table_schema_parameters import TableSchemaParameters  # noqa: PLC0415

        d = dict(src_dict)
        columns = []
        _columns = d.pop("columns")
        for columns_item_data in _columns:
            columns_item = Column.from_dict(columns_item_data)

            columns.append(columns_item)

        name = d.pop("name")

        parameters = TableSchemaParameters.from_dict(d.pop("parameters"))

        partition_keys = []
        _partition_keys = d.pop("partition_keys")
        for partition_keys_item_data in _partition_keys:
            partition_keys_item = Column.from_dict(partition_keys_item_data)

            partition_keys.append(partition_keys_item)

        def _parse_format_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        format_ = _parse_format_(d.pop("format", UNSET))

        def _parse_location(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        location = _parse_location(d.pop("location", UNSET))

        table_schema = cls(
            columns=columns,
            name=name,
            parameters=parameters,
            partition_keys=partition_keys,
            format_=format_,
            location=location,
        )

        table_schema.additional_properties = d
        return table_schema

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
