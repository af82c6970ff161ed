from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.permission import Permission
from ..models.provisioning import Provisioning
from ..models.review_state import ReviewState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.scope import Scope
    from ..models.usage import Usage


T = TypeVar("T", bound="AccessRow")


@_attrs_define
class AccessRow:
    """One principal's access through one live subscription.

    Attributes:
        approved_by (str):
        consumer_domain (str):
        permissions (list[Permission]):
        principal (str): The IAM role, or the whole account, that can read.
        product (str):
        provisioning (Provisioning): Where a subscription's grants stand as a whole (the `subscriptions.provisioning`
            column, kept
            by the grant applier from its grants' states).
        scope (Scope): What a subscription covers.
        since (datetime.datetime): When access was approved.
        subscription (UUID):
        unused (bool): Unused for the domain's `unused_after_days`.
        usage (Usage): How a subscription's grants are used, from the access events of the accounts holding them.
        expires_at (datetime.datetime | None | Unset):
        review_due_at (datetime.datetime | None | Unset): When its next review is due; null when the domain does not
            review access.
        review_state (None | ReviewState | Unset):
        reviewed_at (datetime.datetime | None | Unset): The last confirmation in an access review; null: never.
        reviewed_by (None | str | Unset):
    """

    approved_by: str
    consumer_domain: str
    permissions: list[Permission]
    principal: str
    product: str
    provisioning: Provisioning
    scope: Scope
    since: datetime.datetime
    subscription: UUID
    unused: bool
    usage: Usage
    expires_at: datetime.datetime | None | Unset = UNSET
    review_due_at: datetime.datetime | None | Unset = UNSET
    review_state: None | ReviewState | Unset = UNSET
    reviewed_at: datetime.datetime | None | Unset = UNSET
    reviewed_by: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        approved_by = self.approved_by

        consumer_domain = self.consumer_domain

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

        unused = self.unused

        usage = self.usage.to_dict()

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        review_due_at: None | str | Unset
        if isinstance(self.review_due_at, Unset):
            review_due_at = UNSET
        elif isinstance(self.review_due_at, datetime.datetime):
            review_due_at = self.review_due_at.isoformat()
        else:
            review_due_at = self.review_due_at

        review_state: None | str | Unset
        if isinstance(self.review_state, Unset):
            review_state = UNSET
        elif isinstance(self.review_state, ReviewState):
            review_state = self.review_state.value
        else:
            review_state = self.review_state

        reviewed_at: None | str | Unset
        if isinstance(self.reviewed_at, Unset):
            reviewed_at = UNSET
        elif isinstance(self.reviewed_at, datetime.datetime):
            reviewed_at = self.reviewed_at.isoformat()
        else:
            reviewed_at = self.reviewed_at

        reviewed_by: None | str | Unset
        if isinstance(self.reviewed_by, Unset):
            reviewed_by = UNSET
        else:
            reviewed_by = self.reviewed_by

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "approved_by": approved_by,
                "consumer_domain": consumer_domain,
                "permissions": permissions,
                "principal": principal,
                "product": product,
                "provisioning": provisioning,
                "scope": scope,
                "since": since,
                "subscription": subscription,
                "unused": unused,
                "usage": usage,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if review_due_at is not UNSET:
            field_dict["review_due_at"] = review_due_at
        if review_state is not UNSET:
            field_dict["review_state"] = review_state
        if reviewed_at is not UNSET:
            field_dict["reviewed_at"] = reviewed_at
        if reviewed_by is not UNSET:
            field_dict["reviewed_by"] = reviewed_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.scope import Scope  # noqa: PLC0415
        from ..models.usage import Usage  # noqa: PLC0415

        d = dict(src_dict)
        approved_by = d.pop("approved_by")

        consumer_domain = d.pop("consumer_domain")

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

        unused = d.pop("unused")

        usage = Usage.from_dict(d.pop("usage"))

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

        def _parse_review_due_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                review_due_at_type_0 = datetime.datetime.fromisoformat(data)

                return review_due_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        review_due_at = _parse_review_due_at(d.pop("review_due_at", UNSET))

        def _parse_review_state(data: object) -> None | ReviewState | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                review_state_type_0 = ReviewState(data)

                return review_state_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReviewState | Unset, data)

        review_state = _parse_review_state(d.pop("review_state", UNSET))

        def _parse_reviewed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reviewed_at_type_0 = datetime.datetime.fromisoformat(data)

                return reviewed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        reviewed_at = _parse_reviewed_at(d.pop("reviewed_at", UNSET))

        def _parse_reviewed_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reviewed_by = _parse_reviewed_by(d.pop("reviewed_by", UNSET))

        access_row = cls(
            approved_by=approved_by,
            consumer_domain=consumer_domain,
            permissions=permissions,
            principal=principal,
            product=product,
            provisioning=provisioning,
            scope=scope,
            since=since,
            subscription=subscription,
            unused=unused,
            usage=usage,
            expires_at=expires_at,
            review_due_at=review_due_at,
            review_state=review_state,
            reviewed_at=reviewed_at,
            reviewed_by=reviewed_by,
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
