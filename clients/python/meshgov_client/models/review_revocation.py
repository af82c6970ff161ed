from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ReviewRevocation")


@_attrs_define
class ReviewRevocation:
    """Ends a subscription from its review; the comment is required (the consumer reads it).

    Attributes:
        comment (str): Required; read as optional so that its absence is the field error `comment: required`. Example:
            The campaign ended: no longer needed..
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

        review_revocation = cls(
            comment=comment,
        )

        return review_revocation
