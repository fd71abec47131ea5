"""Many rows in few statements: COPY on PostgreSQL, ``executemany`` on SQLite.

The sync service writes up to a thousand facts and their staged changes per batch; through the
ORM (model instances, ``bulk_update``'s CASE expressions) that took most of the batch's time.
"""

import zlib
from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def _prepare(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[list[Any]]:
    """Values as the database takes them (SQLite stores aware datetimes as UTC text, …)."""
    fields = [model._meta.get_field(c) for c in columns]
    return [
        [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]  # type: ignore[union-attr]
        for row in rows
    ]


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (values in the order of ``columns``); the database assigns the ids."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The raw cursor: Django's wrapper has no COPY; its errors are Django's all the same.
            copying = cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN")
            with connection.wrap_database_errors, copying as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
            _prepare(model, columns, rows),
        )


def update_rows(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Set ``columns`` of each row whose id is its first value (``rows``: id, *values)."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = [connection.ops.quote_name(c) for c in columns]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY into a session's temporary table, then one UPDATE … FROM: dumping the values
            # as arrays for unnest cost more in Python than the whole update in the database.
            staging = connection.ops.quote_name(
                f"egov_update_{model._meta.db_table}_{zlib.crc32(' '.join(columns).encode())}"
            )
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "  # noqa: S608
                f"SELECT id, {', '.join(names)} FROM {table} WITH NO DATA"
            )
            copying = cursor.cursor.copy(f"COPY {staging} FROM STDIN")
            with connection.wrap_database_errors, copying as copy:
                for row in rows:
                    copy.write_row(row)
            sets = ", ".join(f"{n} = s.{n}" for n in names)
            cursor.execute(f"UPDATE {table} t SET {sets} FROM {staging} s WHERE t.id = s.id")  # noqa: S608
            cursor.execute(f"DELETE FROM {staging}")  # noqa: S608
            return
        sets = ", ".join(f"{n} = %s" for n in names)
        cursor.executemany(
            f"UPDATE {table} SET {sets} WHERE id = %s",  # noqa: S608
            [[*values, pk] for pk, *values in _prepare(model, ["id", *columns], rows)],
        )
