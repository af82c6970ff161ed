from enum import StrEnum


class Liveness(StrEnum):
    OK = "ok"

    def __str__(self) -> str:
        return str(self.value)
