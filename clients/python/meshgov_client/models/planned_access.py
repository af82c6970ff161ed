from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PlannedAccess")


@_attrs_define
class PlannedAccess:
    """A subscription whose consumer access a check found missing.

    Attributes:
        consumer_account (str):
        link_database (str): The resource link (its database name in the consumer's catalog).
        principal (str):
        subscription_id (UUID):
    """

    consumer_account: str
    link_database: str
    principal: str
    subscription_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        consumer_account = self.consumer_account

        link_database = self.link_database

        principal = self.principal

        subscription_id = str(self.subscription_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "consumer_account": consumer_account,
                "link_database": link_database,
                "principal": principal,
                "subscription_id": subscription_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        consumer_account = d.pop("consumer_account")

        link_database = d.pop("link_database")

        principal = d.pop("principal")

        subscription_id = UUID(d.pop("subscription_id"))

        planned_access = cls(
            consumer_account=consumer_account,
            link_database=link_database,
            principal=principal,
            subscription_id=subscription_id,
        )

        planned_access.additional_properties = d
        return planned_access

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
