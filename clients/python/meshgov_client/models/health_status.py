from enum import StrEnum


class HealthStatus(StrEnum):
    DRIFTED = "drifted"
    FAILING = "failing"
    HEALTHY = "healthy"
    INACTIVE = "inactive"
    PROVISIONING = "provisioning"
    UNVERIFIED = "unverified"

    def __str__(self) -> str:
        return str(self.value)
