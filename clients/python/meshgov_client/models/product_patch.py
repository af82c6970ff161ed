from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.classification import Classification
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.source import Source


T = TypeVar("T", bound="ProductPatch")


@_attrs_define
class ProductPatch:
    """Changes a product, as a JSON Merge Patch: absent fields stay as they are; `null` empties
    `description` and `tags` and is refused elsewhere. `source` can change only while a draft.

        Attributes:
            auto_approve (bool | Unset): Approve subscription requests at once (public products only).
            classification (Classification | Unset):
            description (None | str | Unset): `null` empties it.
            name (str | Unset):
            owner (str | Unset):
            source (Source | Unset): Where a product's data lives in its domain's Glue catalog.
            tags (list[str] | None | Unset): `null` empties them.
    """

    auto_approve: bool | Unset = UNSET
    classification: Classification | Unset = UNSET
    description: None | str | Unset = UNSET
    name: str | Unset = UNSET
    owner: str | Unset = UNSET
    source: Source | Unset = UNSET
    tags: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        auto_approve = self.auto_approve

        classification: str | Unset = UNSET
        if not isinstance(self.classification, Unset):
            classification = self.classification.value

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        name = self.name

        owner = self.owner

        source: dict[str, Any] | Unset = UNSET
        if not isinstance(self.source, Unset):
            source = self.source.to_dict()

        tags: list[str] | None | Unset
        if isinstance(self.tags, Unset):
            tags = UNSET
        elif isinstance(self.tags, list):
            tags = self.tags

        else:
            tags = self.tags

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if auto_approve is not UNSET:
            field_dict["auto_approve"] = auto_approve
        if classification is not UNSET:
            field_dict["classification"] = classification
        if description is not UNSET:
            field_dict["description"] = description
        if name is not UNSET:
            field_dict["name"] = name
        if owner is not UNSET:
            field_dict["owner"] = owner
        if source is not UNSET:
            field_dict["source"] = source
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source import Source  # noqa: PLC0415

        d = dict(src_dict)
        auto_approve = d.pop("auto_approve", UNSET)

        _classification = d.pop("classification", UNSET)
        classification: Classification | Unset
        if isinstance(_classification, Unset):
            classification = UNSET
        else:
            classification = Classification(_classification)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        name = d.pop("name", UNSET)

        owner = d.pop("owner", UNSET)

        _source = d.pop("source", UNSET)
        source: Source | Unset
        if isinstance(_source, Unset):
            source = UNSET
        else:
            source = Source.from_dict(_source)

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

        product_patch = cls(
            auto_approve=auto_approve,
            classification=classification,
            description=description,
            name=name,
            owner=owner,
            source=source,
            tags=tags,
        )

        return product_patch
