from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_actor import EventActor
    from ..models.event_data_details import EventDataDetails


T = TypeVar("T", bound="EventData")


@_attrs_define
class EventData:
    """The audit event's content.

    Attributes:
        actor (EventActor): Who caused the change.
        details (EventDataDetails):
        request_id (str):
        target (str):
    """

    actor: EventActor
    details: EventDataDetails
    request_id: str
    target: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actor = self.actor.to_dict()

        details = self.details.to_dict()

        request_id = self.request_id

        target = self.target

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actor": actor,
                "details": details,
                "request_id": request_id,
                "target": target,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_actor import EventActor  # noqa: PLC0415
        from ..models.event_data_details import EventDataDetails  # noqa: PLC0415

        d = dict(src_dict)
        actor = EventActor.from_dict(d.pop("actor"))

        details = EventDataDetails.from_dict(d.pop("details"))

        request_id = d.pop("request_id")

        target = d.pop("target")

        event_data = cls(
            actor=actor,
            details=details,
            request_id=request_id,
            target=target,
        )

        event_data.additional_properties = d
        return event_data

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
