from enum import StrEnum


class Provisioning(StrEnum):
    GRANTED = "granted"
    GRANTING = "granting"
    GRANT_FAILED = "grant_failed"
    NONE = "none"
    REVOKED = "revoked"
    REVOKE_FAILED = "revoke_failed"
    REVOKING = "revoking"

    def __str__(self) -> str:
        return str(self.value)
