from enum import StrEnum


class ListReviewsState(StrEnum):
    DUE = "due"
    OVERDUE = "overdue"
    UNUSED = "unused"

    def __str__(self) -> str:
        return str(self.value)
