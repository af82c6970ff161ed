from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.step_name import StepName
from ..models.step_status import StepStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="AccessStep")


@_attrs_define
class AccessStep:
    """One step of setting up (or taking down) a subscription's access in the consumer's account.

    Attributes:
        detail (str): What was done, or exactly what is left to do (with the AWS CLI command).
        status (StepStatus):
        step (StepName): A step of consumer access.
        error (None | str | Unset):
    """

    detail: str
    status: StepStatus
    step: StepName
    error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        detail = self.detail

        status = self.status.value

        step = self.step.value

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "detail": detail,
                "status": status,
                "step": step,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        detail = d.pop("detail")

        status = StepStatus(d.pop("status"))

        step = StepName(d.pop("step"))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        access_step = cls(
            detail=detail,
            status=status,
            step=step,
            error=error,
        )

        access_step.additional_properties = d
        return access_step

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
