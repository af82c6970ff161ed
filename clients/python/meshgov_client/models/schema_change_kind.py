from enum import StrEnum


class SchemaChangeKind(StrEnum):
    COLUMN_ADDED = "column_added"
    COLUMN_REMOVED = "column_removed"
    COLUMN_RETYPED = "column_retyped"
    PARTITION_KEYS_CHANGED = "partition_keys_changed"
    TABLE_ADDED = "table_added"
    TABLE_CHANGED = "table_changed"
    TABLE_DROPPED = "table_dropped"

    def __str__(self) -> str:
        return str(self.value)
