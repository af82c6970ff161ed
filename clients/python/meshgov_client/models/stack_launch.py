from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.stack_launch_parameters import StackLaunchParameters


T = TypeVar("T", bound="StackLaunch")


@_attrs_define
class StackLaunch:
    """One stack to create in the domain's account.

    Attributes:
        account (str): The account to create it in.
        parameters (StackLaunchParameters): The template's parameters meshgov knows; the others keep their defaults or
            are asked for.
        stack_name (str):
        template (str): `producer.yaml` or `consumer.yaml`.
        quick_create_url (None | str | Unset): The AWS console's page that creates the stack with these parameters, when
            `MESHGOV_STACK_TEMPLATES_URL` says where the templates are published and the region is known.
    """

    account: str
    parameters: StackLaunchParameters
    stack_name: str
    template: str
    quick_create_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        account = self.account

        parameters = self.parameters.to_dict()

        stack_name = self.stack_name

        template = self.template

        quick_create_url: None | str | Unset
        if isinstance(self.quick_create_url, Unset):
            quick_create_url = UNSET
        else:
            quick_create_url = self.quick_create_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "account": account,
                "parameters": parameters,
                "stack_name": stack_name,
                "template": template,
            }
        )
        if quick_create_url is not UNSET:
            field_dict["quick_create_url"] = quick_create_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.stack_launch_parameters import StackLaunchParameters  # noqa: PLC0415

        d = dict(src_dict)
        account = d.pop("account")

        parameters = StackLaunchParameters.from_dict(d.pop("parameters"))

        stack_name = d.pop("stack_name")

        template = d.pop("template")

        def _parse_quick_create_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        quick_create_url = _parse_quick_create_url(d.pop("quick_create_url", UNSET))

        stack_launch = cls(
            account=account,
            parameters=parameters,
            stack_name=stack_name,
            template=template,
            quick_create_url=quick_create_url,
        )

        stack_launch.additional_properties = d
        return stack_launch

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
