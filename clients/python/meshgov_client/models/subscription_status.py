from enum import StrEnum


class SubscriptionStatus(StrEnum):
    APPROVED = "approved"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    PENDING = "pending"
    REJECTED = "rejected"
    REVOKED = "revoked"

    def __str__(self) -> str:
        return str(self.value)
