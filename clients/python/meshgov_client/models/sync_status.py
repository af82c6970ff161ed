from enum import StrEnum


class SyncStatus(StrEnum):
    FAILED = "failed"
    NEVER = "never"
    OK = "ok"

    def __str__(self) -> str:
        return str(self.value)
