from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.unused_action import UnusedAction
from ..types import UNSET, Unset

T = TypeVar("T", bound="AccessPolicyPatch")


@_attrs_define
class AccessPolicyPatch:
    """Changes an access policy, as a JSON Merge Patch: absent fields stay; `null` turns reviews or
    the unused rule off.

        Attributes:
            review_every_days (int | None | Unset):
            review_grace_days (int | Unset):
            unused_action (UnusedAction | Unset): What happens to a subscription unused for `unused_after_days`.
            unused_after_days (int | None | Unset):
    """

    review_every_days: int | None | Unset = UNSET
    review_grace_days: int | Unset = UNSET
    unused_action: UnusedAction | Unset = UNSET
    unused_after_days: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        review_every_days: int | None | Unset
        if isinstance(self.review_every_days, Unset):
            review_every_days = UNSET
        else:
            review_every_days = self.review_every_days

        review_grace_days = self.review_grace_days

        unused_action: str | Unset = UNSET
        if not isinstance(self.unused_action, Unset):
            unused_action = self.unused_action.value

        unused_after_days: int | None | Unset
        if isinstance(self.unused_after_days, Unset):
            unused_after_days = UNSET
        else:
            unused_after_days = self.unused_after_days

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if review_every_days is not UNSET:
            field_dict["review_every_days"] = review_every_days
        if review_grace_days is not UNSET:
            field_dict["review_grace_days"] = review_grace_days
        if unused_action is not UNSET:
            field_dict["unused_action"] = unused_action
        if unused_after_days is not UNSET:
            field_dict["unused_after_days"] = unused_after_days

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_review_every_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        review_every_days = _parse_review_every_days(d.pop("review_every_days", UNSET))

        review_grace_days = d.pop("review_grace_days", UNSET)

        _unused_action = d.pop("unused_action", UNSET)
        unused_action: UnusedAction | Unset
        if isinstance(_unused_action, Unset):
            unused_action = UNSET
        else:
            unused_action = UnusedAction(_unused_action)

        def _parse_unused_after_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        unused_after_days = _parse_unused_after_days(d.pop("unused_after_days", UNSET))

        access_policy_patch = cls(
            review_every_days=review_every_days,
            review_grace_days=review_grace_days,
            unused_action=unused_action,
            unused_after_days=unused_after_days,
        )

        return access_policy_patch
