from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.role_policy_document import RolePolicyDocument


T = TypeVar("T", bound="RolePolicy")


@_attrs_define
class RolePolicy:
    """One role's policies (or a resource policy's statements).

    Attributes:
        account (str): The account it is created in.
        document (RolePolicyDocument): `{ "trust": …, "permissions": … }` for a role, the statements for a resource
            policy.
        name (str): `sync_role`, `grant_role`, `data_access_role`, `producer_bucket_policy`,
            `producer_kms_key_policy` or `link_role`.
        role_arn (None | str | Unset): The role, when the domain names it.
    """

    account: str
    document: RolePolicyDocument
    name: str
    role_arn: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account = self.account

        document = self.document.to_dict()

        name = self.name

        role_arn: None | str | Unset
        if isinstance(self.role_arn, Unset):
            role_arn = UNSET
        else:
            role_arn = self.role_arn

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "document": document,
                "name": name,
            }
        )
        if role_arn is not UNSET:
            field_dict["role_arn"] = role_arn

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.role_policy_document import RolePolicyDocument  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        document = RolePolicyDocument.from_dict(d.pop("document"))

        name = d.pop("name")

        def _parse_role_arn(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        role_arn = _parse_role_arn(d.pop("role_arn", UNSET))

        role_policy = cls(
            account=account,
            document=document,
            name=name,
            role_arn=role_arn,
        )

        role_policy.additional_properties = d
        return role_policy

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
