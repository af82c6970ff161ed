from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.permission import Permission
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.table_scope import TableScope


T = TypeVar("T", bound="NewSubscription")


@_attrs_define
class NewSubscription:
    """Asks for access to a published product for one AWS principal of the consumer domain.

    Attributes:
        consumer_domain (str): Slug of the consumer domain the access is for. Example: marketing.
        domain (str): Slug of the product's domain. Example: sales.
        justification (str):
        principal (str): An IAM role ARN in the consumer domain's AWS account, or that account's id. Example:
            arn:aws:iam::444455556666:role/analytics.
        product (str): Slug of the product. Example: daily-sell-out.
        expires_at (datetime.datetime | None | Unset): When access ends; at most the configured maximum from now (365
            days by default).
        permissions (list[Permission] | None | Unset): Defaults to `["SELECT"]`; DESCRIBE is always implied.
        tables (list[TableScope] | None | Unset): The tables (with optional columns and row filter each); absent or
            null: every table.
    """

    consumer_domain: str
    domain: str
    justification: str
    principal: str
    product: str
    expires_at: datetime.datetime | None | Unset = UNSET
    permissions: list[Permission] | None | Unset = UNSET
    tables: list[TableScope] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        consumer_domain = self.consumer_domain

        domain = self.domain

        justification = self.justification

        principal = self.principal

        product = self.product

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        permissions: list[str] | None | Unset
        if isinstance(self.permissions, Unset):
            permissions = UNSET
        elif isinstance(self.permissions, list):
            permissions = []
            for permissions_type_0_item_data in self.permissions:
                permissions_type_0_item = permissions_type_0_item_data.value
                permissions.append(permissions_type_0_item)

        else:
            permissions = self.permissions

        tables: list[dict[str, Any]] | None | Unset
        if isinstance(self.tables, Unset):
            tables = UNSET
        elif isinstance(self.tables, list):
            tables = []
            for tables_type_0_item_data in self.tables:
                tables_type_0_item = tables_type_0_item_data.to_dict()
                tables.append(tables_type_0_item)

        else:
            tables = self.tables

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "consumer_domain": consumer_domain,
                "domain": domain,
                "justification": justification,
                "principal": principal,
                "product": product,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if permissions is not UNSET:
            field_dict["permissions"] = permissions
        if tables is not UNSET:
            field_dict["tables"] = tables

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.table_scope import TableScope  # noqa: PLC0415

        d = dict(src_dict)
        consumer_domain = d.pop("consumer_domain")

        domain = d.pop("domain")

        justification = d.pop("justification")

        principal = d.pop("principal")

        product = d.pop("product")

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

        def _parse_permissions(data: object) -> list[Permission] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                permissions_type_0 = []
                _permissions_type_0 = data
                for permissions_type_0_item_data in _permissions_type_0:
                    permissions_type_0_item = Permission(permissions_type_0_item_data)

                    permissions_type_0.append(permissions_type_0_item)

                return permissions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[Permission] | None | Unset, data)

        permissions = _parse_permissions(d.pop("permissions", UNSET))

        def _parse_tables(data: object) -> list[TableScope] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                tables_type_0 = []
                _tables_type_0 = data
                for tables_type_0_item_data in _tables_type_0:
                    tables_type_0_item = TableScope.from_dict(tables_type_0_item_data)

                    tables_type_0.append(tables_type_0_item)

                return tables_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[TableScope] | None | Unset, data)

        tables = _parse_tables(d.pop("tables", UNSET))

        new_subscription = cls(
            consumer_domain=consumer_domain,
            domain=domain,
            justification=justification,
            principal=principal,
            product=product,
            expires_at=expires_at,
            permissions=permissions,
            tables=tables,
        )

        return new_subscription
