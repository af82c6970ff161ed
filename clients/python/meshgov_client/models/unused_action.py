from enum import StrEnum


class UnusedAction(StrEnum):
    FLAG = "flag"
    REVOKE = "revoke"

    def __str__(self) -> str:
        return str(self.value)
