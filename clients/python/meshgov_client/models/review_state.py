from enum import StrEnum


class ReviewState(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"
    UPCOMING = "upcoming"

    def __str__(self) -> str:
        return str(self.value)
