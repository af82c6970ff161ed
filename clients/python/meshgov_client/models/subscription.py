from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.permission import Permission
from ..models.provisioning import Provisioning
from ..models.subscription_status import SubscriptionStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.grant import Grant
    from ..models.scope import Scope
    from ..models.subscription_access import SubscriptionAccess
    from ..models.subscription_health import SubscriptionHealth
    from ..models.usage import Usage


T = TypeVar("T", bound="Subscription")


@_attrs_define
class Subscription:
    """A subscription: who asked for what, the decision, and where its grants stand.

    Attributes:
        consumer_domain (str):
        created_at (datetime.datetime):
        domain (str): Slug of the product's domain.
        health (SubscriptionHealth):
        id (UUID):
        justification (str):
        permissions (list[Permission]):
        principal (str):
        product (str):
        provisioning (Provisioning): Where a subscription's grants stand as a whole (the `subscriptions.provisioning`
            column, kept
            by the grant applier from its grants' states).
        requested_by (str):
        requested_scope (Scope): What a subscription covers.
        status (SubscriptionStatus): Where the decision on a subscription stands.
        updated_at (datetime.datetime):
        usage (Usage): How a subscription's grants are used, from the access events of the accounts holding them.
        version (int):
        access (None | SubscriptionAccess | Unset):
        approved_scope (None | Scope | Unset):
        decided_at (datetime.datetime | None | Unset):
        decided_by (None | str | Unset):
        decision_comment (None | str | Unset):
        end_comment (None | str | Unset):
        ended_at (datetime.datetime | None | Unset):
        ended_by (None | str | Unset): Who revoked or cancelled it (or `system:...` for expiry and retirement).
        expires_at (datetime.datetime | None | Unset): When access ends (the approved expiry once approved).
        grants (list[Grant] | None | Unset): The Lake Formation grants it needs (only on `GET /subscriptions/{id}` and
            decisions).
        requested_expires_at (datetime.datetime | None | Unset):
    """

    consumer_domain: str
    created_at: datetime.datetime
    domain: str
    health: SubscriptionHealth
    id: UUID
    justification: str
    permissions: list[Permission]
    principal: str
    product: str
    provisioning: Provisioning
    requested_by: str
    requested_scope: Scope
    status: SubscriptionStatus
    updated_at: datetime.datetime
    usage: Usage
    version: int
    access: None | SubscriptionAccess | Unset = UNSET
    approved_scope: None | Scope | Unset = UNSET
    decided_at: datetime.datetime | None | Unset = UNSET
    decided_by: None | str | Unset = UNSET
    decision_comment: None | str | Unset = UNSET
    end_comment: None | str | Unset = UNSET
    ended_at: datetime.datetime | None | Unset = UNSET
    ended_by: None | str | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    grants: list[Grant] | None | Unset = UNSET
    requested_expires_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.scope import Scope  # noqa: PLC0415
        from ..models.subscription_access import SubscriptionAccess  # noqa: PLC0415

        consumer_domain = self.consumer_domain

        created_at = self.created_at.isoformat()

        domain = self.domain

        health = self.health.to_dict()

        id = str(self.id)

        justification = self.justification

        permissions = []
        for permissions_item_data in self.permissions:
            permissions_item = permissions_item_data.value
            permissions.append(permissions_item)

        principal = self.principal

        product = self.product

        provisioning = self.provisioning.value

        requested_by = self.requested_by

        requested_scope = self.requested_scope.to_dict()

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        usage = self.usage.to_dict()

        version = self.version

        access: dict[str, Any] | None | Unset
        if isinstance(self.access, Unset):
            access = UNSET
        elif isinstance(self.access, SubscriptionAccess):
            access = self.access.to_dict()
        else:
            access = self.access

        approved_scope: dict[str, Any] | None | Unset
        if isinstance(self.approved_scope, Unset):
            approved_scope = UNSET
        elif isinstance(self.approved_scope, Scope):
            approved_scope = self.approved_scope.to_dict()
        else:
            approved_scope = self.approved_scope

        decided_at: None | str | Unset
        if isinstance(self.decided_at, Unset):
            decided_at = UNSET
        elif isinstance(self.decided_at, datetime.datetime):
            decided_at = self.decided_at.isoformat()
        else:
            decided_at = self.decided_at

        decided_by: None | str | Unset
        if isinstance(self.decided_by, Unset):
            decided_by = UNSET
        else:
            decided_by = self.decided_by

        decision_comment: None | str | Unset
        if isinstance(self.decision_comment, Unset):
            decision_comment = UNSET
        else:
            decision_comment = self.decision_comment

        end_comment: None | str | Unset
        if isinstance(self.end_comment, Unset):
            end_comment = UNSET
        else:
            end_comment = self.end_comment

        ended_at: None | str | Unset
        if isinstance(self.ended_at, Unset):
            ended_at = UNSET
        elif isinstance(self.ended_at, datetime.datetime):
            ended_at = self.ended_at.isoformat()
        else:
            ended_at = self.ended_at

        ended_by: None | str | Unset
        if isinstance(self.ended_by, Unset):
            ended_by = UNSET
        else:
            ended_by = self.ended_by

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        grants: list[dict[str, Any]] | None | Unset
        if isinstance(self.grants, Unset):
            grants = UNSET
        elif isinstance(self.grants, list):
            grants = []
            for grants_type_0_item_data in self.grants:
                grants_type_0_item = grants_type_0_item_data.to_dict()
                grants.append(grants_type_0_item)

        else:
            grants = self.grants

        requested_expires_at: None | str | Unset
        if isinstance(self.requested_expires_at, Unset):
            requested_expires_at = UNSET
        elif isinstance(self.requested_expires_at, datetime.datetime):
            requested_expires_at = self.requested_expires_at.isoformat()
        else:
            requested_expires_at = self.requested_expires_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "consumer_domain": consumer_domain,
                "created_at": created_at,
                "domain": domain,
                "health": health,
                "id": id,
                "justification": justification,
                "permissions": permissions,
                "principal": principal,
                "product": product,
                "provisioning": provisioning,
                "requested_by": requested_by,
                "requested_scope": requested_scope,
                "status": status,
                "updated_at": updated_at,
                "usage": usage,
                "version": version,
            }
        )
        if access is not UNSET:
            field_dict["access"] = access
        if approved_scope is not UNSET:
            field_dict["approved_scope"] = approved_scope
        if decided_at is not UNSET:
            field_dict["decided_at"] = decided_at
        if decided_by is not UNSET:
            field_dict["decided_by"] = decided_by
        if decision_comment is not UNSET:
            field_dict["decision_comment"] = decision_comment
        if end_comment is not UNSET:
            field_dict["end_comment"] = end_comment
        if ended_at is not UNSET:
            field_dict["ended_at"] = ended_at
        if ended_by is not UNSET:
            field_dict["ended_by"] = ended_by
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if grants is not UNSET:
            field_dict["grants"] = grants
        if requested_expires_at is not UNSET:
            field_dict["requested_expires_at"] = requested_expires_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.grant import Grant  # noqa: PLC0415
        from ..models.scope import Scope  # noqa: PLC0415
        from ..models.subscription_access import SubscriptionAccess  # noqa: PLC0415
        from ..models.subscription_health import SubscriptionHealth  # noqa: PLC0415
        from ..models.usage import Usage  # noqa: PLC0415

        d = dict(src_dict)
        consumer_domain = d.pop("consumer_domain")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        domain = d.pop("domain")

        health = SubscriptionHealth.from_dict(d.pop("health"))

        id = UUID(d.pop("id"))

        justification = d.pop("justification")

        permissions = []
        _permissions = d.pop("permissions")
        for permissions_item_data in _permissions:
            permissions_item = Permission(permissions_item_data)

            permissions.append(permissions_item)

        principal = d.pop("principal")

        product = d.pop("product")

        provisioning = Provisioning(d.pop("provisioning"))

        requested_by = d.pop("requested_by")

        requested_scope = Scope.from_dict(d.pop("requested_scope"))

        status = SubscriptionStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        usage = Usage.from_dict(d.pop("usage"))

        version = d.pop("version")

        def _parse_access(data: object) -> None | SubscriptionAccess | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                access_type_0 = SubscriptionAccess.from_dict(data)

                return access_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SubscriptionAccess | Unset, data)

        access = _parse_access(d.pop("access", UNSET))

        def _parse_approved_scope(data: object) -> None | Scope | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                approved_scope_type_0 = Scope.from_dict(data)

                return approved_scope_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Scope | Unset, data)

        approved_scope = _parse_approved_scope(d.pop("approved_scope", UNSET))

        def _parse_decided_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                decided_at_type_0 = datetime.datetime.fromisoformat(data)

                return decided_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        decided_at = _parse_decided_at(d.pop("decided_at", UNSET))

        def _parse_decided_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        decided_by = _parse_decided_by(d.pop("decided_by", UNSET))

        def _parse_decision_comment(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        decision_comment = _parse_decision_comment(d.pop("decision_comment", UNSET))

        def _parse_end_comment(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        end_comment = _parse_end_comment(d.pop("end_comment", UNSET))

        def _parse_ended_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ended_at_type_0 = datetime.datetime.fromisoformat(data)

                return ended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        ended_at = _parse_ended_at(d.pop("ended_at", UNSET))

        def _parse_ended_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ended_by = _parse_ended_by(d.pop("ended_by", UNSET))

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        def _parse_grants(data: object) -> list[Grant] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                grants_type_0 = []
                _grants_type_0 = data
                for grants_type_0_item_data in _grants_type_0:
                    grants_type_0_item = Grant.from_dict(grants_type_0_item_data)

                    grants_type_0.append(grants_type_0_item)

                return grants_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Grant] | None | Unset, data)

        grants = _parse_grants(d.pop("grants", UNSET))

        def _parse_requested_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                requested_expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return requested_expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        requested_expires_at = _parse_requested_expires_at(d.pop("requested_expires_at", UNSET))

        subscription = cls(
            consumer_domain=consumer_domain,
            created_at=created_at,
            domain=domain,
            health=health,
            id=id,
            justification=justification,
            permissions=permissions,
            principal=principal,
            product=product,
            provisioning=provisioning,
            requested_by=requested_by,
            requested_scope=requested_scope,
            status=status,
            updated_at=updated_at,
            usage=usage,
            version=version,
            access=access,
            approved_scope=approved_scope,
            decided_at=decided_at,
            decided_by=decided_by,
            decision_comment=decision_comment,
            end_comment=end_comment,
            ended_at=ended_at,
            ended_by=ended_by,
            expires_at=expires_at,
            grants=grants,
            requested_expires_at=requested_expires_at,
        )

        subscription.additional_properties = d
        return subscription

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
