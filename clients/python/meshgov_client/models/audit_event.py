from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.audit_event_details import AuditEventDetails


T = TypeVar("T", bound="AuditEvent")


@_attrs_define
class AuditEvent:
    """A recorded audit event.

    Attributes:
        action (str):
        actor_roles (list[str]):
        actor_sub (str):
        at (datetime.datetime):
        details (AuditEventDetails):
        hash_ (str): SHA-256 over this event's canonical content and `prev_hash`.
        prev_hash (str): Hash of the previous event (64 zeros for the first).
        request_id (str):
        seq (int): Position in the chain, from 1, without gaps.
        target (str):
    """

    action: str
    actor_roles: list[str]
    actor_sub: str
    at: datetime.datetime
    details: AuditEventDetails
    hash_: str
    prev_hash: str
    request_id: str
    seq: int
    target: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        actor_roles = self.actor_roles

        actor_sub = self.actor_sub

        at = self.at.isoformat()

        details = self.details.to_dict()

        hash_ = self.hash_

        prev_hash = self.prev_hash

        request_id = self.request_id

        seq = self.seq

        target = self.target

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor_roles": actor_roles,
                "actor_sub": actor_sub,
                "at": at,
                "details": details,
                "hash": hash_,
                "prev_hash": prev_hash,
                "request_id": request_id,
                "seq": seq,
                "target": target,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_event_details import AuditEventDetails  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        actor_roles = cast(list[str], d.pop("actor_roles"))

        actor_sub = d.pop("actor_sub")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        details = AuditEventDetails.from_dict(d.pop("details"))

        hash_ = d.pop("hash")

        prev_hash = d.pop("prev_hash")

        request_id = d.pop("request_id")

        seq = d.pop("seq")

        target = d.pop("target")

        audit_event = cls(
            action=action,
            actor_roles=actor_roles,
            actor_sub=actor_sub,
            at=at,
            details=details,
            hash_=hash_,
            prev_hash=prev_hash,
            request_id=request_id,
            seq=seq,
            target=target,
        )

        audit_event.additional_properties = d
        return audit_event

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
