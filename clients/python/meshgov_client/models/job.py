from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status import JobStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.job_payload import JobPayload
    from ..models.job_result_type_0 import JobResultType0


T = TypeVar("T", bound="Job")


@_attrs_define
class Job:
    """A unit of background work and where it stands.

    Attributes:
        attempts (int):
        created_at (datetime.datetime):
        created_by (str):
        id (UUID):
        kind (str): e.g. `sync_domain`, `sync_product`.
        max_attempts (int):
        payload (JobPayload):
        run_after (datetime.datetime): When a queued job runs next (after a failed attempt: the backoff).
        status (JobStatus): Where a job stands (the `jobs.status` column).

            Only named in the OpenAPI document: the field holds the column's text, which a CHECK
            constraint keeps to these values (tests/openapi.rs compares the two).
        updated_at (datetime.datetime):
        domain (None | str | Unset): The domain the job concerns.
        finished_at (datetime.datetime | None | Unset):
        last_error (None | str | Unset):
        result (JobResultType0 | None | Unset): What the job did, once it succeeded.
    """

    attempts: int
    created_at: datetime.datetime
    created_by: str
    id: UUID
    kind: str
    max_attempts: int
    payload: JobPayload
    run_after: datetime.datetime
    status: JobStatus
    updated_at: datetime.datetime
    domain: None | str | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    last_error: None | str | Unset = UNSET
    result: JobResultType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.job_result_type_0 import JobResultType0  # noqa: PLC0415

        attempts = self.attempts

        created_at = self.created_at.isoformat()

        created_by = self.created_by

        id = str(self.id)

        kind = self.kind

        max_attempts = self.max_attempts

        payload = self.payload.to_dict()

        run_after = self.run_after.isoformat()

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        domain: None | str | Unset
        if isinstance(self.domain, Unset):
            domain = UNSET
        else:
            domain = self.domain

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        last_error: None | str | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        else:
            last_error = self.last_error

        result: dict[str, Any] | None | Unset
        if isinstance(self.result, Unset):
            result = UNSET
        elif isinstance(self.result, JobResultType0):
            result = self.result.to_dict()
        else:
            result = self.result

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "created_at": created_at,
                "created_by": created_by,
                "id": id,
                "kind": kind,
                "max_attempts": max_attempts,
                "payload": payload,
                "run_after": run_after,
                "status": status,
                "updated_at": updated_at,
            }
        )
        if domain is not UNSET:
            field_dict["domain"] = domain
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if last_error is not UNSET:
            field_dict["last_error"] = last_error
        if result is not UNSET:
            field_dict["result"] = result

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_payload import JobPayload  # noqa: PLC0415
        from ..models.job_result_type_0 import JobResultType0  # noqa: PLC0415

        d = dict(src_dict)
        attempts = d.pop("attempts")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        created_by = d.pop("created_by")

        id = UUID(d.pop("id"))

        kind = d.pop("kind")

        max_attempts = d.pop("max_attempts")

        payload = JobPayload.from_dict(d.pop("payload"))

        run_after = datetime.datetime.fromisoformat(d.pop("run_after"))

        status = JobStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_domain(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        domain = _parse_domain(d.pop("domain", UNSET))

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        def _parse_last_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error = _parse_last_error(d.pop("last_error", UNSET))

        def _parse_result(data: object) -> JobResultType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                result_type_0 = JobResultType0.from_dict(data)

                return result_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(JobResultType0 | None | Unset, data)

        result = _parse_result(d.pop("result", UNSET))

        job = cls(
            attempts=attempts,
            created_at=created_at,
            created_by=created_by,
            id=id,
            kind=kind,
            max_attempts=max_attempts,
            payload=payload,
            run_after=run_after,
            status=status,
            updated_at=updated_at,
            domain=domain,
            finished_at=finished_at,
            last_error=last_error,
            result=result,
        )

        job.additional_properties = d
        return job

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
