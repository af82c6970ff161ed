from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.check_summary import CheckSummary
    from ..models.finding_view import FindingView


T = TypeVar("T", bound="DriftReport")


@_attrs_define
class DriftReport:
    """Drift between the desired grants and Lake Formation.

    Attributes:
        missing (list[FindingView]):
        orphaned (list[FindingView]):
        truncated (bool): True when a list holds fewer findings than the check counted (see `limit`).
        unexpected (list[FindingView]):
        check (CheckSummary | None | Unset):
    """

    missing: list[FindingView]
    orphaned: list[FindingView]
    truncated: bool
    unexpected: list[FindingView]
    check: CheckSummary | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.check_summary import CheckSummary  # noqa: PLC0415

        missing = []
        for missing_item_data in self.missing:
            missing_item = missing_item_data.to_dict()
            missing.append(missing_item)

        orphaned = []
        for orphaned_item_data in self.orphaned:
            orphaned_item = orphaned_item_data.to_dict()
            orphaned.append(orphaned_item)

        truncated = self.truncated

        unexpected = []
        for unexpected_item_data in self.unexpected:
            unexpected_item = unexpected_item_data.to_dict()
            unexpected.append(unexpected_item)

        check: dict[str, Any] | None | Unset
        if isinstance(self.check, Unset):
            check = UNSET
        elif isinstance(self.check, CheckSummary):
            check = self.check.to_dict()
        else:
            check = self.check

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "missing": missing,
                "orphaned": orphaned,
                "truncated": truncated,
                "unexpected": unexpected,
            }
        )
        if check is not UNSET:
            field_dict["check"] = check

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.check_summary import CheckSummary  # noqa: PLC0415
        from ..models.finding_view import FindingView  # noqa: PLC0415

        d = dict(src_dict)
        missing = []
        _missing = d.pop("missing")
        for missing_item_data in _missing:
            missing_item = FindingView.from_dict(missing_item_data)

            missing.append(missing_item)

        orphaned = []
        _orphaned = d.pop("orphaned")
        for orphaned_item_data in _orphaned:
            orphaned_item = FindingView.from_dict(orphaned_item_data)

            orphaned.append(orphaned_item)

        truncated = d.pop("truncated")

        unexpected = []
        _unexpected = d.pop("unexpected")
        for unexpected_item_data in _unexpected:
            unexpected_item = FindingView.from_dict(unexpected_item_data)

            unexpected.append(unexpected_item)

        def _parse_check(data: object) -> CheckSummary | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                check_type_0 = CheckSummary.from_dict(data)

                return check_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CheckSummary | None | Unset, data)

        check = _parse_check(d.pop("check", UNSET))

        drift_report = cls(
            missing=missing,
            orphaned=orphaned,
            truncated=truncated,
            unexpected=unexpected,
            check=check,
        )

        drift_report.additional_properties = d
        return drift_report

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
