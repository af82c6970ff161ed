from enum import StrEnum


class StepName(StrEnum):
    ACCEPT_INVITATION = "accept_invitation"
    CREATE_RESOURCE_LINK = "create_resource_link"
    DELETE_RESOURCE_LINK = "delete_resource_link"
    GRANT_DESCRIBE = "grant_describe"
    REVOKE_DESCRIBE = "revoke_describe"

    def __str__(self) -> str:
        return str(self.value)
