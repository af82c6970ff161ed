from enum import StrEnum


class StepStatus(StrEnum):
    DONE = "done"
    FAILED = "failed"
    LEFT = "left"
    NOT_NEEDED = "not_needed"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
