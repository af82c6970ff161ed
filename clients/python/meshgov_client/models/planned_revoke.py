from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.planned_revoke_resource import PlannedRevokeResource


T = TypeVar("T", bound="PlannedRevoke")


@_attrs_define
class PlannedRevoke:
    """Permissions to take away.

    Attributes:
        permissions (list[str]):
        principal (str):
        resource (PlannedRevokeResource): The Lake Formation `Resource`.
        resource_key (str):
        grant_option (list[str] | Unset): Of those, the ones held with the grant option: the grant option is revoked
            even where a
            subscription wants the permission itself.
        subscription_id (None | Unset | UUID): The last subscription that held it, if any.
    """

    permissions: list[str]
    principal: str
    resource: PlannedRevokeResource
    resource_key: str
    grant_option: list[str] | Unset = UNSET
    subscription_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        permissions = self.permissions

        principal = self.principal

        resource = self.resource.to_dict()

        resource_key = self.resource_key

        grant_option: list[str] | Unset = UNSET
        if not isinstance(self.grant_option, Unset):
            grant_option = self.grant_option

        subscription_id: None | str | Unset
        if isinstance(self.subscription_id, Unset):
            subscription_id = UNSET
        elif isinstance(self.subscription_id, UUID):
            subscription_id = str(self.subscription_id)
        else:
            subscription_id = self.subscription_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "permissions": permissions,
                "principal": principal,
                "resource": resource,
                "resource_key": resource_key,
            }
        )
        if grant_option is not UNSET:
            field_dict["grant_option"] = grant_option
        if subscription_id is not UNSET:
            field_dict["subscription_id"] = subscription_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.planned_revoke_resource import PlannedRevokeResource  # noqa: PLC0415

        d = dict(src_dict)
        permissions = cast(list[str], d.pop("permissions"))

        principal = d.pop("principal")

        resource = PlannedRevokeResource.from_dict(d.pop("resource"))

        resource_key = d.pop("resource_key")

        grant_option = cast(list[str], d.pop("grant_option", UNSET))

        def _parse_subscription_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                subscription_id_type_0 = UUID(data)

                return subscription_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        subscription_id = _parse_subscription_id(d.pop("subscription_id", UNSET))

        planned_revoke = cls(
            permissions=permissions,
            principal=principal,
            resource=resource,
            resource_key=resource_key,
            grant_option=grant_option,
            subscription_id=subscription_id,
        )

        planned_revoke.additional_properties = d
        return planned_revoke

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
