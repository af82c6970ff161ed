from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="HealthRollup")


@_attrs_define
class HealthRollup:
    """The health of the live subscriptions of a product or a domain's products.

    Attributes:
        drifted (int):
        failing (int):
        healthy (int):
        live_subscriptions (int):
        open_findings (int):
        provisioning (int):
        unverified (int):
        oldest_verification (datetime.datetime | None | Unset): The oldest verification among them: everything was
            checked at least this recently.
    """

    drifted: int
    failing: int
    healthy: int
    live_subscriptions: int
    open_findings: int
    provisioning: int
    unverified: int
    oldest_verification: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        drifted = self.drifted

        failing = self.failing

        healthy = self.healthy

        live_subscriptions = self.live_subscriptions

        open_findings = self.open_findings

        provisioning = self.provisioning

        unverified = self.unverified

        oldest_verification: None | str | Unset
        if isinstance(self.oldest_verification, Unset):
            oldest_verification = UNSET
        elif isinstance(self.oldest_verification, datetime.datetime):
            oldest_verification = self.oldest_verification.isoformat()
        else:
            oldest_verification = self.oldest_verification

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "drifted": drifted,
                "failing": failing,
                "healthy": healthy,
                "live_subscriptions": live_subscriptions,
                "open_findings": open_findings,
                "provisioning": provisioning,
                "unverified": unverified,
            }
        )
        if oldest_verification is not UNSET:
            field_dict["oldest_verification"] = oldest_verification

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        drifted = d.pop("drifted")

        failing = d.pop("failing")

        healthy = d.pop("healthy")

        live_subscriptions = d.pop("live_subscriptions")

        open_findings = d.pop("open_findings")

        provisioning = d.pop("provisioning")

        unverified = d.pop("unverified")

        def _parse_oldest_verification(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                oldest_verification_type_0 = datetime.datetime.fromisoformat(data)

                return oldest_verification_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        oldest_verification = _parse_oldest_verification(d.pop("oldest_verification", UNSET))

        health_rollup = cls(
            drifted=drifted,
            failing=failing,
            healthy=healthy,
            live_subscriptions=live_subscriptions,
            open_findings=open_findings,
            provisioning=provisioning,
            unverified=unverified,
            oldest_verification=oldest_verification,
        )

        health_rollup.additional_properties = d
        return health_rollup

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
