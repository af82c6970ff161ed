from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.access_state import AccessState
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.access_step import AccessStep


T = TypeVar("T", bound="SubscriptionAccess")


@_attrs_define
class SubscriptionAccess:
    """How the subscription's principal queries what it was granted.

    Attributes:
        consumer_account (str): The consumer's account, and the database to query there: the resource link, or the
            database itself when the consumer is the account that holds the grants.
        database (str):
        grants_catalog_id (str): The account whose Lake Formation holds the grants (the governance account in central
            mode,
            the producer's in producer mode), and the database they name there.
        grants_database (str):
        state (AccessState): Where a subscription's consumer access stands (the `consumer_access.state` column).
        steps (list[AccessStep]): Each step and where it stands; `left` steps say exactly what the consumer must do.
        tables (list[str]):
        example_query (None | str | Unset): An Athena query, run in the consumer's account as the principal.
        last_error (None | str | Unset):
    """

    consumer_account: str
    database: str
    grants_catalog_id: str
    grants_database: str
    state: AccessState
    steps: list[AccessStep]
    tables: list[str]
    example_query: None | str | Unset = UNSET
    last_error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        consumer_account = self.consumer_account

        database = self.database

        grants_catalog_id = self.grants_catalog_id

        grants_database = self.grants_database

        state = self.state.value

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        tables = self.tables

        example_query: None | str | Unset
        if isinstance(self.example_query, Unset):
            example_query = UNSET
        else:
            example_query = self.example_query

        last_error: None | str | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        else:
            last_error = self.last_error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "consumer_account": consumer_account,
                "database": database,
                "grants_catalog_id": grants_catalog_id,
                "grants_database": grants_database,
                "state": state,
                "steps": steps,
                "tables": tables,
            }
        )
        if example_query is not UNSET:
            field_dict["example_query"] = example_query
        if last_error is not UNSET:
            field_dict["last_error"] = last_error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.access_step import AccessStep  # noqa: PLC0415

        d = dict(src_dict)
        consumer_account = d.pop("consumer_account")

        database = d.pop("database")

        grants_catalog_id = d.pop("grants_catalog_id")

        grants_database = d.pop("grants_database")

        state = AccessState(d.pop("state"))

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = AccessStep.from_dict(steps_item_data)

            steps.append(steps_item)

        tables = cast(list[str], d.pop("tables"))

        def _parse_example_query(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        example_query = _parse_example_query(d.pop("example_query", UNSET))

        def _parse_last_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error = _parse_last_error(d.pop("last_error", UNSET))

        subscription_access = cls(
            consumer_account=consumer_account,
            database=database,
            grants_catalog_id=grants_catalog_id,
            grants_database=grants_database,
            state=state,
            steps=steps,
            tables=tables,
            example_query=example_query,
            last_error=last_error,
        )

        subscription_access.additional_properties = d
        return subscription_access

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
