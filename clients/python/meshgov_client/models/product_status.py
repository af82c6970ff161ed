from enum import StrEnum


class ProductStatus(StrEnum):
    DEPRECATED = "deprecated"
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"

    def __str__(self) -> str:
        return str(self.value)
