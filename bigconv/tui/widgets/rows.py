"""Refreshing a DataTable by changing only the cells that changed."""

from __future__ import annotations

from textual.widgets import DataTable


def update_rows(table: DataTable, rows: list[tuple[str, tuple]]) -> None:
    """Show these (key, cells) rows: only changed cells are updated when the rows are the same
    ones in the same order; otherwise the table is rebuilt, keeping the cursor's row number."""
    keys = [key for key, _ in rows]
    shown = [row.key.value for row in table.ordered_rows]
    if keys == shown:
        for key, cells in rows:
            for column, (old, new) in enumerate(zip(table.get_row(key), cells, strict=True)):
                if old != new:
                    table.update_cell(
                        key, table.ordered_columns[column].key, new, update_width=True
                    )
        return
    cursor = table.cursor_row
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if rows and table.cursor_type != "none":
        table.move_cursor(row=min(cursor, len(rows) - 1))
