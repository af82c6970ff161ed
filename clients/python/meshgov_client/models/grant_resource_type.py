from enum import StrEnum


class GrantResourceType(StrEnum):
    DATABASE = "database"
    DATA_CELLS_FILTER = "data_cells_filter"
    TABLE = "table"
    TABLE_WITH_COLUMNS = "table_with_columns"

    def __str__(self) -> str:
        return str(self.value)
