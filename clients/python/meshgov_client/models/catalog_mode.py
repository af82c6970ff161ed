from enum import StrEnum


class CatalogMode(StrEnum):
    CENTRAL = "central"
    PRODUCER = "producer"

    def __str__(self) -> str:
        return str(self.value)
