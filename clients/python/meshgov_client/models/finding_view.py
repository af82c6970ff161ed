from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.finding_kind import FindingKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.finding_view_resource import FindingViewResource


T = TypeVar("T", bound="FindingView")


@_attrs_define
class FindingView:
    """A difference between what meshgov wants and what Lake Formation holds.

    Attributes:
        detail (str):
        first_seen_at (datetime.datetime):
        id (UUID):
        kind (FindingKind): A kind of drift finding (the `drift_findings.kind` column).

            Only named in the OpenAPI document: the field holds the column's text, which a CHECK
            constraint keeps to these values (tests/openapi.rs compares the two).
        last_seen_at (datetime.datetime):
        permissions (list[str]): The permissions missing, unexpected or orphaned.
        principal (str):
        resource (FindingViewResource): The Lake Formation `Resource`.
        domain (None | str | Unset): The subscribed product's domain and slug.
        product (None | str | Unset):
        subscription_id (None | Unset | UUID): The subscription that wants it; for `unexpected`, the last one that held
            it (null: granted
            outside meshgov).
    """

    detail: str
    first_seen_at: datetime.datetime
    id: UUID
    kind: FindingKind
    last_seen_at: datetime.datetime
    permissions: list[str]
    principal: str
    resource: FindingViewResource
    domain: None | str | Unset = UNSET
    product: None | str | Unset = UNSET
    subscription_id: None | Unset | UUID = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        detail = self.detail

        first_seen_at = self.first_seen_at.isoformat()

        id = str(self.id)

        kind = self.kind.value

        last_seen_at = self.last_seen_at.isoformat()

        permissions = self.permissions

        principal = self.principal

        resource = self.resource.to_dict()

        domain: None | str | Unset
        if isinstance(self.domain, Unset):
            domain = UNSET
        else:
            domain = self.domain

        product: None | str | Unset
        if isinstance(self.product, Unset):
            product = UNSET
        else:
            product = self.product

        subscription_id: None | str | Unset
        if isinstance(self.subscription_id, Unset):
            subscription_id = UNSET
        elif isinstance(self.subscription_id, UUID):
            subscription_id = str(self.subscription_id)
        else:
            subscription_id = self.subscription_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "detail": detail,
                "first_seen_at": first_seen_at,
                "id": id,
                "kind": kind,
                "last_seen_at": last_seen_at,
                "permissions": permissions,
                "principal": principal,
                "resource": resource,
            }
        )
        if domain is not UNSET:
            field_dict["domain"] = domain
        if product is not UNSET:
            field_dict["product"] = product
        if subscription_id is not UNSET:
            field_dict["subscription_id"] = subscription_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.finding_view_resource import FindingViewResource  # noqa: PLC0415

        d = dict(src_dict)
        detail = d.pop("detail")

        first_seen_at = datetime.datetime.fromisoformat(d.pop("first_seen_at"))

        id = UUID(d.pop("id"))

        kind = FindingKind(d.pop("kind"))

        last_seen_at = datetime.datetime.fromisoformat(d.pop("last_seen_at"))

        permissions = cast(list[str], d.pop("permissions"))

        principal = d.pop("principal")

        resource = FindingViewResource.from_dict(d.pop("resource"))

        def _parse_domain(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        domain = _parse_domain(d.pop("domain", UNSET))

        def _parse_product(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        product = _parse_product(d.pop("product", UNSET))

        def _parse_subscription_id(data: object) -> None | Unset | UUID:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                subscription_id_type_0 = UUID(data)

                return subscription_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UUID, data)

        subscription_id = _parse_subscription_id(d.pop("subscription_id", UNSET))

        finding_view = cls(
            detail=detail,
            first_seen_at=first_seen_at,
            id=id,
            kind=kind,
            last_seen_at=last_seen_at,
            permissions=permissions,
            principal=principal,
            resource=resource,
            domain=domain,
            product=product,
            subscription_id=subscription_id,
        )

        finding_view.additional_properties = d
        return finding_view

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
