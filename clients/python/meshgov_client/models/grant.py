from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.grant_resource_type import GrantResourceType
from ..models.grant_state import GrantState
from ..models.permission import Permission
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.grant_resource import GrantResource


T = TypeVar("T", bound="Grant")


@_attrs_define
class Grant:
    """One Lake Formation permission a subscription needs, and where applying it stands.

    Attributes:
        attempts (int): Lake Formation calls made for it.
        id (UUID):
        permissions (list[Permission]):
        resource (GrantResource): The Lake Formation `Resource`.
        resource_type (GrantResourceType): What a grant is on (the `grants.resource_type` column).

            Only named in the OpenAPI document: the field holds the column's text, which a CHECK
            constraint keeps to these values (tests/openapi.rs compares the two).
        state (GrantState): Where applying one grant stands (the `grants.state` column).
        updated_at (datetime.datetime):
        kept_for (None | Unset | UUID): Not revoked in Lake Formation because this live subscription still needs it.
        last_error (None | str | Unset):
    """

    attempts: int
    id: UUID
    permissions: list[Permission]
    resource: GrantResource
    resource_type: GrantResourceType
    state: GrantState
    updated_at: datetime.datetime
    kept_for: None | Unset | UUID = UNSET
    last_error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        id = str(self.id)

        permissions = []
        for permissions_item_data in self.permissions:
            permissions_item = permissions_item_data.value
            permissions.append(permissions_item)

        resource = self.resource.to_dict()

        resource_type = self.resource_type.value

        state = self.state.value

        updated_at = self.updated_at.isoformat()

        kept_for: None | str | Unset
        if isinstance(self.kept_for, Unset):
            kept_for = UNSET
        elif isinstance(self.kept_for, UUID):
            kept_for = str(self.kept_for)
        else:
            kept_for = self.kept_for

        last_error: None | str | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        else:
            last_error = self.last_error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "id": id,
                "permissions": permissions,
                "resource": resource,
                "resource_type": resource_type,
                "state": state,
                "updated_at": updated_at,
            }
        )
        if kept_for is not UNSET:
            field_dict["kept_for"] = kept_for
        if last_error is not UNSET:
            field_dict["last_error"] = last_error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.grant_resource import GrantResource  # noqa: PLC0415

        d = dict(src_dict)
        attempts = d.pop("attempts")

        id = UUID(d.pop("id"))

        permissions = []
        _permissions = d.pop("permissions")
        for permissions_item_data in _permissions:
            permissions_item = Permission(permissions_item_data)

            permissions.append(permissions_item)

        resource = GrantResource.from_dict(d.pop("resource"))

        resource_type = GrantResourceType(d.pop("resource_type"))

        state = GrantState(d.pop("state"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_kept_for(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                kept_for_type_0 = UUID(data)

                return kept_for_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        kept_for = _parse_kept_for(d.pop("kept_for", UNSET))

        def _parse_last_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error = _parse_last_error(d.pop("last_error", UNSET))

        grant = cls(
            attempts=attempts,
            id=id,
            permissions=permissions,
            resource=resource,
            resource_type=resource_type,
            state=state,
            updated_at=updated_at,
            kept_for=kept_for,
            last_error=last_error,
        )

        grant.additional_properties = d
        return grant

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
