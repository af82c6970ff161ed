from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.planned_grant_resource import PlannedGrantResource


T = TypeVar("T", bound="PlannedGrant")


@_attrs_define
class PlannedGrant:
    """A grant to apply again.

    Attributes:
        grant_id (UUID):
        permissions (list[str]):
        principal (str):
        resource (PlannedGrantResource):
        subscription_id (UUID):
    """

    grant_id: UUID
    permissions: list[str]
    principal: str
    resource: PlannedGrantResource
    subscription_id: UUID
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        grant_id = str(self.grant_id)

        permissions = self.permissions

        principal = self.principal

        resource = self.resource.to_dict()

        subscription_id = str(self.subscription_id)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "grant_id": grant_id,
                "permissions": permissions,
                "principal": principal,
                "resource": resource,
                "subscription_id": subscription_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.planned_grant_resource import PlannedGrantResource  # noqa: PLC0415

        d = dict(src_dict)
        grant_id = UUID(d.pop("grant_id"))

        permissions = cast(list[str], d.pop("permissions"))

        principal = d.pop("principal")

        resource = PlannedGrantResource.from_dict(d.pop("resource"))

        subscription_id = UUID(d.pop("subscription_id"))

        planned_grant = cls(
            grant_id=grant_id,
            permissions=permissions,
            principal=principal,
            resource=resource,
            subscription_id=subscription_id,
        )

        planned_grant.additional_properties = d
        return planned_grant

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
