"""Housekeeping on the local database that is not part of daily syncing (logout)."""

from __future__ import annotations

from pathlib import Path

from moco_desktop.storage.database import open_database


def forget_account(path: Path, account_key: str) -> int:
    """Delete every cached row and pending change of one account; returns the rows removed.

    Works over all tables that carry an `account_key` column, so new tables are covered too.
    """
    if not path.exists():
        return 0
    removed = 0
    with open_database(path) as database, database.transaction() as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = {row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')}
            if "account_key" in columns:
                cursor = connection.execute(
                    f'DELETE FROM "{table}" WHERE account_key = ?', (account_key,)
                )
                removed += cursor.rowcount
    return removed
