"""Bulk rows for seed data (the demo): many rows of the models' own tables at once.

The column types still encrypt and convert (`Bulk.bind`, in whichever process plans the
rows); the driver writes them (`write`: a binary COPY on PostgreSQL, a prepared INSERT on SQLite).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.engine import Connection, Dialect
from sqlmodel import SQLModel


def table(name: str) -> Table:
    """Return the Core table behind a model, whose column types encrypt and convert."""
    return SQLModel.metadata.tables[name]


class Bulk:
    """Rows of one table bound by its column types for one dialect, to be written by the
    driver (`write`): the column types encrypt and convert exactly as a Core INSERT would,
    in whichever process binds them; missing values take the columns' Python defaults."""

    def __init__(self, name: str, dialect: Dialect, *, skip: tuple[str, ...] = ()) -> None:
        self.name = name
        columns = [c for c in table(name).columns if c.name not in skip]
        self.columns = tuple(c.name for c in columns)
        self._binders = tuple((c.name, c.type.bind_processor(dialect), default_of(c))
                              for c in columns)

    def bind(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """Return one row's values in column order, bound for the dialect."""
        values = []
        for name, process, default in self._binders:
            value = row[name] if name in row else default()
            values.append(value if process is None or value is None else process(value))
        return tuple(values)


def default_of(column: Column[Any]) -> Callable[[], Any]:
    """Return a column's Python default as a function of nothing (None when it has none)."""
    default = column.default
    if default is None:
        return lambda: None
    if getattr(default, "is_callable", False):
        arg = default.arg  # type: ignore[attr-defined]
        return lambda: arg(None)
    return lambda: default.arg  # type: ignore[attr-defined]


def column_types(cursor: Any, bulk: Bulk) -> list[int]:
    """Return the PostgreSQL types (oids) of a bulk's columns, in its order, as the table in
    the database has them: a binary COPY sends each value in its column's own format."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", (bulk.name,))
    oids = dict(cursor.fetchall())
    return [oids[name] for name in bulk.columns]


def write(conn: Connection, bulk: Bulk, rows: Sequence[tuple[Any, ...]]) -> None:
    """Write bound rows in the unit of work of `conn`: a binary COPY on PostgreSQL (each value
    in its column's binary format: no text to format here or parse in the server), one
    prepared INSERT run for every row on SQLite (nothing when there are none)."""
    if not rows:
        return
    quote = conn.dialect.identifier_preparer.quote
    columns = ", ".join(quote(c) for c in bulk.columns)
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None  # noqa: S101 - an open connection has its driver's
        with raw.cursor() as cursor:
            types = column_types(cursor, bulk)
            with cursor.copy(f"COPY {quote(bulk.name)} ({columns}) FROM STDIN (FORMAT BINARY)"
                             ) as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join("?" for _ in bulk.columns)
    # The names are the models' own tables and columns, quoted; the values are parameters.
    statement = f"INSERT INTO {quote(bulk.name)} ({columns}) VALUES ({marks})"  # noqa: S608
    conn.exec_driver_sql(statement, rows)
