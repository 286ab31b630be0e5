"""Column types: aware UTC datetimes, encrypted texts, JSON lists."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Table, Text, event
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeDecorator

from loket.store.crypto import keyring_of


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored in UTC and always read back timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Loket stores aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EncryptedText(TypeDecorator[str]):
    """A personal text, encrypted at rest with the data keys of the engine's app.

    Each value is sealed with its column (`contact.phone`) as associated data: the column
    is named when the type's column joins its table (`name_encrypted_column`).
    """

    impl = Text
    cache_ok = True

    def __init__(self, column: str | None = None) -> None:
        super().__init__()
        self.column = column

    def _place(self) -> str:
        if self.column is None:
            raise TypeError("an EncryptedText value outside a table column cannot be sealed")
        return self.column

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).encrypt(value, column=self._place())

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).decrypt(value, column=self._place())


@event.listens_for(Column, "after_parent_attach")
def name_encrypted_column(column: Column[Any], parent: SchemaItem) -> None:
    """Tell an encrypted column's type where it is, once: the first table it joins.

    A copy of the table (Alembic's batch mode on SQLite) shares the type and keeps the name.
    """
    if isinstance(column.type, EncryptedText) and isinstance(parent, Table):
        if column.type.column is None:
            column.type.column = f"{parent.name}.{column.name}"


class JSONText(TypeDecorator[Any]):
    """A small JSON value kept as text (flags, trace, ids of an outbox row)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def empty_list() -> list[Any]:
    """Return a new empty list (a Python function: pydantic inspects builtins slowly)."""
    return []


def empty_dict() -> dict[str, Any]:
    """Return a new empty dict (a Python function: pydantic inspects builtins slowly)."""
    return {}
