from enum import StrEnum


class FindingKind(StrEnum):
    MISSING = "missing"
    ORPHANED = "orphaned"
    UNEXPECTED = "unexpected"

    def __str__(self) -> str:
        return str(self.value)
