from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.classification import Classification
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.source import Source


T = TypeVar("T", bound="NewProduct")


@_attrs_define
class NewProduct:
    """Registers a data product in a domain. It starts as a draft.

    Attributes:
        name (str):  Example: Daily sell-out.
        slug (str):  Example: daily-sell-out.
        source (Source): Where a product's data lives in its domain's Glue catalog.
        auto_approve (bool | None | Unset): Approve subscription requests at once (public products only). Defaults to
            false.
        classification (Classification | None | Unset):
        description (None | str | Unset):
        owner (None | str | Unset): Defaults to the caller's subject.
        tags (list[str] | None | Unset):
    """

    name: str
    slug: str
    source: Source
    auto_approve: bool | None | Unset = UNSET
    classification: Classification | None | Unset = UNSET
    description: None | str | Unset = UNSET
    owner: None | str | Unset = UNSET
    tags: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        slug = self.slug

        source = self.source.to_dict()

        auto_approve: bool | None | Unset
        if isinstance(self.auto_approve, Unset):
            auto_approve = UNSET
        else:
            auto_approve = self.auto_approve

        classification: None | str | Unset
        if isinstance(self.classification, Unset):
            classification = UNSET
        elif isinstance(self.classification, Classification):
            classification = self.classification.value
        else:
            classification = self.classification

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        owner: None | str | Unset
        if isinstance(self.owner, Unset):
            owner = UNSET
        else:
            owner = self.owner

        tags: list[str] | None | Unset
        if isinstance(self.tags, Unset):
            tags = UNSET
        elif isinstance(self.tags, list):
            tags = self.tags

        else:
            tags = self.tags

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "slug": slug,
                "source": source,
            }
        )
        if auto_approve is not UNSET:
            field_dict["auto_approve"] = auto_approve
        if classification is not UNSET:
            field_dict["classification"] = classification
        if description is not UNSET:
            field_dict["description"] = description
        if owner is not UNSET:
            field_dict["owner"] = owner
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source import Source  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        slug = d.pop("slug")

        source = Source.from_dict(d.pop("source"))

        def _parse_auto_approve(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        auto_approve = _parse_auto_approve(d.pop("auto_approve", UNSET))

        def _parse_classification(data: object) -> Classification | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                classification_type_0 = Classification(data)

                return classification_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Classification | None | Unset, data)

        classification = _parse_classification(d.pop("classification", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_owner(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        owner = _parse_owner(d.pop("owner", UNSET))

        def _parse_tags(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                tags_type_0 = cast(list[str], data)

                return tags_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        tags = _parse_tags(d.pop("tags", UNSET))

        new_product = cls(
            name=name,
            slug=slug,
            source=source,
            auto_approve=auto_approve,
            classification=classification,
            description=description,
            owner=owner,
            tags=tags,
        )

        return new_product
