from enum import StrEnum


class GrantState(StrEnum):
    GRANTED = "granted"
    GRANT_FAILED = "grant_failed"
    PENDING = "pending"
    REVOKED = "revoked"
    REVOKE_FAILED = "revoke_failed"
    REVOKING = "revoking"

    def __str__(self) -> str:
        return str(self.value)
