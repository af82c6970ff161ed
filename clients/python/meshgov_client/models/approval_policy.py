from enum import StrEnum


class ApprovalPolicy(StrEnum):
    EITHER = "either"
    OWNERS = "owners"
    STEWARDS = "stewards"

    def __str__(self) -> str:
        return str(self.value)
