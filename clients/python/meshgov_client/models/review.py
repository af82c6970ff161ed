from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.permission import Permission
from ..models.review_state import ReviewState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.scope import Scope
    from ..models.usage import Usage


T = TypeVar("T", bound="Review")


@_attrs_define
class Review:
    """A live subscription's review: what it grants, who approved it and when, how it is used.

    Attributes:
        age_days (int): Days since approval.
        approved_at (datetime.datetime):
        approved_by (str):
        consumer_domain (str):
        domain (str):
        permissions (list[Permission]):
        principal (str):
        product (str):
        scope (Scope): What a subscription covers.
        subscription (UUID): The subscription (a review's id is its subscription's).
        unused (bool): Unused for the domain's `unused_after_days` (counted from approval until a first use).
        usage (Usage): How a subscription's grants are used, from the access events of the accounts holding them.
        due_at (datetime.datetime | None | Unset): When it must be confirmed by; null when the domain does not review
            access.
        ends_at (datetime.datetime | None | Unset): When the subscription ends unless confirmed (`due_at` plus the grace
            period).
        reviewed_at (datetime.datetime | None | Unset): The last confirmation; null: never confirmed since approval.
        reviewed_by (None | str | Unset):
        state (None | ReviewState | Unset):
    """

    age_days: int
    approved_at: datetime.datetime
    approved_by: str
    consumer_domain: str
    domain: str
    permissions: list[Permission]
    principal: str
    product: str
    scope: Scope
    subscription: UUID
    unused: bool
    usage: Usage
    due_at: datetime.datetime | None | Unset = UNSET
    ends_at: datetime.datetime | None | Unset = UNSET
    reviewed_at: datetime.datetime | None | Unset = UNSET
    reviewed_by: None | str | Unset = UNSET
    state: None | ReviewState | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        age_days = self.age_days

        approved_at = self.approved_at.isoformat()

        approved_by = self.approved_by

        consumer_domain = self.consumer_domain

        domain = self.domain

        permissions = []
        for permissions_item_data in self.permissions:
            permissions_item = permissions_item_data.value
            permissions.append(permissions_item)

        principal = self.principal

        product = self.product

        scope = self.scope.to_dict()

        subscription = str(self.subscription)

        unused = self.unused

        usage = self.usage.to_dict()

        due_at: None | str | Unset
        if isinstance(self.due_at, Unset):
            due_at = UNSET
        elif isinstance(self.due_at, datetime.datetime):
            due_at = self.due_at.isoformat()
        else:
            due_at = self.due_at

        ends_at: None | str | Unset
        if isinstance(self.ends_at, Unset):
            ends_at = UNSET
        elif isinstance(self.ends_at, datetime.datetime):
            ends_at = self.ends_at.isoformat()
        else:
            ends_at = self.ends_at

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

        state: None | str | Unset
        if isinstance(self.state, Unset):
            state = UNSET
        elif isinstance(self.state, ReviewState):
            state = self.state.value
        else:
            state = self.state

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "age_days": age_days,
                "approved_at": approved_at,
                "approved_by": approved_by,
                "consumer_domain": consumer_domain,
                "domain": domain,
                "permissions": permissions,
                "principal": principal,
                "product": product,
                "scope": scope,
                "subscription": subscription,
                "unused": unused,
                "usage": usage,
            }
        )
        if due_at is not UNSET:
            field_dict["due_at"] = due_at
        if ends_at is not UNSET:
            field_dict["ends_at"] = ends_at
        if reviewed_at is not UNSET:
            field_dict["reviewed_at"] = reviewed_at
        if reviewed_by is not UNSET:
            field_dict["reviewed_by"] = reviewed_by
        if state is not UNSET:
            field_dict["state"] = state

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.scope import Scope  # noqa: PLC0415
        from ..models.usage import Usage  # noqa: PLC0415

        d = dict(src_dict)
        age_days = d.pop("age_days")

        approved_at = datetime.datetime.fromisoformat(d.pop("approved_at"))

        approved_by = d.pop("approved_by")

        consumer_domain = d.pop("consumer_domain")

        domain = d.pop("domain")

        permissions = []
        _permissions = d.pop("permissions")
        for permissions_item_data in _permissions:
            permissions_item = Permission(permissions_item_data)

            permissions.append(permissions_item)

        principal = d.pop("principal")

        product = d.pop("product")

        scope = Scope.from_dict(d.pop("scope"))

        subscription = UUID(d.pop("subscription"))

        unused = d.pop("unused")

        usage = Usage.from_dict(d.pop("usage"))

        def _parse_due_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                due_at_type_0 = datetime.datetime.fromisoformat(data)

                return due_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        due_at = _parse_due_at(d.pop("due_at", UNSET))

        def _parse_ends_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ends_at_type_0 = datetime.datetime.fromisoformat(data)

                return ends_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        ends_at = _parse_ends_at(d.pop("ends_at", UNSET))

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

        def _parse_state(data: object) -> None | ReviewState | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                state_type_0 = ReviewState(data)

                return state_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReviewState | Unset, data)

        state = _parse_state(d.pop("state", UNSET))

        review = cls(
            age_days=age_days,
            approved_at=approved_at,
            approved_by=approved_by,
            consumer_domain=consumer_domain,
            domain=domain,
            permissions=permissions,
            principal=principal,
            product=product,
            scope=scope,
            subscription=subscription,
            unused=unused,
            usage=usage,
            due_at=due_at,
            ends_at=ends_at,
            reviewed_at=reviewed_at,
            reviewed_by=reviewed_by,
            state=state,
        )

        review.additional_properties = d
        return review

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
