from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.permission import Permission
from ..models.provisioning import Provisioning
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.scope import Scope


T = TypeVar("T", bound="AccessRow")


@_attrs_define
class AccessRow:
    """One principal's access through one live subscription.

    Attributes:
        approved_by (str):
        consumer_domain (str):
        engines (list[str]):
        permissions (list[Permission]):
        principal (str): The IAM role, or the whole account, that can read.
        product (str):
        provisioning (Provisioning): Where a subscription's grants stand as a whole (the `subscriptions.provisioning`
            column, kept
            by the grant applier from its grants' states).
        scope (Scope): What a subscription covers.
        since (datetime.datetime): When access was approved.
        subscription (UUID):
        uses_30d (int):
        expires_at (datetime.datetime | None | Unset):
        last_used_at (datetime.datetime | None | Unset): The latest read seen (Lake Formation's data access events);
            null: never seen.
    """

    approved_by: str
    consumer_domain: str
    engines: list[str]
    permissions: list[Permission]
    principal: str
    product: str
    provisioning: Provisioning
    scope: Scope
    since: datetime.datetime
    subscription: UUID
    uses_30d: int
    expires_at: datetime.datetime | None | Unset = UNSET
    last_used_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        approved_by = self.approved_by

        consumer_domain = self.consumer_domain

        engines = self.engines

        permissions = []
        for permissions_item_data in self.permissions:
            permissions_item = permissions_item_data.value
            permissions.append(permissions_item)

        principal = self.principal

        product = self.product

        provisioning = self.provisioning.value

        scope = self.scope.to_dict()

        since = self.since.isoformat()

        subscription = str(self.subscription)

        uses_30d = self.uses_30d

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        last_used_at: None | str | Unset
        if isinstance(self.last_used_at, Unset):
            last_used_at = UNSET
        elif isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "approved_by": approved_by,
                "consumer_domain": consumer_domain,
                "engines": engines,
                "permissions": permissions,
                "principal": principal,
                "product": product,
                "provisioning": provisioning,
                "scope": scope,
                "since": since,
                "subscription": subscription,
                "uses_30d": uses_30d,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if last_used_at is not UNSET:
            field_dict["last_used_at"] = last_used_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.scope import Scope  # noqa: PLC0415

        d = dict(src_dict)
        approved_by = d.pop("approved_by")

        consumer_domain = d.pop("consumer_domain")

        engines = cast(list[str], d.pop("engines"))

        permissions = []
        _permissions = d.pop("permissions")
        for permissions_item_data in _permissions:
            permissions_item = Permission(permissions_item_data)

            permissions.append(permissions_item)

        principal = d.pop("principal")

        product = d.pop("product")

        provisioning = Provisioning(d.pop("provisioning"))

        scope = Scope.from_dict(d.pop("scope"))

        since = datetime.datetime.fromisoformat(d.pop("since"))

        subscription = UUID(d.pop("subscription"))

        uses_30d = d.pop("uses_30d")

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        def _parse_last_used_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at", UNSET))

        access_row = cls(
            approved_by=approved_by,
            consumer_domain=consumer_domain,
            engines=engines,
            permissions=permissions,
            principal=principal,
            product=product,
            provisioning=provisioning,
            scope=scope,
            since=since,
            subscription=subscription,
            uses_30d=uses_30d,
            expires_at=expires_at,
            last_used_at=last_used_at,
        )

        access_row.additional_properties = d
        return access_row

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
