from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_data import EventData


T = TypeVar("T", bound="CloudEvent")


@_attrs_define
class CloudEvent:
    """A state change, as a CloudEvent 1.0 in JSON structured mode.

    Attributes:
        data (EventData): The audit event's content.
        datacontenttype (str): Always `application/json`.
        id (str): Unique per source: the audit event's `seq`, as a string.
        seq (int): Extension attribute: position in the audit trail; resume the feed after it.
        source (str): meshgov's identity (`MESHGOV_EVENT_SOURCE`, default `urn:meshgov`).
        specversion (str): Always `1.0`.
        subject (str): What changed: the audit target, e.g. `product:sales/orders`, `subscription:<id>`.
        time (datetime.datetime): When it changed (RFC 3339).
        type_ (str): `io.meshgov.<audit action>`, e.g. `io.meshgov.subscription.approved`; Lake Formation grants
            and revokes are `io.meshgov.grant.applied` and `io.meshgov.grant.revoked`.
    """

    data: EventData
    datacontenttype: str
    id: str
    seq: int
    source: str
    specversion: str
    subject: str
    time: datetime.datetime
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = self.data.to_dict()

        datacontenttype = self.datacontenttype

        id = self.id

        seq = self.seq

        source = self.source

        specversion = self.specversion

        subject = self.subject

        time = self.time.isoformat()

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
                "datacontenttype": datacontenttype,
                "id": id,
                "seq": seq,
                "source": source,
                "specversion": specversion,
                "subject": subject,
                "time": time,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_data import EventData  # noqa: PLC0415

        d = dict(src_dict)
        data = EventData.from_dict(d.pop("data"))

        datacontenttype = d.pop("datacontenttype")

        id = d.pop("id")

        seq = d.pop("seq")

        source = d.pop("source")

        specversion = d.pop("specversion")

        subject = d.pop("subject")

        time = datetime.datetime.fromisoformat(d.pop("time"))

        type_ = d.pop("type")

        cloud_event = cls(
            data=data,
            datacontenttype=datacontenttype,
            id=id,
            seq=seq,
            source=source,
            specversion=specversion,
            subject=subject,
            time=time,
            type_=type_,
        )

        cloud_event.additional_properties = d
        return cloud_event

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
