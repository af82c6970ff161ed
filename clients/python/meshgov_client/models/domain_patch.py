from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.approval_policy import ApprovalPolicy
from ..models.catalog_mode import CatalogMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.access_policy_patch import AccessPolicyPatch


T = TypeVar("T", bound="DomainPatch")


@_attrs_define
class DomainPatch:
    """Changes a domain, as a JSON Merge Patch: absent fields stay as they are; `null` removes a role
    ARN, empties `description` and `owners`, and is refused elsewhere.

        Attributes:
            access_policy (AccessPolicyPatch | Unset): Changes an access policy, as a JSON Merge Patch: absent fields stay;
                `null` turns reviews or
                the unused rule off.
            approval_policy (ApprovalPolicy | Unset): Who may approve subscriptions to a domain's products.
            aws_account_id (str | Unset):
            catalog_mode (CatalogMode | Unset): Where the grants on a domain's products live (see the README's "Catalog
                modes").
            data_access_role_arn (None | str | Unset): `null` removes it.
            description (None | str | Unset): `null` empties it.
            grant_role_arn (None | str | Unset): `null` removes it.
            link_role_arn (None | str | Unset): `null` removes it.
            name (str | Unset):
            owners (list[str] | None | Unset): `null` empties them.
            sync_role_arn (None | str | Unset):
    """

    access_policy: AccessPolicyPatch | Unset = UNSET
    approval_policy: ApprovalPolicy | Unset = UNSET
    aws_account_id: str | Unset = UNSET
    catalog_mode: CatalogMode | Unset = UNSET
    data_access_role_arn: None | str | Unset = UNSET
    description: None | str | Unset = UNSET
    grant_role_arn: None | str | Unset = UNSET
    link_role_arn: None | str | Unset = UNSET
    name: str | Unset = UNSET
    owners: list[str] | None | Unset = UNSET
    sync_role_arn: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        access_policy: dict[str, Any] | Unset = UNSET
        if not isinstance(self.access_policy, Unset):
            access_policy = self.access_policy.to_dict()

        approval_policy: str | Unset = UNSET
        if not isinstance(self.approval_policy, Unset):
            approval_policy = self.approval_policy.value

        aws_account_id = self.aws_account_id

        catalog_mode: str | Unset = UNSET
        if not isinstance(self.catalog_mode, Unset):
            catalog_mode = self.catalog_mode.value

        data_access_role_arn: None | str | Unset
        if isinstance(self.data_access_role_arn, Unset):
            data_access_role_arn = UNSET
        else:
            data_access_role_arn = self.data_access_role_arn

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        grant_role_arn: None | str | Unset
        if isinstance(self.grant_role_arn, Unset):
            grant_role_arn = UNSET
        else:
            grant_role_arn = self.grant_role_arn

        link_role_arn: None | str | Unset
        if isinstance(self.link_role_arn, Unset):
            link_role_arn = UNSET
        else:
            link_role_arn = self.link_role_arn

        name = self.name

        owners: list[str] | None | Unset
        if isinstance(self.owners, Unset):
            owners = UNSET
        elif isinstance(self.owners, list):
            owners = self.owners

        else:
            owners = self.owners

        sync_role_arn: None | str | Unset
        if isinstance(self.sync_role_arn, Unset):
            sync_role_arn = UNSET
        else:
            sync_role_arn = self.sync_role_arn

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if access_policy is not UNSET:
            field_dict["access_policy"] = access_policy
        if approval_policy is not UNSET:
            field_dict["approval_policy"] = approval_policy
        if aws_account_id is not UNSET:
            field_dict["aws_account_id"] = aws_account_id
        if catalog_mode is not UNSET:
            field_dict["catalog_mode"] = catalog_mode
        if data_access_role_arn is not UNSET:
            field_dict["data_access_role_arn"] = data_access_role_arn
        if description is not UNSET:
            field_dict["description"] = description
        if grant_role_arn is not UNSET:
            field_dict["grant_role_arn"] = grant_role_arn
        if link_role_arn is not UNSET:
            field_dict["link_role_arn"] = link_role_arn
        if name is not UNSET:
            field_dict["name"] = name
        if owners is not UNSET:
            field_dict["owners"] = owners
        if sync_role_arn is not UNSET:
            field_dict["sync_role_arn"] = sync_role_arn

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.access_policy_patch import AccessPolicyPatch  # noqa: PLC0415

        d = dict(src_dict)
        _access_policy = d.pop("access_policy", UNSET)
        access_policy: AccessPolicyPatch | Unset
        if isinstance(_access_policy, Unset):
            access_policy = UNSET
        else:
            access_policy = AccessPolicyPatch.from_dict(_access_policy)

        _approval_policy = d.pop("approval_policy", UNSET)
        approval_policy: ApprovalPolicy | Unset
        if isinstance(_approval_policy, Unset):
            approval_policy = UNSET
        else:
            approval_policy = ApprovalPolicy(_approval_policy)

        aws_account_id = d.pop("aws_account_id", UNSET)

        _catalog_mode = d.pop("catalog_mode", UNSET)
        catalog_mode: CatalogMode | Unset
        if isinstance(_catalog_mode, Unset):
            catalog_mode = UNSET
        else:
            catalog_mode = CatalogMode(_catalog_mode)

        def _parse_data_access_role_arn(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        data_access_role_arn = _parse_data_access_role_arn(d.pop("data_access_role_arn", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_grant_role_arn(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        grant_role_arn = _parse_grant_role_arn(d.pop("grant_role_arn", UNSET))

        def _parse_link_role_arn(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        link_role_arn = _parse_link_role_arn(d.pop("link_role_arn", UNSET))

        name = d.pop("name", UNSET)

        def _parse_owners(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                owners_type_0 = cast(list[str], data)

                return owners_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        owners = _parse_owners(d.pop("owners", UNSET))

        def _parse_sync_role_arn(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        sync_role_arn = _parse_sync_role_arn(d.pop("sync_role_arn", UNSET))

        domain_patch = cls(
            access_policy=access_policy,
            approval_policy=approval_policy,
            aws_account_id=aws_account_id,
            catalog_mode=catalog_mode,
            data_access_role_arn=data_access_role_arn,
            description=description,
            grant_role_arn=grant_role_arn,
            link_role_arn=link_role_arn,
            name=name,
            owners=owners,
            sync_role_arn=sync_role_arn,
        )

        return domain_patch
