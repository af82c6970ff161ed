from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.webhook_status import WebhookStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="Webhook")


@_attrs_define
class Webhook:
    """A webhook: where events go, which ones, and for whom.

    Attributes:
        created_at (datetime.datetime):
        description (str):
        id (UUID):
        last_seq (int): The newest audit seq already turned into deliveries (or found not to be for this webhook).
        owner (str): The registrant: the webhook receives the events they could read when registering it.
        owner_domains (list[str]):
        owner_roles (list[str]):
        status (WebhookStatus): Whether a webhook receives events (the `webhooks.status` column).

            Only named in the OpenAPI document: the field holds the column's text, which a CHECK
            constraint keeps to these values (tests/openapi.rs compares the two).
        updated_at (datetime.datetime):
        url (str):
        disabled_reason (None | str | Unset):
        failing_since (datetime.datetime | None | Unset): Since when every attempt to the receiver has failed; null
            while it answers.
        retry_after (datetime.datetime | None | Unset): While the receiver keeps failing, none of its deliveries is
            tried before this time (its
            backoff grows with each failed attempt, up to 5 minutes); null while it answers.
        secret (None | str | Unset): The signing secret (`whsec_…`): only in the answer to the create. Keep it; it is
            never
            shown again.
        types (list[str] | None | Unset): The CloudEvent types it receives; absent: all the registrant may see.
    """

    created_at: datetime.datetime
    description: str
    id: UUID
    last_seq: int
    owner: str
    owner_domains: list[str]
    owner_roles: list[str]
    status: WebhookStatus
    updated_at: datetime.datetime
    url: str
    disabled_reason: None | str | Unset = UNSET
    failing_since: datetime.datetime | None | Unset = UNSET
    retry_after: datetime.datetime | None | Unset = UNSET
    secret: None | str | Unset = UNSET
    types: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        description = self.description

        id = str(self.id)

        last_seq = self.last_seq

        owner = self.owner

        owner_domains = self.owner_domains

        owner_roles = self.owner_roles

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        url = self.url

        disabled_reason: None | str | Unset
        if isinstance(self.disabled_reason, Unset):
            disabled_reason = UNSET
        else:
            disabled_reason = self.disabled_reason

        failing_since: None | str | Unset
        if isinstance(self.failing_since, Unset):
            failing_since = UNSET
        elif isinstance(self.failing_since, datetime.datetime):
            failing_since = self.failing_since.isoformat()
        else:
            failing_since = self.failing_since

        retry_after: None | str | Unset
        if isinstance(self.retry_after, Unset):
            retry_after = UNSET
        elif isinstance(self.retry_after, datetime.datetime):
            retry_after = self.retry_after.isoformat()
        else:
            retry_after = self.retry_after

        secret: None | str | Unset
        if isinstance(self.secret, Unset):
            secret = UNSET
        else:
            secret = self.secret

        types: list[str] | None | Unset
        if isinstance(self.types, Unset):
            types = UNSET
        elif isinstance(self.types, list):
            types = self.types

        else:
            types = self.types

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "description": description,
                "id": id,
                "last_seq": last_seq,
                "owner": owner,
                "owner_domains": owner_domains,
                "owner_roles": owner_roles,
                "status": status,
                "updated_at": updated_at,
                "url": url,
            }
        )
        if disabled_reason is not UNSET:
            field_dict["disabled_reason"] = disabled_reason
        if failing_since is not UNSET:
            field_dict["failing_since"] = failing_since
        if retry_after is not UNSET:
            field_dict["retry_after"] = retry_after
        if secret is not UNSET:
            field_dict["secret"] = secret
        if types is not UNSET:
            field_dict["types"] = types

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        id = UUID(d.pop("id"))

        last_seq = d.pop("last_seq")

        owner = d.pop("owner")

        owner_domains = cast(list[str], d.pop("owner_domains"))

        owner_roles = cast(list[str], d.pop("owner_roles"))

        status = WebhookStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        url = d.pop("url")

        def _parse_disabled_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason", UNSET))

        def _parse_failing_since(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                failing_since_type_0 = datetime.datetime.fromisoformat(data)

                return failing_since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        failing_since = _parse_failing_since(d.pop("failing_since", UNSET))

        def _parse_retry_after(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                retry_after_type_0 = datetime.datetime.fromisoformat(data)

                return retry_after_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        retry_after = _parse_retry_after(d.pop("retry_after", UNSET))

        def _parse_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secret = _parse_secret(d.pop("secret", UNSET))

        def _parse_types(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                types_type_0 = cast(list[str], data)

                return types_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        types = _parse_types(d.pop("types", UNSET))

        webhook = cls(
            created_at=created_at,
            description=description,
            id=id,
            last_seq=last_seq,
            owner=owner,
            owner_domains=owner_domains,
            owner_roles=owner_roles,
            status=status,
            updated_at=updated_at,
            url=url,
            disabled_reason=disabled_reason,
            failing_since=failing_since,
            retry_after=retry_after,
            secret=secret,
            types=types,
        )

        webhook.additional_properties = d
        return webhook

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
