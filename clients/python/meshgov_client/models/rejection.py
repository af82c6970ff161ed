from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Rejection")


@_attrs_define
class Rejection:
    """A rejection, with the reason the requester will read.

    Attributes:
        comment (str): Required; read as optional so that its absence is the field error `comment: required`,
            like every other missing field, instead of a body that does not parse. Example: Use the aggregated product
            instead: this one holds store-level margins..
    """

    comment: str

    def to_dict(self) -> dict[str, Any]:
        comment = self.comment

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "comment": comment,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        comment = d.pop("comment")

        rejection = cls(
            comment=comment,
        )

        return rejection
