from enum import StrEnum


class Permission(StrEnum):
    DESCRIBE = "DESCRIBE"
    SELECT = "SELECT"

    def __str__(self) -> str:
        return str(self.value)
