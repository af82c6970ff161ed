from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.catalog_mode import CatalogMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.check import Check
    from ..models.domain_readiness_trust_policy_type_0 import DomainReadinessTrustPolicyType0
    from ..models.role_policy import RolePolicy
    from ..models.stack_launch import StackLaunch


T = TypeVar("T", bound="DomainReadiness")


@_attrs_define
class DomainReadiness:
    """
    Attributes:
        catalog_mode (CatalogMode): Where the grants on a domain's products live (see the README's "Catalog modes").
        checks (list[Check]):
        domain (str):
        policies (list[RolePolicy]): What each role of the domain's mode needs, and what the producer adds to its bucket
            and
            key policies (central mode), filled in for this domain where meshgov knows the values.
        ready (bool): True when every check passed.
        s3_locations (list[str]): The S3 locations of the domain's synced tables: the `<BUCKET>/<PREFIX>` of the
            policies.
        stacks (list[StackLaunch]): The CloudFormation stacks (deploy/cloudformation) that create the domain's side,
            with the
            parameters meshgov knows filled in: `producer.yaml` always, `consumer.yaml` for a link role.
        trust_policy (DomainReadinessTrustPolicyType0 | None | Unset): The trust policy the sync role in the producer
            account needs (when meshgov knows its own
            principal: `MESHGOV_AWS_PRINCIPAL_ARN`, or asked of STS).
    """

    catalog_mode: CatalogMode
    checks: list[Check]
    domain: str
    policies: list[RolePolicy]
    ready: bool
    s3_locations: list[str]
    stacks: list[StackLaunch]
    trust_policy: DomainReadinessTrustPolicyType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.domain_readiness_trust_policy_type_0 import DomainReadinessTrustPolicyType0  # noqa: PLC0415

        catalog_mode = self.catalog_mode.value

        checks = []
        for checks_item_data in self.checks:
            checks_item = checks_item_data.to_dict()
            checks.append(checks_item)

        domain = self.domain

        policies = []
        for policies_item_data in self.policies:
            policies_item = policies_item_data.to_dict()
            policies.append(policies_item)

        ready = self.ready

        s3_locations = self.s3_locations

        stacks = []
        for stacks_item_data in self.stacks:
            stacks_item = stacks_item_data.to_dict()
            stacks.append(stacks_item)

        trust_policy: dict[str, Any] | None | Unset
        if isinstance(self.trust_policy, Unset):
            trust_policy = UNSET
        elif isinstance(self.trust_policy, DomainReadinessTrustPolicyType0):
            trust_policy = self.trust_policy.to_dict()
        else:
            trust_policy = self.trust_policy

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "catalog_mode": catalog_mode,
                "checks": checks,
                "domain": domain,
                "policies": policies,
                "ready": ready,
                "s3_locations": s3_locations,
                "stacks": stacks,
            }
        )
        if trust_policy is not UNSET:
            field_dict["trust_policy"] = trust_policy

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.check import Check  # noqa: PLC0415
        from ..models.domain_readiness_trust_policy_type_0 import DomainReadinessTrustPolicyType0  # noqa: PLC0415
        from ..models.role_policy import RolePolicy  # noqa: PLC0415
        from ..models.stack_launch import StackLaunch  # noqa: PLC0415

        d = dict(src_dict)
        catalog_mode = CatalogMode(d.pop("catalog_mode"))

        checks = []
        _checks = d.pop("checks")
        for checks_item_data in _checks:
            checks_item = Check.from_dict(checks_item_data)

            checks.append(checks_item)

        domain = d.pop("domain")

        policies = []
        _policies = d.pop("policies")
        for policies_item_data in _policies:
            policies_item = RolePolicy.from_dict(policies_item_data)

            policies.append(policies_item)

        ready = d.pop("ready")

        s3_locations = cast(list[str], d.pop("s3_locations"))

        stacks = []
        _stacks = d.pop("stacks")
        for stacks_item_data in _stacks:
            stacks_item = StackLaunch.from_dict(stacks_item_data)

            stacks.append(stacks_item)

        def _parse_trust_policy(data: object) -> DomainReadinessTrustPolicyType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                trust_policy_type_0 = DomainReadinessTrustPolicyType0.from_dict(data)

                return trust_policy_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DomainReadinessTrustPolicyType0 | None | Unset, data)

        trust_policy = _parse_trust_policy(d.pop("trust_policy", UNSET))

        domain_readiness = cls(
            catalog_mode=catalog_mode,
            checks=checks,
            domain=domain,
            policies=policies,
            ready=ready,
            s3_locations=s3_locations,
            stacks=stacks,
            trust_policy=trust_policy,
        )

        domain_readiness.additional_properties = d
        return domain_readiness

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
