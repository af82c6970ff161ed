from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.check_summary import CheckSummary
    from ..models.planned_access import PlannedAccess
    from ..models.planned_grant import PlannedGrant
    from ..models.planned_revoke import PlannedRevoke
    from ..models.planned_sync import PlannedSync


T = TypeVar("T", bound="ReconcilePlan")


@_attrs_define
class ReconcilePlan:
    """What reconcile does (or would do) to make Lake Formation match the desired grants.

    Attributes:
        access (list[PlannedAccess]): Subscriptions whose consumer access (resource link, DESCRIBE on it) to set up
            again.
        applied (bool): Whether it was applied (jobs queued) or is only a plan.
        check (CheckSummary): One drift check: when it ran and how much it found.
        grant (list[PlannedGrant]): Missing grants to grant again.
        jobs (list[UUID]): The jobs that carry it out (when applied).
        revoke (list[PlannedRevoke]): Unexpected permissions to revoke.
        sync (list[PlannedSync]): Products to sync for their orphaned grants.
    """

    access: list[PlannedAccess]
    applied: bool
    check: CheckSummary
    grant: list[PlannedGrant]
    jobs: list[UUID]
    revoke: list[PlannedRevoke]
    sync: list[PlannedSync]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        access = []
        for access_item_data in self.access:
            access_item = access_item_data.to_dict()
            access.append(access_item)

        applied = self.applied

        check = self.check.to_dict()

        grant = []
        for grant_item_data in self.grant:
            grant_item = grant_item_data.to_dict()
            grant.append(grant_item)

        jobs = []
        for jobs_item_data in self.jobs:
            jobs_item = str(jobs_item_data)
            jobs.append(jobs_item)

        revoke = []
        for revoke_item_data in self.revoke:
            revoke_item = revoke_item_data.to_dict()
            revoke.append(revoke_item)

        sync = []
        for sync_item_data in self.sync:
            sync_item = sync_item_data.to_dict()
            sync.append(sync_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "access": access,
                "applied": applied,
                "check": check,
                "grant": grant,
                "jobs": jobs,
                "revoke": revoke,
                "sync": sync,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.check_summary import CheckSummary  # noqa: PLC0415
        from ..models.planned_access import PlannedAccess  # noqa: PLC0415
        from ..models.planned_grant import PlannedGrant  # noqa: PLC0415
        from ..models.planned_revoke import PlannedRevoke  # noqa: PLC0415
        from ..models.planned_sync import PlannedSync  # noqa: PLC0415

        d = dict(src_dict)
        access = []
        _access = d.pop("access")
        for access_item_data in _access:
            access_item = PlannedAccess.from_dict(access_item_data)

            access.append(access_item)

        applied = d.pop("applied")

        check = CheckSummary.from_dict(d.pop("check"))

        grant = []
        _grant = d.pop("grant")
        for grant_item_data in _grant:
            grant_item = PlannedGrant.from_dict(grant_item_data)

            grant.append(grant_item)

        jobs = []
        _jobs = d.pop("jobs")
        for jobs_item_data in _jobs:
            jobs_item = UUID(jobs_item_data)

            jobs.append(jobs_item)

        revoke = []
        _revoke = d.pop("revoke")
        for revoke_item_data in _revoke:
            revoke_item = PlannedRevoke.from_dict(revoke_item_data)

            revoke.append(revoke_item)

        sync = []
        _sync = d.pop("sync")
        for sync_item_data in _sync:
            sync_item = PlannedSync.from_dict(sync_item_data)

            sync.append(sync_item)

        reconcile_plan = cls(
            access=access,
            applied=applied,
            check=check,
            grant=grant,
            jobs=jobs,
            revoke=revoke,
            sync=sync,
        )

        reconcile_plan.additional_properties = d
        return reconcile_plan

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
