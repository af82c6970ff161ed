from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.bad_event import BadEvent


T = TypeVar("T", bound="VerifyReport")


@_attrs_define
class VerifyReport:
    """The result of walking the chain.

    Attributes:
        events_checked (int):
        ok (bool): True when every event's hash matches its content and links to its predecessor.
        first_bad (BadEvent | None | Unset):
        head_hash (None | str | Unset): Hash of the last event checked: publish it elsewhere to anchor the chain.
    """

    events_checked: int
    ok: bool
    first_bad: BadEvent | None | Unset = UNSET
    head_hash: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.bad_event import BadEvent  # noqa: PLC0415

        events_checked = self.events_checked

        ok = self.ok

        first_bad: dict[str, Any] | None | Unset
        if isinstance(self.first_bad, Unset):
            first_bad = UNSET
        elif isinstance(self.first_bad, BadEvent):
            first_bad = self.first_bad.to_dict()
        else:
            first_bad = self.first_bad

        head_hash: None | str | Unset
        if isinstance(self.head_hash, Unset):
            head_hash = UNSET
        else:
            head_hash = self.head_hash

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "events_checked": events_checked,
                "ok": ok,
            }
        )
        if first_bad is not UNSET:
            field_dict["first_bad"] = first_bad
        if head_hash is not UNSET:
            field_dict["head_hash"] = head_hash

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.bad_event import BadEvent  # noqa: PLC0415

        d = dict(src_dict)
        events_checked = d.pop("events_checked")

        ok = d.pop("ok")

        def _parse_first_bad(data: object) -> BadEvent | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                first_bad_type_0 = BadEvent.from_dict(data)

                return first_bad_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BadEvent | None | Unset, data)

        first_bad = _parse_first_bad(d.pop("first_bad", UNSET))

        def _parse_head_hash(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        head_hash = _parse_head_hash(d.pop("head_hash", UNSET))

        verify_report = cls(
            events_checked=events_checked,
            ok=ok,
            first_bad=first_bad,
            head_hash=head_hash,
        )

        verify_report.additional_properties = d
        return verify_report

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
