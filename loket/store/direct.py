"""Statements of the request path run straight on the driver's cursor.

SQLAlchemy compiles each statement once per database dialect and hands over its column
types' own bind and result processors (encryption, UTC datetimes, JSON), so a value is
stored and read exactly as through SQLAlchemy; what is skipped is SQLAlchemy's work per
execution (about ten times the database's own for a small insert on SQLite). The statement
runs inside the transaction of the SQLAlchemy connection it is given.

Only plain statements: selects with named bound parameters, single-row inserts, and updates
whose columns are named by the values given. An insert can also be bound ahead of its
transaction (`bind`, then `insert_bound`): its values are encrypted and converted before the
write lock is taken, and only the ids the transaction itself creates are filled in under it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, Insert, Select, Update, inspect
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

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        """Return the driver's parameters for these values, processed by their types."""
        return self.arrange(self.processed(values))

    def processed(self, values: Mapping[str, Any], *, defaults: bool = True) -> dict[str, Any]:
        """Return these values (and the statement's own) processed by their types."""
        merged = {**self.defaults, **values} if defaults else dict(values)
        for name, binder in self.binders.items():
            if name in merged:
                merged[name] = binder(merged[name])
        return merged

    def arrange(self, processed: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        """Return processed values in the form the driver takes (positional or named)."""
        if self.order is None:
            return processed
        return [processed[name] for name in self.order]

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        """Return a fetched row with each column read through its type."""
        return tuple(
            value if reader is None or value is None else reader(value)
            for value, reader in zip(raw, self.readers, strict=True)
        )


_compiled: dict[tuple[int, str, tuple[str, ...]], Compiled] = {}


def compiled(
    statement: Select[Any] | Insert | Update, dialect: Dialect, keys: Sequence[str]
) -> Compiled:
    """Compile a statement once per dialect and set of inserted or updated columns.

    The statement must live as long as the process (a cached statement): it is known by
    its identity.
    """
    key = (id(statement), dialect.name, tuple(keys))
    found = _compiled.get(key)
    if found is None:
        found = _compile(statement, dialect, keys)
        _compiled[key] = found
    return found


def _compile(
    statement: Select[Any] | Insert | Update, dialect: Dialect, keys: Sequence[str]
) -> Compiled:
    if isinstance(statement, Insert) and dialect.name != "sqlite":
        # SQLite gives the new id as the cursor's lastrowid; others return it.
        statement = statement.returning(*inspect(statement.table).primary_key)
    if isinstance(statement, Insert | Update):
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


class Bound(NamedTuple):
    """An insert whose values went through their types already; `late` ones come later."""

    plan: Compiled
    values: dict[str, Any]
    late: tuple[str, ...]


def bind(
    dialect: Dialect, statement: Insert, values: Mapping[str, Any], late: Sequence[str] = ()
) -> Bound:
    """Bind an insert's values now (encrypting what is encrypted), outside any transaction.

    `late` names the columns whose values only the transaction knows (a new row's id).
    """
    plan = compiled(statement, dialect, (*values, *late))
    return Bound(plan, plan.processed(values), tuple(late))


def insert_bound(conn: Connection, bound: Bound, **late: Any) -> int:
    """Insert a bound row with its late values and return its new id."""
    if set(late) != set(bound.late):
        raise ValueError(f"late values {sorted(late)} given, {sorted(bound.late)} expected")
    plan = bound.plan
    values = {**bound.values, **plan.processed(late, defaults=False)} if late else bound.values
    with _cursor(conn, plan.sql) as cursor:
        cursor.execute(plan.sql, plan.arrange(values))
        new_id = cursor.lastrowid if conn.dialect.name == "sqlite" else cursor.fetchone()[0]
    return int(new_id)


def insert(conn: Connection, statement: Insert, values: Mapping[str, Any]) -> int:
    """Insert one row and return its new id."""
    return insert_bound(conn, bind(conn.dialect, statement, values))


def update(conn: Connection, statement: Update, values: Mapping[str, Any]) -> int:
    """Run an update; the values name the columns it sets and its WHERE's parameters.

    Return how many rows it changed.
    """
    plan = compiled(statement, conn.dialect, tuple(values))
    with _cursor(conn, plan.sql) as cursor:
        cursor.execute(plan.sql, plan.parameters(values))
        return int(cursor.rowcount)


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
