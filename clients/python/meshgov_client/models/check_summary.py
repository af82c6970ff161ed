from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.unverified import Unverified


T = TypeVar("T", bound="CheckSummary")


@_attrs_define
class CheckSummary:
    """One drift check: when it ran and how much it found.

    Attributes:
        desired_grants (int): Grants compared (live, in flight, or failed to revoke).
        finished_at (datetime.datetime):
        id (UUID):
        listed_permissions (int): Permissions Lake Formation listed (all of the account's, before keeping the managed
            ones).
        missing (int):
        orphaned (int):
        started_at (datetime.datetime):
        unexpected (int):
        unverified (list[Unverified]):
    """

    desired_grants: int
    finished_at: datetime.datetime
    id: UUID
    listed_permissions: int
    missing: int
    orphaned: int
    started_at: datetime.datetime
    unexpected: int
    unverified: list[Unverified]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        desired_grants = self.desired_grants

        finished_at = self.finished_at.isoformat()

        id = str(self.id)

        listed_permissions = self.listed_permissions

        missing = self.missing

        orphaned = self.orphaned

        started_at = self.started_at.isoformat()

        unexpected = self.unexpected

        unverified = []
        for unverified_item_data in self.unverified:
            unverified_item = unverified_item_data.to_dict()
            unverified.append(unverified_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "desired_grants": desired_grants,
                "finished_at": finished_at,
                "id": id,
                "listed_permissions": listed_permissions,
                "missing": missing,
                "orphaned": orphaned,
                "started_at": started_at,
                "unexpected": unexpected,
                "unverified": unverified,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.unverified import Unverified  # noqa: PLC0415

        d = dict(src_dict)
        desired_grants = d.pop("desired_grants")

        finished_at = datetime.datetime.fromisoformat(d.pop("finished_at"))

        id = UUID(d.pop("id"))

        listed_permissions = d.pop("listed_permissions")

        missing = d.pop("missing")

        orphaned = d.pop("orphaned")

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        unexpected = d.pop("unexpected")

        unverified = []
        _unverified = d.pop("unverified")
        for unverified_item_data in _unverified:
            unverified_item = Unverified.from_dict(unverified_item_data)

            unverified.append(unverified_item)

        check_summary = cls(
            desired_grants=desired_grants,
            finished_at=finished_at,
            id=id,
            listed_permissions=listed_permissions,
            missing=missing,
            orphaned=orphaned,
            started_at=started_at,
            unexpected=unexpected,
            unverified=unverified,
        )

        check_summary.additional_properties = d
        return check_summary

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
