from enum import StrEnum


class AccessState(StrEnum):
    FAILED = "failed"
    MANUAL = "manual"
    PENDING = "pending"
    READY = "ready"
    REMOVED = "removed"
    REMOVE_FAILED = "remove_failed"
    REMOVING = "removing"

    def __str__(self) -> str:
        return str(self.value)
