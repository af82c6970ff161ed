from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.approval_policy import ApprovalPolicy
from ..models.catalog_mode import CatalogMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.access_policy import AccessPolicy


T = TypeVar("T", bound="NewDomain")


@_attrs_define
class NewDomain:
    """Onboards a domain.

    Attributes:
        aws_account_id (str):  Example: 111122223333.
        name (str):  Example: Sales.
        slug (str):  Example: sales.
        access_policy (AccessPolicy | None | Unset):
        approval_policy (ApprovalPolicy | None | Unset):
        catalog_mode (CatalogMode | None | Unset):
        data_access_role_arn (None | str | Unset): A role of the governance account (central mode). Example:
            arn:aws:iam::999988887777:role/meshgov-data-access.
        description (None | str | Unset):
        grant_role_arn (None | str | Unset): Must be a role in `aws_account_id` (producer mode). Example:
            arn:aws:iam::111122223333:role/meshgov-grants.
        link_role_arn (None | str | Unset): Must be a role in `aws_account_id` (consumer access: invitations, resource
            links). Example: arn:aws:iam::111122223333:role/meshgov-links.
        owners (list[str] | None | Unset):
        sync_role_arn (None | str | Unset): Must be a role in `aws_account_id`. Example:
            arn:aws:iam::111122223333:role/meshgov-catalog-reader.
    """

    aws_account_id: str
    name: str
    slug: str
    access_policy: AccessPolicy | None | Unset = UNSET
    approval_policy: ApprovalPolicy | None | Unset = UNSET
    catalog_mode: CatalogMode | None | Unset = UNSET
    data_access_role_arn: None | str | Unset = UNSET
    description: None | str | Unset = UNSET
    grant_role_arn: None | str | Unset = UNSET
    link_role_arn: None | str | Unset = UNSET
    owners: list[str] | None | Unset = UNSET
    sync_role_arn: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.access_policy import AccessPolicy  # noqa: PLC0415

        aws_account_id = self.aws_account_id

        name = self.name

        slug = self.slug

        access_policy: dict[str, Any] | None | Unset
        if isinstance(self.access_policy, Unset):
            access_policy = UNSET
        elif isinstance(self.access_policy, AccessPolicy):
            access_policy = self.access_policy.to_dict()
        else:
            access_policy = self.access_policy

        approval_policy: None | str | Unset
        if isinstance(self.approval_policy, Unset):
            approval_policy = UNSET
        elif isinstance(self.approval_policy, ApprovalPolicy):
            approval_policy = self.approval_policy.value
        else:
            approval_policy = self.approval_policy

        catalog_mode: None | str | Unset
        if isinstance(self.catalog_mode, Unset):
            catalog_mode = UNSET
        elif isinstance(self.catalog_mode, CatalogMode):
            catalog_mode = self.catalog_mode.value
        else:
            catalog_mode = self.catalog_mode

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

        field_dict.update(
            {
                "aws_account_id": aws_account_id,
                "name": name,
                "slug": slug,
            }
        )
        if access_policy is not UNSET:
            field_dict["access_policy"] = access_policy
        if approval_policy is not UNSET:
            field_dict["approval_policy"] = approval_policy
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
        if owners is not UNSET:
            field_dict["owners"] = owners
        if sync_role_arn is not UNSET:
            field_dict["sync_role_arn"] = sync_role_arn

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.access_policy import AccessPolicy  # noqa: PLC0415

        d = dict(src_dict)
        aws_account_id = d.pop("aws_account_id")

        name = d.pop("name")

        slug = d.pop("slug")

        def _parse_access_policy(data: object) -> AccessPolicy | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                access_policy_type_0 = AccessPolicy.from_dict(data)

                return access_policy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AccessPolicy | None | Unset, data)

        access_policy = _parse_access_policy(d.pop("access_policy", UNSET))

        def _parse_approval_policy(data: object) -> ApprovalPolicy | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                approval_policy_type_0 = ApprovalPolicy(data)

                return approval_policy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ApprovalPolicy | None | Unset, data)

        approval_policy = _parse_approval_policy(d.pop("approval_policy", UNSET))

        def _parse_catalog_mode(data: object) -> CatalogMode | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                catalog_mode_type_0 = CatalogMode(data)

                return catalog_mode_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CatalogMode | None | Unset, data)

        catalog_mode = _parse_catalog_mode(d.pop("catalog_mode", UNSET))

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

        new_domain = cls(
            aws_account_id=aws_account_id,
            name=name,
            slug=slug,
            access_policy=access_policy,
            approval_policy=approval_policy,
            catalog_mode=catalog_mode,
            data_access_role_arn=data_access_role_arn,
            description=description,
            grant_role_arn=grant_role_arn,
            link_role_arn=link_role_arn,
            owners=owners,
            sync_role_arn=sync_role_arn,
        )

        return new_domain
