"""Statements of the request path run straight on the driver's cursor.

SQLAlchemy compiles each statement once per database dialect and hands over its column
types' own bind and result processors (encryption, UTC datetimes, JSON), so a value is
stored and read exactly as through SQLAlchemy; what is skipped is SQLAlchemy's work per
execution (about ten times the database's own for a small insert on SQLite). The statement
runs inside the transaction of the SQLAlchemy connection it is given.

Only plain statements: selects with named bound parameters, and single-row inserts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert, Select, inspect
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class Compiled:
    """A statement as one dialect runs it: SQL text, parameter order and processors."""

    sql: str
    order: tuple[str, ...] | None  # positional parameter names, None for named parameters
    defaults: Mapping[str, Any]  # values bound in the statement itself
    binders: Mapping[str, Processor]
    readers: tuple[Processor | None, ...]

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """Return the driver's parameters for these values, processed by their types."""
        merged = {**self.defaults, **values}
        for name, binder in self.binders.items():
            merged[name] = binder(merged[name])
        if self.order is None:
            return merged
        return [merged[name] for name in self.order]

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        """Return a fetched row with each column read through its type."""
        return tuple(
            value if reader is None or value is None else reader(value)
            for value, reader in zip(raw, self.readers, strict=True)
        )


_compiled: dict[tuple[int, str, tuple[str, ...]], Compiled] = {}


def compiled(statement: Select[Any] | Insert, dialect: Dialect, keys: Sequence[str]) -> Compiled:
    """Compile a statement once per dialect and set of inserted columns.

    The statement must live as long as the process (a cached statement): it is known by
    its identity.
    """
    key = (id(statement), dialect.name, tuple(keys))
    found = _compiled.get(key)
    if found is None:
        found = _compile(statement, dialect, keys)
        _compiled[key] = found
    return found


def _compile(statement: Select[Any] | Insert, dialect: Dialect, keys: Sequence[str]) -> Compiled:
    if isinstance(statement, Insert):
        if dialect.name != "sqlite":  # SQLite gives the new id as the cursor's lastrowid
            statement = statement.returning(*inspect(statement.table).primary_key)
        done = statement.compile(dialect=dialect, column_keys=list(keys))
    else:
        done = statement.compile(dialect=dialect)
    binders: dict[str, Processor] = {}
    for name, bind in done.binds.items():
        binder = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if binder is not None:
            binders[name] = binder
    readers = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in getattr(statement, "selected_columns", ())
    )
    order = tuple(done.positiontup) if done.positional and done.positiontup else None
    defaults = {  # the values written into the statement (not its internal "%(...)" keys)
        name: bind.effective_value
        for name, bind in done.binds.items()
        if not bind.required and not name.startswith("%(")
    }
    return Compiled(done.string, order, defaults, binders, readers)


def first(conn: Connection, statement: Select[Any], values: Mapping[str, Any]) -> Any:
    """Return the first row of a select (its columns read through their types), or None."""
    plan = compiled(statement, conn.dialect, ())
    with _cursor(conn, plan.sql) as cursor:
        cursor.execute(plan.sql, plan.parameters(values))
        raw = cursor.fetchone()
    return None if raw is None else plan.row(raw)


def insert(conn: Connection, statement: Insert, values: Mapping[str, Any]) -> int:
    """Insert one row and return its new id."""
    plan = compiled(statement, conn.dialect, tuple(values))
    with _cursor(conn, plan.sql) as cursor:
        cursor.execute(plan.sql, plan.parameters(values))
        new_id = cursor.lastrowid if conn.dialect.name == "sqlite" else cursor.fetchone()[0]
    return int(new_id)


@contextmanager
def _cursor(conn: Connection, sql: str) -> Iterator[Any]:
    """Give a driver cursor in the connection's transaction (begun if it was not yet).

    The driver's errors come out as SQLAlchemy's (IntegrityError, OperationalError...), as
    they would from `Connection.execute`.
    """
    if not conn.in_transaction():
        conn.begin()
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    driver_error = conn.dialect.loaded_dbapi.Error
    try:
        yield cursor
    except driver_error as error:
        raise DBAPIError.instance(sql, None, error, driver_error) from error
    finally:
        cursor.close()
